/**
 * `mango sample --from <decoder.safetensors> [--prompt "<text>"]`: what a language model learned. Prints the
 * prompt, then streams the text the model writes after it (stdout holds the text alone; notes go to stderr).
 */
import { MangoError } from '../../engine/index.ts';
import { generate } from '../../models/lm/generate.ts';
import { GPT } from '../../models/lm/gpt.ts';
import { describeGPT } from '../../models/lm/gpt-config.ts';
import { loadGPTWeights } from '../../models/lm/gpt-weights.ts';
import { loadTokenizer, tokenizerNames, type Tokenizer } from '../../models/data/tokenizer.ts';
import { helpOption, helpText, parseOptions, type OptionSpec } from '../option-table.ts';
import { backendName, chooseBackend, integer, number } from '../options.ts';

const options = [
  { name: 'from', value: '<file>', help: ['a decoder\'s weights: mango\'s (a checkpoint or saved model) or a Hugging Face', 'GPT-2 model.safetensors'] },
  { name: 'heads', value: '<n>', help: ['its attention heads, when the file records none (nor a Hugging Face config.json', 'beside it)'] },
  { name: 'prompt', value: '<text>', help: 'the text to continue; without it, the model starts a new document' },
  { name: 'tokens', value: '<n>', help: 'tokens to generate (fewer when GPT-2 writes <|endoftext|>)', shows: '200', default: '200' },
  { name: 'temperature', value: '<x>', help: 'softmax temperature; 0: always the most likely token', shows: '0.8', default: '0.8' },
  { name: 'top-k', value: '<n>', help: 'sample among the k most likely tokens; 0: all of them', shows: '40', default: '40' },
  { name: 'seed', value: '<n>', help: 'the same seed gives the same text', shows: '0', default: '0' },
  { name: 'tokenizer', value: '<name>', help: `${tokenizerNames.join(' | ')} (default: byte for a vocabulary of 256, gpt2 for 50257)` },
  { name: 'backend', value: '<name>', help: 'webgpu | cpu' },
  helpOption,
] as const satisfies readonly OptionSpec[];

const defaultTokenizers: Record<number, string> = { 256: 'byte', 50257: 'gpt2' };

/** The tokenizer asked for, or the one the vocabulary implies; it must not produce ids the model lacks. */
async function tokenizerFor(vocabSize: number, asked: string | undefined, file: string): Promise<Tokenizer> {
  const name = asked ?? defaultTokenizers[vocabSize];
  if (!name) {
    throw new MangoError(`${file} has a vocabulary of ${vocabSize}, which is neither the byte tokenizer's (256) nor GPT-2's (50257)`,
      `pass --tokenizer ${tokenizerNames.join('|')}: the one the model was trained with (its vocabulary may be padded past it)`);
  }
  const tokenizer = await loadTokenizer(name);
  if (tokenizer.vocabSize > vocabSize) {
    throw new MangoError(`the ${name} tokenizer has ${tokenizer.vocabSize} tokens, but the model in ${file} has a vocabulary of only ${vocabSize}`,
      defaultTokenizers[vocabSize] ? `use --tokenizer ${defaultTokenizers[vocabSize]}, or leave --tokenizer out` : 'pass the tokenizer the model was trained with');
  }
  if (tokenizer.vocabSize < vocabSize) console.error(`note: the model's vocabulary of ${vocabSize} is larger than the ${name} tokenizer's ${tokenizer.vocabSize}; an id past it cannot be printed`);
  return tokenizer;
}

/**
 * Text for each new token as it comes. A character cut between tokens (a multi-byte UTF-8 character in
 * bytes) decodes to a trailing U+FFFD until its last byte arrives, so that tail is held back.
 */
function textStream(tokenizer: Tokenizer): { push(id: number): string; end(): string } {
  const ids: number[] = [];
  let written = 0;
  const take = (text: string) => {
    const chunk = text.slice(written);
    written = text.length;
    return chunk;
  };
  return {
    push(id) {
      ids.push(id);
      return take(tokenizer.decode(ids).replace(/\uFFFD+$/, ''));
    },
    end: () => take(tokenizer.decode(ids)),
  };
}

export const sampleCommand = {
  async run(args: string[]): Promise<number> {
    const v = parseOptions(args, options);
    if (v.help) {
      console.log(helpText('usage: mango sample --from <weights.safetensors> [--prompt "<text>"] [options]', options,
        ['prints the prompt followed by the generated text; the same --seed gives the same text']));
      return 0;
    }
    // Every argument is checked before the weights load or the GPU starts.
    if (!v.from) throw new MangoError('sample needs --from <weights.safetensors>', 'pass a decoder file: one written by mango train / grow, or a Hugging Face GPT-2 model.safetensors');
    const maxTokens = integer(v.tokens, 'tokens', 1)!;
    const temperature = number(v.temperature, 'temperature', { min: 0 })!;
    const topK = integer(v['top-k'], 'top-k', 0)!;
    const seed = integer(v.seed, 'seed')!;
    const heads = integer(v.heads, 'heads', 1);
    const backend = backendName(v.backend);
    const weights = loadGPTWeights(v.from, { heads });
    const tokenizer = await tokenizerFor(weights.config.vocabSize, v.tokenizer, v.from);
    const prompt = v.prompt ? tokenizer.encode(v.prompt) : tokenizer.documentSeparator;

    const device = await chooseBackend(backend);
    const model = new GPT(weights.config, { backend: device });
    model.loadState(weights.tensors);
    console.error(`${describeGPT(weights.config)}; ${tokenizer.name} tokenizer; temperature ${temperature}, top-k ${topK || 'all'}, seed ${seed}`);
    process.stdout.write(v.prompt ?? '');
    const stream = textStream(tokenizer);
    const started = performance.now();
    const generated = await generate(model, prompt, {
      maxTokens, temperature, seed, topK: topK || undefined, stopAt: tokenizer.endOfText,
      onToken: (id) => process.stdout.write(stream.push(id)),
    });
    process.stdout.write(`${stream.end()}\n`);
    const seconds = (performance.now() - started) / 1000;
    console.error(`${generated.length} tokens in ${seconds.toFixed(1)} s (${(generated.length / seconds).toFixed(1)} tokens/s on ${device.name})`);
    model.dispose();
    return 0;
  },
};
