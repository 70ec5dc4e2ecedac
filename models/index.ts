/** The models' public API: the ViT, its configs, weights files, data, training and evaluation. */
export { ViT, vitParameterShapes } from './vit.ts';
export { presets, resolveConfig, validateConfig, tokensOf, describe as describeConfig, type ViTConfig } from './config.ts';
export { forwardFlops, trainFlopsPerImage, type FlopBreakdown } from './flops.ts';
export { loadViTWeights, UnknownHeadsError, type ViTWeights, type WeightsOptions } from './checkpoint/weights.ts';
export { saveCheckpoint, loadCheckpoint, latestCheckpoint, listCheckpoints, type Checkpoint, type RunState } from './checkpoint/checkpoint.ts';
export { readSafetensors, writeSafetensors, parseSafetensors, encodeSafetensors, CheckpointError, type SafetensorsFile } from './checkpoint/safetensors.ts';
export type { HostTensor } from './checkpoint/host-tensor.ts';
export { loadFashionMnist, loadCifar10, holdOut, subset, pick, type Dataset } from './data/dataset.ts';
export { DatasetError } from './data/errors.ts';
export { Batches, makeBatch, evaluationBatches, type Batch, type Augmentation } from './data/batches.ts';
export { loadTextCorpus, loadAustenCorpus, loadTextFiles, splitCorpus, defaultTextCorpusDir, type TextCorpus, type TextDocument, type TextSplits, type SplitOptions } from './data/text-corpus.ts';
export { byteTokenizer, loadGpt2Tokenizer, loadTokenizer, TokenizerError, tokenizerNames, type Tokenizer, type TokenizerName } from './data/tokenizer.ts';
export { TokenBatches, tokenStream, evaluationWindows, makeWindowBatch, type WindowBatch } from './data/token-batches.ts';
export { trainModel, evaluationPoint, TrainingDivergedError, type TrainOptions, type TrainResult, type EvalPoint } from './train/trainer.ts';
export { evaluate, accuracy, type Evaluation } from './train/evaluate.ts';
export { AdamW, SGD, cosineWithWarmup, clipGradNorm, type Optimizer } from './optim/optimizer.ts';
export { Module } from './nn/module.ts';
export { pretrainedPath, shippedSources } from './pretrained.ts';
