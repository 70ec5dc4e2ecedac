/** `mango train`: train a ViT or a language model from scratch, from grown weights, or resume; print its metrics, write checkpoints and logs. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MangoError } from '../../engine/index.ts';
import { listCheckpoints } from '../../models/checkpoint/checkpoint.ts';
import { checkSameSettings } from '../../models/checkpoint/recorded-settings.ts';
import { readSafetensors } from '../../models/checkpoint/safetensors.ts';
import { loadModelWeights, saveModelWeights, type ModelWeights } from '../../models/checkpoint/model-weights.ts';
import { createModel, describeModel, type ModelConfig } from '../../models/architecture.ts';
import { isGPTConfig } from '../../models/lm/gpt-config.ts';
import { batchesFor } from '../../models/train/batches-for.ts';
import { isTokenSplit } from '../../models/lm/token-split.ts';
import type { EvalPoint } from '../../models/train/trainer.ts';
import type { SplitData } from '../../models/train/evaluate.ts';
import { say } from '../../models/train/progress.ts';
import { trainModel } from '../../models/train/trainer.ts';
import { helpOption, helpText, parseOptions, type OptionSpec } from '../option-table.ts';
import { backendName, checkCanCreate, chooseBackend, datasetName, integer, interruptSignal, loadConfig, loadModelData, number, positive, weightNames } from '../options.ts';

const defaultConfig = 'fmnist-d64-l4';

const options = [
  { name: 'config', value: '<name|file.json>', help: 'model config preset (e.g. fmnist-d64-l4, or lm-d64-l4 for a language model) or JSON file', shows: `${defaultConfig}; with --init: the file's` },
  { name: 'data', value: '<name>', help: ['fashion-mnist | cifar10 | imagefolder; for a language model austen (Jane', "Austen's novels) | text"], shows: 'fashion-mnist; austen for an LM' },
  { name: 'data-dir', value: '<folder>', help: ['dataset folder (default for Fashion-MNIST: /usr/share/datasets/fashion-mnist;', 'imagefolder: <root> with train/<class>/*.png|jpg and val/<class>/; text: a', 'folder of .txt files, each a document, or one .txt file)'] },
  { name: 'epochs', value: '<n>', help: 'epochs to train', shows: '1' },
  { name: 'steps', value: '<n>', help: 'total steps (overrides --epochs)' },
  { name: 'batch', value: '<n>', help: 'batch size', shows: '128' },
  { name: 'lr', value: '<x>', help: 'peak learning rate (AdamW)', shows: '0.001' },
  { name: 'min-lr', value: '<x>', help: 'learning rate at the end of the cosine', shows: '1e-5' },
  { name: 'warmup', value: '<n>', help: 'linear warmup steps', shows: '5% of steps' },
  { name: 'weight-decay', value: '<x>', help: 'AdamW weight decay (not on norms, biases, embeddings)', shows: '0.05' },
  { name: 'label-smoothing', value: '<x>', help: 'label smoothing', shows: '0.1; 0 for an LM' },
  { name: 'clip', value: '<x>', help: 'clip gradients to this global norm (0: off)', shows: '1' },
  { name: 'optimizer', value: '<name>', help: 'adamw | sgd', shows: 'adamw' },
  { name: 'no-augment', help: 'no random crop / flip' },
  { name: 'subset', value: '<n>', help: 'use only the first n training images (an LM: tokens)' },
  { name: 'test-subset', value: '<n>', help: 'evaluate on only the first n test images (an LM: n context windows)' },
  { name: 'validation', value: '<n>', help: ['hold n training images out (a fixed draw) and evaluate on them too: choose', 'settings on these, never on the test set'] },
  { name: 'eval-every', value: '<n>', help: 'evaluate every n steps', shows: 'each epoch' },
  { name: 'checkpoint-every', value: '<n>', help: 'checkpoint every n steps', shows: 'each epoch' },
  { name: 'seed', value: '<n>', help: 'seed for init, data order, augmentation, dropout', shows: '0' },
  { name: 'out', value: '<folder>', help: 'run folder for checkpoints and log.jsonl', shows: 'runs/train', default: 'runs/train' },
  { name: 'resume', help: ["continue the run in --out; settings not given are the run's own, given ones", 'must match it (only --steps / --epochs may grow, to train longer)'] },
  { name: 'weights-out', value: '<file>', help: ['also write the final weights there (timm names; recipe, command and accuracy', 'in the metadata): a pretrained model to grow from'] },
  { name: 'names', value: '<style>', help: ["a language model's tensor names in the written file: mango (its own) or gpt2", "(Hugging Face GPT2LMHeadModel's, Conv1D layouts)"], shows: 'mango' },
  { name: 'init', value: '<weights>', help: ['start from these weights: grown.safetensors, a checkpoint, or a timm-named', "safetensors file; the architecture is the file's (a --config must agree)"] },
  { name: 'heads', value: '<n>', help: 'attention heads, for an --init file that does not record its architecture' },
  { name: 'backend', value: '<name>', help: 'webgpu | cpu (default: webgpu, CPU if no adapter)' },
  helpOption,
] as const satisfies readonly OptionSpec[];

/** What makes a run what it is: recorded in its checkpoints, checked on --resume. */
interface TrainSettings {
  config: ModelConfig;
  data: string;
  subset?: number;
  testSubset?: number;
  validation?: number;
  batch: number;
  lr: number;
  minLr: number;
  warmup?: number;
  weightDecay: number;
  labelSmoothing: number;
  clip: number;
  optimizer: 'adamw' | 'sgd';
  augment: boolean;
  seed: number;
  init?: string;
}

