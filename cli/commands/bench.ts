/** `mango bench [kernels|train|growth|scaling|all]`: runs the benchmark suites and prints their tables. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { packagePath } from '../../io/package-root.ts';

const suites: Record<string, string> = { kernels: 'kernels.bench.ts', train: 'train.bench.ts', growth: 'growth.bench.ts', scaling: 'scaling.bench.ts' };

export const benchCommand = {
  async run(args: string[]): Promise<number> {
    if (args.includes('--help') || args.includes('-h')) {
      console.log(`usage: mango bench [${Object.keys(suites).join('|')}|all] [--quick]\nresults go to bench/results/*.json and *.md`);
      return 0;
    }
    const which = args.find((a) => !a.startsWith('-')) ?? 'all';
    const names = which === 'all' ? Object.keys(suites) : [which];
    for (const name of names) {
      if (!suites[name]) {
        console.error(`mango bench: unknown suite "${name}" (use ${Object.keys(suites).join(', ')} or all)`);
        return 2;
      }
      const script = packagePath('bench', suites[name]);
      if (!existsSync(script)) {
        console.error(`mango bench: the benchmarks ship with the source repository, not the installed package (${script} is absent)\n  fix: clone the repository and run \`npm run bench\` there`);
        return 2;
      }
      const run = spawnSync(process.execPath, ['--import', 'tsx', script, ...args.filter((a) => a.startsWith('--'))], { stdio: 'inherit' });
      if (run.status !== 0) return run.status ?? 1;
    }
    return 0;
  },
};
