/** `mango inspect <file.safetensors>`: config, run state, tensors and FLOPs of a checkpoint or weights file. */
import { parseArgs } from 'node:util';
import { MangoError } from '../../engine/index.ts';
import { describe } from '../../models/config.ts';
import { CheckpointError, readSafetensors } from '../../models/checkpoint/safetensors.ts';
import { loadViTWeights, UnknownHeadsError } from '../../models/checkpoint/weights.ts';
import { forwardFlops } from '../../models/flops.ts';

/** The ViT a weights file holds, as `mango grow` / `train --init` would read it, or why it would not. */
function architecture(path: string): string {
  try {
    const weights = loadViTWeights(path);
    return `${describe(weights.config)} (recorded in its metadata)`;
  } catch (error) {
    if (error instanceof UnknownHeadsError) {
      return `${describe(loadViTWeights(path, { heads: 1 }).config).replace('·h1', '')} (from its tensor shapes; heads not recorded: pass --heads to grow or train it)`;
    }
    if (!(error instanceof CheckpointError)) throw error;
    return `not usable as a ViT source: ${error.message.split('\n')[0]}`;
  }
}

export const inspectCommand = {
  async run(args: string[]): Promise<number> {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { help: { type: 'boolean', short: 'h', default: false } } });
    if (values.help || positionals.length !== 1) {
      console.log('usage: mango inspect <checkpoint.safetensors>');
      return values.help ? 0 : 2;
    }
    const file = readSafetensors(positionals[0]);
    if (file.metadata.state) {
      const state = JSON.parse(file.metadata.state);
      console.log(`model: ${describe(state.config)}`);
      console.log(`config: ${JSON.stringify(state.config)}`);
      console.log(`step ${state.step} (epoch ${state.position.epoch}, batch ${state.position.batch}), training FLOPs so far ${(state.flops / 1e12).toFixed(4)} T, optimizer ${state.optimizer.kind}`);
      console.log(`forward FLOPs per image: ${(forwardFlops(state.config).forward / 1e6).toFixed(2)} M`);
    } else if (file.tensors.size === 0) {
      throw new MangoError(`${positionals[0]} holds no tensors`, 'pass a weights or checkpoint file');
    } else {
      console.log(`model: ${architecture(positionals[0])}`);
      for (const key of ['method', 'rank', 'grownFrom', 'operatorSteps', 'operatorFlops']) if (file.metadata[key]) console.log(`${key}: ${file.metadata[key]}`);
    }
    let total = 0;
    for (const [name, t] of file.tensors) {
      console.log(`  ${name.padEnd(40)} [${t.shape.join(', ')}]`);
      total += t.data.length;
    }
    console.log(`${file.tensors.size} tensors, ${total.toLocaleString('en')} values`);
    return 0;
  },
};