type Given = Record<string, string | boolean | undefined>;

function optimizerName(value: string | undefined): 'adamw' | 'sgd' | undefined {
  if (value === undefined || value === 'adamw' || value === 'sgd') return value;
  throw new MangoError(`unknown --optimizer "${value}"`, 'use adamw or sgd (adamw is Adam with decoupled weight decay)');
}

/** The settings given on the command line, each validated; undefined where a flag was not given. */
function givenSettings(v: Given, weights: ModelWeights | undefined): Partial<TrainSettings> {
  const s = (k: string) => v[k] as string | undefined;
  return {
    config: weights?.config ?? (s('config') ? loadConfig(s('config')!) : undefined), data: datasetName(s('data')),
    subset: integer(s('subset'), 'subset', 1), testSubset: integer(s('test-subset'), 'test-subset', 1), validation: integer(s('validation'), 'validation', 1), batch: integer(s('batch'), 'batch', 1),
    lr: positive(s('lr'), 'lr'), minLr: number(s('min-lr'), 'min-lr', { min: 0 }), warmup: integer(s('warmup'), 'warmup'),
    weightDecay: number(s('weight-decay'), 'weight-decay', { min: 0 }), labelSmoothing: number(s('label-smoothing'), 'label-smoothing', { min: 0 }),
    clip: number(s('clip'), 'clip', { min: 0 }), optimizer: optimizerName(s('optimizer')), augment: v['no-augment'] ? false : undefined,
    seed: integer(s('seed'), 'seed'), init: s('init'),
  };
}

const defaults: Omit<TrainSettings, 'config'> = {
  data: 'fashion-mnist', batch: 128, lr: 1e-3, minLr: 1e-5, weightDecay: 0.05, labelSmoothing: 0.1, clip: 1, optimizer: 'adamw', augment: true, seed: 0,
};

const defined = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined)) as Partial<T>;

/** The settings the newest checkpoint in `out` recorded (undefined: no run there yet, or one from before settings were recorded). */
function recordedSettings(out: string): { settings?: TrainSettings; steps?: number; path: string; count: number } | undefined {
  const checkpoints = listCheckpoints(join(out, 'checkpoints'));
  if (checkpoints.length === 0) return undefined;
  // The newest one that reads (resume skips damaged checkpoints the same way).
  for (const path of [...checkpoints].reverse()) {
    try {
      const state = JSON.parse(readSafetensors(path).metadata.state ?? '{}');
      return { settings: state.extra?.settings, steps: state.extra?.totalSteps, path, count: checkpoints.length };
    } catch {
      continue;
    }
  }
  return { path: checkpoints.at(-1)!, count: checkpoints.length };
}

