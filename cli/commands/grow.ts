/** `mango grow`: grow a trained checkpoint into a larger config with any method; writes timm-named weights. */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MangoError } from '../../engine/index.ts';
import { loadCheckpoint } from '../../models/checkpoint/checkpoint.ts';
import { writeSafetensors } from '../../models/checkpoint/safetensors.ts';
import { describe } from '../../models/config.ts';
import { accuracy } from '../../models/train/evaluate.ts';
import { ViT } from '../../models/vit.ts';
import { grow, growthMethods, type GrowthMethod } from '../../growth/grow.ts';
import { checkDataFitsModel, chooseBackend, integer, loadConfig, loadData, number } from '../options.ts';
import { makeFolder } from '../../models/checkpoint/folder.ts';

const help = `usage: mango grow --from <checkpoint.safetensors> --to <config> [options]

  --from <file>          source checkpoint (step-*.safetensors from mango train)
  --to <config>          target config preset or JSON file
  --method <name>        ${growthMethods.join(' | ')}   [mango]
  --rank <n>             Mango rank R                                             [1]
  --op-steps <n>         operator training steps (mango, ligo)                    [100]
  --op-lr <x>            operator learning rate                                   [0.001]
  --batch <n>            operator training batch                                  [128]
  --data, --data-dir, --subset, --test-subset   data for operator training and the accuracy report
  --seed <n>                                                                      [0]
  --out <folder>         writes grown.safetensors (timm names, loads with strict=True)   [runs/grow]
  --backend <name>       webgpu | cpu
Then: mango train --init <out>/grown.safetensors --config <same config> ...`;

export const growCommand = {
  summary: 'grow a checkpoint',
  async run(args: string[]): Promise<number> {
    const { values: v } = parseArgs({
      args,
      options: {
        from: { type: 'string' }, to: { type: 'string' }, method: { type: 'string', default: 'mango' }, rank: { type: 'string', default: '1' },
        'op-steps': { type: 'string', default: '100' }, 'op-lr': { type: 'string', default: '0.001' }, batch: { type: 'string', default: '128' },
        data: { type: 'string', default: 'fashion-mnist' }, 'data-dir': { type: 'string' }, subset: { type: 'string' }, 'test-subset': { type: 'string', default: '2000' },
        seed: { type: 'string', default: '0' }, out: { type: 'string', default: 'runs/grow' }, backend: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (v.help) {
      console.log(help);
      return 0;
    }
    if (!v.from || !v.to) throw new MangoError('grow needs --from <checkpoint> and --to <config>', 'see mango grow --help');
    if (!growthMethods.includes(v.method as GrowthMethod)) throw new MangoError(`unknown method "${v.method}"`, `use one of: ${growthMethods.join(', ')}`);
    const checkpoint = loadCheckpoint(v.from);
    const target = loadConfig(v.to);
    makeFolder(v.out!, 'the output folder');
    const backend = await chooseBackend(v.backend);
    const data = loadData(v.data!, v['data-dir'], integer(v.subset, 'subset', 1), integer(v['test-subset'], 'test-subset', 1));
    checkDataFitsModel(data.train, target);
    const source = new ViT(checkpoint.state.config, { backend });
    source.loadState(checkpoint.model);
    console.log(`growing ${describe(source.config)} (${(100 * await accuracy(source, data.test)).toFixed(2)}% on ${data.test.count} test images) → ${describe(target)} with ${v.method}`);
    const seed = integer(v.seed, 'seed')!;
    const grown = await grow(source, target, v.method as GrowthMethod, { rank: integer(v.rank, 'rank', 1), seed, backend });
    let operatorFlops = 0;
    if (grown.operator) {
      console.log(`operator: ${grown.cost.operatorParameters.toLocaleString('en')} parameters, contraction order ${grown.cost.order}, ${(2 * grown.cost.operatorMacsPerStep / 1e9).toFixed(3)} GFLOPs per forward`);
      const trained = await grown.operator.trainOperator({ steps: integer(v['op-steps'], 'op-steps', 1)!, data: data.train, batchSize: integer(v.batch, 'batch', 1)!, lr: number(v['op-lr'], 'op-lr')!, seed, labelSmoothing: 0.1, clipNorm: 1 });
      operatorFlops = trained.flops;
      grown.operator.materialize();
    }
    const acc = await accuracy(grown.target, data.test);
    const path = join(v.out!, 'grown.safetensors');
    writeSafetensors(path, await grown.target.state(), { format: 'mango-weights', config: JSON.stringify(target), grownFrom: v.from, method: v.method!, operatorFlops: String(operatorFlops) });
    console.log(`grown model: ${(100 * acc).toFixed(2)}% test accuracy; operator training ${(operatorFlops / 1e12).toFixed(4)} TFLOPs; wrote ${path}`);
    return 0;
  },
};

