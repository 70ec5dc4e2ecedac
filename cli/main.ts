/** `mango <command>`: train, grow, experiment, inspect, sample, plot, bench. Friendly errors, --help everywhere. */
import { closeBackends, GpuDeviceLostError, MangoError } from '../engine/index.ts';
import { deviceLostExitCode, exitWithSupervisor, isWorker, runSupervised } from './supervisor.ts';
import { flag, setFlagForProcessTree } from '../engine/flags.ts';
import { packageVersion } from '../io/package-root.ts';

interface Command {
  run(args: string[]): Promise<number>;
}

const commands: Record<string, () => Promise<Command>> = {
  train: async () => (await import('./commands/train.ts')).trainCommand,
  inspect: async () => (await import('./commands/inspect.ts')).inspectCommand,
  sample: async () => (await import('./commands/sample.ts')).sampleCommand,
  experiment: async () => (await import('./commands/experiment.ts')).experimentCommand,
  grow: async () => (await import('./commands/grow.ts')).growCommand,
  plot: async () => (await import('./commands/plot.ts')).plotCommand,
  bench: async () => (await import('./commands/bench.ts')).benchCommand,
};

const summaries: Record<string, string> = {
  train: 'train a ViT on Fashion-MNIST, CIFAR-10 or your image folder, with checkpoints and resume',
  inspect: 'show what a checkpoint or weights file holds: architecture, provenance, tensors (--json)',
  sample: 'generate text from a language model (mango\'s or Hugging Face GPT-2 weights) after a prompt',
  experiment: 'grow vs train from scratch: savings at equal accuracy (resumable); --default is the main job',
  grow: 'grow a trained checkpoint into a larger model (mango, ligo, bert2bert-fpi/aki, net2net, stackbert)',
  plot: 'draw accuracy and loss vs FLOPs (SVG) for a train run or an experiment folder',
  bench: 'run the benchmark suites (kernels, train, growth, scaling) and print their tables',
};

function usage(): string {
  return ['usage: mango <command> [options]   (mango <command> --help for its options; mango --version;',
    '       --verbose on any command also shows what the GPU runtime prints, e.g. Dawn\'s limit notices)', '', 'commands:',
    ...Object.keys(commands).map((c) => `  ${c.padEnd(10)} ${summaries[c]}`)].join('\n');
}

/** `--lr -1` means the value -1 (no flag looks like a number), so it is checked as one rather than called ambiguous. */
function attachNegativeValues(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (/^--[^=]+$/.test(args[i]) && /^-(\d|\.\d)/.test(args[i + 1] ?? '')) out.push(`${args[i]}=${args[++i]}`);
    else out.push(args[i]);
  }
  return out;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...given] = argv;
  // --verbose works on every command: the supervisor then passes the worker's stderr through untouched.
  if (given.includes('--verbose')) setFlagForProcessTree('verbose', '1');
  const rest = attachNegativeValues(given.filter((a) => a !== '--verbose'));
  if (name === '--version' || name === '-V') {
    console.log(packageVersion());
    return 0;
  }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 1;
  }
  const load = commands[name];
  if (!load) {
    console.error(`mango: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  const wantsHelp = rest.includes('--help') || rest.includes('-h');
  if (supervisedCommands.has(name) && !isWorker() && !wantsHelp && flag('supervise')) {
    const restartArgv = name === 'train' && !rest.includes('--resume') ? [...argv, '--resume'] : argv;
    return runSupervised({ argv, restartArgv, maxRestarts: flag('maxRestarts'), binary: process.argv[1] });
  }
  return (await load()).run(rest);
}

/** Long jobs that run in a supervised worker, restarted from their checkpoints after a native crash or device loss. */
const supervisedCommands = new Set(['train', 'grow', 'experiment']);
exitWithSupervisor();
// A reader that stops early (`mango inspect f | head`) closes the pipe: that ends the output, not in a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
}

let code = 1;
try {
  code = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof MangoError) {
    console.error(`\nmango: ${error.message}`);
    code = error instanceof GpuDeviceLostError ? deviceLostExitCode : 1;
  } else if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    console.error(`mango: ${(error as Error).message} (see --help)`);
    code = 2;
  } else {
    throw error;
  }
} finally {
  closeBackends();
}
process.exitCode = code;