/** Examples in a split: images, or tokens of a text split. */
function sizeOf(data: SplitData): number {
  return isTokenSplit(data) ? data.tokens.length : data.count;
}

/** "test accuracy 87.1% (loss 0.41), validation 86.9%", or for a language model its losses (nats/token) and perplexity. */
export function metricsLine(config: ModelConfig, p: EvalPoint): string {
  if (isGPTConfig(config)) {
    const loss = (x: number | undefined) => `${x?.toFixed(4)} nats/token (perplexity ${Math.exp(x ?? NaN).toFixed(2)})`;
    return `test loss ${loss(p.loss)}${p.validationLoss !== undefined ? `, validation ${loss(p.validationLoss)}` : ''}, next-token accuracy ${(100 * p.accuracy).toFixed(1)}%`;
  }
  return `test accuracy ${(100 * p.accuracy).toFixed(2)}% (loss ${p.loss?.toFixed(4)})${p.validationAccuracy !== undefined ? `, validation ${(100 * p.validationAccuracy).toFixed(2)}%` : ''}`;
}

export const trainCommand = {
  async run(args: string[]): Promise<number> {
    const values = parseOptions(args, options);
    if (values.help) {
      console.log(helpText('usage: mango train [options]', options));
      return 0;
    }
    // Every argument first, then the run folder and the data: a typo is reported as such, and nothing starts.
    const out = values.out!;
    const backend = backendName(values.backend);
    const epochs = integer(values.epochs, 'epochs', 1);
    const givenSteps = integer(values.steps, 'steps', 1);
    const evalEvery = integer(values['eval-every'], 'eval-every');
    const checkpointEvery = integer(values['checkpoint-every'], 'checkpoint-every');
    const heads = integer(values.heads, 'heads', 1);
    const weights = values.init
      ? loadModelWeights(values.init, { config: values.config ? loadConfig(values.config) : undefined, configLabel: `--config ${values.config}`, heads, configFlag: '--config' })
      : undefined;
    if (heads !== undefined && !weights) throw new MangoError('--heads applies to an --init file only', 'set the heads in --config (a preset or JSON file)');
    const given = defined(givenSettings(values, weights));

    const earlier = recordedSettings(out);
    if (earlier && !values.resume) {
      throw new MangoError(`${out} already holds ${earlier.count} checkpoint(s) of an earlier run (newest ${earlier.path})`,
        'pass --resume to continue that run, or choose another --out; nothing was overwritten');
    }
    const recorded = values.resume ? earlier?.settings : undefined;
    if (recorded) {
      checkSameSettings(`the run in ${out}`, Object.fromEntries(Object.keys(given).map((k) => [k, recorded[k as keyof TrainSettings]])), given,
        'leave those flags out to continue with the recorded ones (only --steps / --epochs may change), or train into another --out');
    } else if (values.resume && earlier) {
      console.error(`note: ${earlier.path} predates recorded settings; resuming with the settings given now`);
    }
    const config = given.config ?? recorded?.config ?? loadConfig(defaultConfig);
    // A language model's own defaults: its corpus, and no label smoothing (GPT-2 trains without).
    const familyDefaults = isGPTConfig(config) ? { data: 'austen', labelSmoothing: 0, augment: false } : {};
    const settings: TrainSettings = { ...defaults, ...familyDefaults, config, ...recorded, ...given };

    const weightsOut = values['weights-out'];
    const names = weightNames(values.names);
    if (names === 'gpt2' && !isGPTConfig(config)) throw new MangoError('--names gpt2 applies to language models', 'leave --names out: a ViT is written with timm names');
    if (weightsOut && existsSync(weightsOut)) throw new MangoError(`${weightsOut} already exists`, 'choose another --weights-out (or remove that file); nothing was overwritten');
    const data = await loadModelData({ name: settings.data, dir: values['data-dir'], model: config, subset: settings.subset, testSubset: settings.testSubset, validation: settings.validation });
    const perEpoch = batchesFor(config, data.train, settings.batch, settings.seed).perEpoch;
    const steps = givenSteps ?? (epochs !== undefined ? perEpoch * epochs : undefined) ?? earlier?.steps ?? perEpoch;
    checkCanCreate(out, 'the run folder');
    const device = await chooseBackend(backend);
    const counts = [data.train, data.test, data.validation].map((d) => d && `${sizeOf(d).toLocaleString('en')} ${d === data.train ? 'train' : d === data.test ? 'test' : 'validation'}`).filter(Boolean).join(' / ');
    console.log(`training ${describeModel(config)} on ${data.train.name} (${counts}${isTokenSplit(data.train) ? ' tokens' : ''}) for ${steps} steps of ${settings.batch} on ${device.describe()}`);
    for (const note of weights?.notes ?? []) console.log(`note: ${note}`);
    const model = createModel(config, { seed: settings.seed, backend: device });
    if (weights && !recorded) {
      model.loadState(weights.tensors);
      console.log(`initialised from ${weights.path} (architecture from its ${weights.configSource === 'metadata' ? 'metadata' : 'tensor shapes'})`);
    }
    console.log(`${model.parameterCount().toLocaleString('en')} parameters; run folder ${out}`);
    const warmupSteps = settings.warmup ?? Math.round(steps * 0.05);
    const result = await trainModel({
      model, train: data.train, test: data.test, batchSize: settings.batch, steps,
      lr: settings.lr, minLr: settings.minLr, warmupSteps, weightDecay: settings.weightDecay, labelSmoothing: settings.labelSmoothing,
      clipNorm: settings.clip, optimizer: settings.optimizer, seed: settings.seed,
      augmentation: settings.augment ? { cropPadding: 2, horizontalFlip: true } : undefined,
      evalEvery: evalEvery ?? perEpoch, checkpointEvery: checkpointEvery ?? perEpoch,
      outDir: out, resume: values.resume, signal: interruptSignal(), label: 'train',
      extra: { settings: { ...settings, warmup: warmupSteps }, totalSteps: steps },
      validation: data.validation, evaluateStart: weights !== undefined,
      onEval: (p) => say(`  step ${p.step}${p.step === 0 ? ' (the initial weights)' : ''}: ${metricsLine(config, p)}`),
    });
    if (result.resumedFrom !== undefined) console.log(`resumed from step ${result.resumedFrom}`);
    if (result.interrupted) {
      console.log(`stopped at step ${result.steps} of ${steps}; checkpoint written. Run the same command with --resume to continue.`);
      return 130;
    }
    const speed = isGPTConfig(config) ? `${(result.imagesPerSecond * config.context).toFixed(0)} tokens/s` : `${result.imagesPerSecond.toFixed(0)} img/s`;
    console.log(`done: ${result.steps} steps, ${metricsLine(config, result.evals.at(-1)!)}, ${(result.flops / 1e12).toFixed(3)} TFLOPs, ${speed}`);
    console.log(`checkpoints, log.jsonl and metrics.csv in ${out} (mango plot ${out} draws them)`);
    if (weightsOut) {
      const last = result.evals.at(-1)!;
      const unit = isTokenSplit(data.test) ? 'Tokens' : 'Images';
      /** what an evaluation read: images, or the target tokens of the evaluation windows */
      const evaluated = (d: SplitData) => (isTokenSplit(d) && isGPTConfig(config) ? Math.min(Math.floor((d.tokens.length - 1) / config.context), d.evalWindows ?? Infinity) * config.context : sizeOf(d));
      await saveModelWeights(weightsOut, model, {
        recipe: JSON.stringify({ ...settings, warmup: warmupSteps, steps }),
        command: `mango train ${args.join(' ')}`, steps: String(result.steps), testAccuracy: String(last.accuracy), testLoss: String(last.loss), [`test${unit}`]: String(evaluated(data.test)),
        ...(last.validationAccuracy !== undefined ? { validationAccuracy: String(last.validationAccuracy), validationLoss: String(last.validationLoss), [`validation${unit}`]: String(evaluated(data.validation!)) } : {}),
      }, names);
      console.log(`wrote ${weightsOut}`);
    }
    return 0;
  },
};
