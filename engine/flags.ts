/**
 * Every MANGO_* environment variable, declared once with its type, default and meaning. A flag is read
 * from the environment the first time it is asked for and kept, so no hot path touches `process.env`;
 * tests override flags with `withFlags` instead of writing the environment. The README's flag table is
 * `flagsMarkdown()` (a test keeps the two equal).
 */

type Parse<T> = (raw: string | undefined) => T;

interface Declaration<T> {
  env: string;
  /** the default, in words, for the table */
  fallback: string;
  doc: string;
  parse: Parse<T>;
}

const text: Parse<string | undefined> = (raw) => raw || undefined;
/** '1' forces on, '0' forces off, anything else leaves the choice to the code */
const tristate: Parse<boolean | undefined> = (raw) => (raw === '1' ? true : raw === '0' ? false : undefined);
const oneOf = <T extends string>(...values: T[]): Parse<T | undefined> => (raw) => (values.includes(raw as T) ? raw as T : undefined);

const declare = <T>(env: string, fallback: string, doc: string, parse: Parse<T>): Declaration<T> => ({ env, fallback, doc, parse });

export const flagDeclarations = {
  dataDir: declare('MANGO_DATA_DIR', '`/usr/share/datasets/fashion-mnist`', 'Fashion-MNIST folder (the four IDX `.gz` files) when no `--data-dir` is given',
    (raw) => raw ?? '/usr/share/datasets/fashion-mnist'),
  gpuBackend: declare('MANGO_GPU_BACKEND', "Dawn's choice", 'Dawn backend, e.g. `vulkan`', text),
  gpuAdapter: declare('MANGO_GPU_ADAPTER', "Dawn's choice", 'a substring of the adapter name to use', text),
  gpuFlags: declare('MANGO_GPU_FLAGS', 'none', 'extra Dawn flags, comma-separated',
    (raw) => (raw ?? '').split(',').map((f) => f.trim()).filter(Boolean)),
  gentlePolling: declare('MANGO_GENTLE_POLLING', 'on for software adapters', '`1`/`0` forces yielding to the OS while waiting on the GPU (docs/dawn-runtime.md)', tristate),
  autotune: declare('MANGO_AUTOTUNE', 'on for hardware adapters', '`1`/`0` forces matmul autotuning on or off', tristate),
  tuningCache: declare('MANGO_TUNING_CACHE', '`~/.cache/mango-grow/matmul-tuning.json`', 'where tuned matmul configurations are kept', text),
  matmulDesign: declare('MANGO_MATMUL', 'by adapter', '`tiled`, `register` or `subgroup` forces one matmul design (comparisons; `subgroup` where it can run)', oneOf('tiled', 'register', 'subgroup')),
  matmulVectorReads: declare('MANGO_MATMUL_VECTOR', 'on', '`0` turns vector reads in the register matmul off (comparisons)', (raw) => raw !== '0'),
  matmulCandidates: declare('MANGO_MATMUL_CANDIDATES', 'by adapter', '`all` lets the tuner try the hardware-only tiles on any adapter', (raw) => raw === 'all'),
  reduceVariant: declare('MANGO_REDUCE', 'by shape', '`thread` or `workgroup` forces one reduction kernel (comparisons)', oneOf('thread', 'workgroup')),
  fusedAttentionMaxKeys: declare('MANGO_FUSED_ATTENTION_MAX_KEYS', '96', 'longest sequence the fused attention kernel is used for', (raw) => Number(raw) || 96),
  fusedCausalAttentionMaxKeys: declare('MANGO_FUSED_CAUSAL_ATTENTION_MAX_KEYS', '128', 'longest sequence the fused kernel is used for in causal attention', (raw) => Number(raw) || 128),
  supervise: declare('MANGO_SUPERVISE', 'on', '`0` runs `train`, `grow` and `experiment` in one process, without the crash-restarting supervisor', (raw) => raw !== '0'),
  maxRestarts: declare('MANGO_MAX_RESTARTS', '3', "restarts the supervisor allows after native crashes", (raw) => Number(raw ?? 3)),
  benchResults: declare('MANGO_BENCH_RESULTS', '`bench/results/`', 'where benchmarks write their tables', text),
  terminalColumns: declare('MANGO_TERMINAL_COLUMNS', 'unset', "set by the supervisor in its worker when the supervisor's stderr is a terminal of that width (internal)",
    (raw) => (Number(raw) > 0 ? Number(raw) : undefined)),
  verbose: declare('MANGO_VERBOSE', 'off', "`1` passes every line the GPU runtime prints through, Dawn's limit notices included (`--verbose` sets it)", (raw) => raw === '1'),
  worker: declare('MANGO_WORKER', 'unset', 'set to `1` by the supervisor in the worker process it starts (internal)', (raw) => raw === '1'),
  requireGpu: declare('MANGO_REQUIRE_GPU', 'off', '`1` makes a missing GPU adapter a test failure instead of a skip (CI)', (raw) => raw === '1'),
};

type Declarations = typeof flagDeclarations;
export type FlagName = keyof Declarations;
export type Flags = { [K in FlagName]: ReturnType<Declarations[K]['parse']> };

const read = new Map<FlagName, unknown>();
let overrides: Partial<Flags>[] = [];

/** The flag's value: an override from `withFlags`, else the environment as first read. */
export function flag<K extends FlagName>(name: K): Flags[K] {
  for (let i = overrides.length - 1; i >= 0; i--) if (name in overrides[i]) return overrides[i][name] as Flags[K];
  if (!read.has(name)) read.set(name, flagDeclarations[name].parse(process.env[flagDeclarations[name].env]));
  return read.get(name) as Flags[K];
}

/**
 * Sets a flag from the command line for this process and the processes it starts (e.g. `--verbose` →
 * MANGO_VERBOSE=1 reaches the supervised worker): the one place besides the first read that touches the environment.
 */
export function setFlagForProcessTree(name: FlagName, raw: string): void {
  process.env[flagDeclarations[name].env] = raw;
  read.delete(name);
}

/** Runs `fn` (sync or async) with some flags set, then restores them. */
export function withFlags<T>(values: Partial<Flags>, fn: () => T): T {
  const frame = { ...values };
  overrides = [...overrides, frame];
  const restore = () => { overrides = overrides.filter((f) => f !== frame); };
  let result: T;
  try {
    result = fn();
  } catch (error) {
    restore();
    throw error;
  }
  if (result instanceof Promise) return result.finally(restore) as T;
  restore();
  return result;
}

/** The README's table of environment variables. */
export function flagsMarkdown(): string {
  return [
    '| variable | default | what it does |', '|---|---|---|',
    ...Object.values(flagDeclarations).map((d) => `| \`${d.env}\` | ${d.fallback} | ${d.doc} |`),
  ].join('\n');
}
