/** `mango grow`: grow any timm-layout ViT file, or a GPT-2-style decoder, into a larger config with any method; writes its weights. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MangoError } from '../../engine/index.ts';
import { makeFolder } from '../../io/files.ts';
import { loadModelWeights, saveModelWeights } from '../../models/checkpoint/model-weights.ts';
import { createModel, describeModel, type Model, type ModelConfig } from '../../models/architecture.ts';
import { isGPTConfig } from '../../models/lm/gpt-config.ts';
import { isTokenSplit } from '../../models/lm/token-split.ts';
import { batchesFor } from '../../models/train/batches-for.ts';
import { defaultFashionMnistDir } from '../../models/data/dataset.ts';
import { evaluate } from '../../models/train/evaluate.ts';
import { checkGrowth, grow, growthMethods } from '../../growth/grow.ts';
import { helpOption, helpText, parseOptions, type OptionSpec } from '../option-table.ts';
import { backendName, checkCanCreate, chooseBackend, datasetName, integer, loadConfig, loadModelData, positive, weightNames } from '../options.ts';

const options = [
  { name: 'from', value: '<file>', help: ['the source: any safetensors file with timm VisionTransformer names — a mango',
    'checkpoint (its .optim file is not needed), a grown.safetensors, or a file written', 'by PyTorch / timm (F32, F16 or BF16) — or a language model (mango\'s, or a Hugging', 'Face GPT-2 file)'] },
  { name: 'heads', value: '<n>', help: "the source's attention heads, when the file does not record its architecture" },
  { name: 'source-config', value: '<c>', help: "or the source's whole config (preset or JSON file); it must fit the file" },
  { name: 'to', value: '<config>', help: 'target config preset or JSON file' },
  { name: 'method', value: '<name>', help: growthMethods.join(' | '), shows: 'mango', default: 'mango' },
  { name: 'rank', value: '<n>', help: 'Mango rank R', shows: '1', default: '1' },
  { name: 'width-init', value: '<kind>', help: ["Mango's new width: copy (of source units; function-preserving) or mix", "(random mixtures, LiGO's init: not function-preserving, but trains beyond the source width)"], shows: 'copy' },
  { name: 'op-steps', value: '<n>', help: 'operator training steps (mango, ligo); 0: the initial operator', shows: '100', default: '100' },
  { name: 'op-lr', value: '<x>', help: 'operator learning rate', shows: '0.001', default: '0.001' },
  { name: 'batch', value: '<n>', help: 'operator training batch', shows: '128', default: '128' },
  { name: 'data', value: '<name>', group: 'data', help: ['fashion-mnist | cifar10 | imagefolder: data for operator training and the',
    'accuracy report; needed only when the operator trains (without it, Fashion-MNIST',
    'reports accuracy when it fits the model); the report uses the first 2000 test', 'images unless --test-subset says otherwise'] },
  { name: 'data-dir', value: '<folder>', group: 'data', help: '' },
  { name: 'subset', value: '<n>', group: 'data', help: '' },
  { name: 'test-subset', value: '<n>', group: 'data', help: '', default: '2000' },
  { name: 'seed', value: '<n>', help: 'seed of the operator init and its training data order', shows: '0', default: '0' },
  { name: 'out', value: '<folder>', help: 'writes grown.safetensors (timm names, loads with strict=True)', shows: 'runs/grow', default: 'runs/grow' },
  { name: 'names', value: '<style>', help: ["a language model's tensor names in the written file: mango (its own) or gpt2", "(Hugging Face GPT2LMHeadModel's, Conv1D layouts)"], shows: 'mango' },
  { name: 'backend', value: '<name>', help: 'webgpu | cpu' },
  helpOption,
] as const satisfies readonly OptionSpec[];

export const growCommand = {
  async run(args: string[]): Promise<number> {
    const v = parseOptions(args, options);
    if (v.help) {
      console.log(helpText('usage: mango grow --from <weights.safetensors> --to <config> [options]', options,
        ['Then: mango train --init <out>/grown.safetensors ...   (the architecture comes from the file)']));
      return 0;
    }
    // Every argument is checked before any data loads or the GPU starts.
    if (!v.from || !v.to) throw new MangoError('grow needs --from <weights.safetensors> and --to <config>', 'see mango grow --help');
    const rank = integer(v.rank, 'rank', 1)!;
    const opSteps = integer(v['op-steps'], 'op-steps', 0)!;
    const opLr = positive(v['op-lr'], 'op-lr')!;
    const batchSize = integer(v.batch, 'batch', 1)!;
    const seed = integer(v.seed, 'seed')!;
    const subsets = [integer(v.subset, 'subset', 1), integer(v['test-subset'], 'test-subset', 1)] as const;
    const backend = backendName(v.backend);
    const dataName = datasetName(v.data);
    const names = weightNames(v.names);
    const weights = loadModelWeights(v.from, {
      heads: integer(v.heads, 'heads', 1), config: v['source-config'] ? loadConfig(v['source-config']) : undefined,
      configLabel: `--source-config ${v['source-config']}`, configFlag: '--source-config',
    });
    const target = loadConfig(v.to);
    const method = v.method!;
    checkGrowth(weights.config, target, method, { rank });
    const widthInit = v['width-init'];
    if (widthInit !== undefined && widthInit !== 'copy' && widthInit !== 'mix') throw new MangoError(`--width-init must be copy or mix (got "${widthInit}")`, 'use --width-init copy or --width-init mix');
    if (widthInit !== undefined && method !== 'mango') throw new MangoError(`--width-init is Mango's; ${method} has its own init`, 'leave --width-init out, or use --method mango');
    if (names === 'gpt2' && !isGPTConfig(target)) throw new MangoError('--names gpt2 applies to language models', 'leave --names out: a ViT is written with timm names');
    const path = join(v.out!, 'grown.safetensors');
    if (existsSync(path)) throw new MangoError(`${path} already exists`, 'choose another --out (or remove that file); nothing was overwritten');
    checkCanCreate(v.out!, 'the output folder');

    const trainsOperator = (method === 'mango' || method === 'ligo') && opSteps > 0;
    const [subset, testSubset] = subsets;
    const data = trainsOperator || v.data || v['data-dir'] || isGPTConfig(target)
      ? await loadModelData({ name: dataName, dir: v['data-dir'], model: target, subset, testSubset: isGPTConfig(target) && v['test-subset'] === '2000' ? 64 : testSubset })
      : await defaultReportData(target, subsets);
    const device = await chooseBackend(backend);
    for (const note of weights.notes) console.log(`note: ${note}`);
    const source = createModel(weights.config, { backend: device });
    source.loadState(weights.tensors);
    const report = async (model: Model) => {
      if (!data) return 'accuracy not measured';
      const { accuracy, loss } = await evaluate(model, data.test);
      if (isTokenSplit(data.test)) return `test loss ${loss.toFixed(4)} nats/token (perplexity ${Math.exp(loss).toFixed(2)}) on ${data.test.name}`;
      return `${(100 * accuracy).toFixed(2)}% on ${data.test.count} ${data.test.name} test images`;
    };
    console.log(`growing ${describeModel(source.config)} (architecture from the file's ${weights.configSource === 'metadata' ? 'metadata' : 'tensor shapes'}; ${await report(source)}) → ${describeModel(target)} with ${method}`);
    if (!data) console.log('no dataset used: nothing to train the operator on was needed (pass --data-dir to report accuracy)');
    const grown = await grow(source, target, method, { rank, seed, backend: device, ...(widthInit ? { widthInit } : {}) });
    let operatorFlops = 0;
    if (grown.operator) {
      console.log(`operator: ${grown.cost.operatorParameters.toLocaleString('en')} parameters, contraction order ${grown.cost.order ?? '—'}, ${(2 * grown.cost.operatorMacsPerStep / 1e9).toFixed(3)} GFLOPs per forward`);
      if (trainsOperator) {
        const batches = batchesFor(target, data!.train, batchSize, seed);
        const trained = await grown.operator.trainOperator({ steps: opSteps, data: batches, batchSize, lr: opLr, seed, labelSmoothing: isGPTConfig(target) ? 0 : 0.1, clipNorm: 1 });
        operatorFlops = trained.flops;
        grown.operator.materialize();
      } else {
        console.log('--op-steps 0: the operator keeps its initialisation');
      }
    }
    makeFolder(v.out!, 'the output folder');
    await saveModelWeights(path, grown.target, {
      grownFrom: v.from, method, ...(method === 'mango' ? { rank: String(rank), widthInit: widthInit ?? 'copy' } : {}),
      operatorSteps: String(trainsOperator ? opSteps : 0), operatorFlops: String(operatorFlops),
    }, names);
    console.log(`grown model: ${await report(grown.target)}; operator training ${(operatorFlops / 1e12).toFixed(4)} TFLOPs; wrote ${path}`);
    return 0;
  },
};

/** Fashion-MNIST for the accuracy report only, when it is installed and fits the model; otherwise none. */
async function defaultReportData(target: ModelConfig, subsets: readonly [number | undefined, number | undefined]) {
  const fits = !isGPTConfig(target) && target.imageSize === 28 && target.channels === 1 && target.classes === 10;
  return fits && existsSync(join(defaultFashionMnistDir, 't10k-images-idx3-ubyte.gz')) ? loadModelData({ name: 'fashion-mnist', model: target, subset: subsets[0], testSubset: subsets[1] }) : undefined;
}
