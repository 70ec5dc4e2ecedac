/** `mango train`: train a ViT from scratch (or resume), print accuracy, write checkpoints and logs. */
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { MangoError } from '../../engine/index.ts';
import { listCheckpoints } from '../../models/checkpoint/checkpoint.ts';
import { makeFolder } from '../../models/checkpoint/folder.ts';
import { readSafetensors } from '../../models/checkpoint/safetensors.ts';
import { describe } from '../../models/config.ts';
import { trainModel } from '../../models/train/trainer.ts';
import { ViT } from '../../models/vit.ts';
import { checkDataFitsModel, chooseBackend, describeBackend, integer, interruptSignal, loadConfig, loadData, number } from '../options.ts';

const help = `usage: mango train [options]

  --config <name|file.json>  model config preset (e.g. fmnist-d64-l4) or JSON file   [fmnist-d64-l4]
  --data <name>              fashion-mnist | cifar10                                   [fashion-mnist]
  --data-dir <folder>        dataset folder (default for Fashion-MNIST: /usr/share/datasets/fashion-mnist)
  --epochs <n>               epochs to train                                           [1]
  --steps <n>                total steps (overrides --epochs)
  --batch <n>                batch size                                                [128]
  --lr <x>                   peak learning rate (AdamW)                                [0.001]
  --min-lr <x>               learning rate at the end of the cosine                    [1e-5]
  --warmup <n>               linear warmup steps                                       [5% of steps]
  --weight-decay <x>         AdamW weight decay (not on norms, biases, embeddings)     [0.05]
  --label-smoothing <x>      label smoothing                                           [0.1]
  --clip <x>                 clip gradients to this global norm (0: off)               [1]
  --optimizer <name>         adamw | sgd                                               [adamw]
  --no-augment               no random crop / flip
  --subset <n>               use only the first n training images
  --test-subset <n>          evaluate on only the first n test images
  --eval-every <n>           evaluate every n steps                                    [each epoch]
  --checkpoint-every <n>     checkpoint every n steps                                  [each epoch]
  --seed <n>                 seed for init, data order, augmentation, dropout          [0]
  --out <folder>             run folder for checkpoints and log.jsonl                  [runs/train]
  --resume                   continue from the newest checkpoint in --out
  --init <weights>           start from these weights (e.g. grown.safetensors from mango grow)
  --backend <name>           webgpu | cpu (default: webgpu, CPU if no adapter)
  -h, --help`;

export const trainCommand = {
  summary: 'train a ViT',
  async run(args: string[]): Promise<number> {
    const { values } = parseArgs({
      args,
      options: {
        config: { type: 'string', default: 'fmnist-d64-l4' }, data: { type: 'string', default: 'fashion-mnist' }, 'data-dir': { type: 'string' },
        epochs: { type: 'string', default: '1' }, steps: { type: 'string' }, batch: { type: 'string', default: '128' },
        lr: { type: 'string', default: '0.001' }, 'min-lr': { type: 'string', default: '1e-5' }, warmup: { type: 'string' },
        'weight-decay': { type: 'string', default: '0.05' }, 'label-smoothing': { type: 'string', default: '0.1' }, clip: { type: 'string', default: '1' },
        optimizer: { type: 'string', default: 'adamw' }, 'no-augment': { type: 'boolean', default: false },
        subset: { type: 'string' }, 'test-subset': { type: 'string' }, 'eval-every': { type: 'string' }, 'checkpoint-every': { type: 'string' },
        seed: { type: 'string', default: '0' }, out: { type: 'string', default: 'runs/train' }, resume: { type: 'boolean', default: false }, init: { type: 'string' },
        backend: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) {
      console.log(help);
      return 0;
    }
    const config = loadConfig(values.config!);
    const data = loadData(values.data!, values['data-dir'], integer(values.subset, 'subset', 1), integer(values['test-subset'], 'test-subset', 1));
    checkDataFitsModel(data.train, config);
    const batchSize = integer(values.batch, 'batch', 1)!;
    const perEpoch = Math.floor(data.train.count / batchSize);
    const steps = integer(values.steps, 'steps', 1) ?? perEpoch * integer(values.epochs, 'epochs', 1)!;
    // Arguments first, then the run folder: a typo is reported as such, not as an earlier run's conflict.
    const earlier = listCheckpoints(join(values.out!, 'checkpoints'));
    if (!values.resume && earlier.length > 0) {
      throw new MangoError(`${values.out} already holds ${earlier.length} checkpoint(s) of an earlier run (newest ${earlier.at(-1)})`,
        'pass --resume to continue that run, or choose another --out; nothing was overwritten');
    }
    makeFolder(values.out!, 'the run folder');
    const backend = await chooseBackend(values.backend);
    const seed = integer(values.seed, 'seed')!;
    const optimizer = values.optimizer === 'sgd' ? 'sgd' : values.optimizer === 'adamw' ? 'adamw' : undefined;
    if (!optimizer) throw new Error(`--optimizer must be adamw or sgd`);
    console.log(`training ${describe(config)} on ${data.train.name} (${data.train.count} train / ${data.test.count} test) for ${steps} steps of ${batchSize} on ${describeBackend(backend)}`);
    const model = new ViT(config, { seed, backend });
    if (values.init) model.loadState(readSafetensors(values.init).tensors);
    console.log(`${model.parameterCount().toLocaleString('en')} parameters; run folder ${values.out}`);
    const result = await trainModel({
      model, train: data.train, test: data.test, batchSize, steps,
      lr: number(values.lr, 'lr')!, minLr: number(values['min-lr'], 'min-lr'), warmupSteps: integer(values.warmup, 'warmup') ?? Math.round(steps * 0.05),
      weightDecay: number(values['weight-decay'], 'weight-decay'), labelSmoothing: number(values['label-smoothing'], 'label-smoothing'),
      clipNorm: number(values.clip, 'clip'), optimizer, seed,
      augmentation: values['no-augment'] ? undefined : { cropPadding: 2, horizontalFlip: true },
      evalEvery: integer(values['eval-every'], 'eval-every') ?? perEpoch, checkpointEvery: integer(values['checkpoint-every'], 'checkpoint-every') ?? perEpoch,
      outDir: values.out, resume: values.resume, signal: interruptSignal(), label: 'train',
      onEval: (p) => console.error(`  step ${p.step}: test accuracy ${(100 * p.accuracy).toFixed(2)}%`),
    });
    if (result.resumedFrom !== undefined) console.log(`resumed from step ${result.resumedFrom}`);
    if (result.interrupted) {
      console.log(`stopped at step ${result.steps} of ${steps}; checkpoint written. Run the same command with --resume to continue.`);
      return 130;
    }
    console.log(`done: ${result.steps} steps, test accuracy ${(100 * result.finalAccuracy).toFixed(2)}%, ${(result.flops / 1e12).toFixed(3)} TFLOPs, ${result.imagesPerSecond.toFixed(0)} img/s`);
    console.log(`checkpoints and log.jsonl in ${values.out}`);
    return 0;
  },
};
