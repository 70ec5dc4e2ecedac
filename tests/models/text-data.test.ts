/**
 * Language-model text data: the installed Jane Austen corpus (read from R's lazy-load format), user text
 * files and folders, the document-level split, the byte and GPT-2 tokenizers, and the token windows.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync, deflateSync } from 'node:zlib';
import * as fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DatasetError } from '../../models/data/errors.ts';
import { readLazyLoadDb, unserialize } from '../../models/data/rdata.ts';
import { chapters, loadAustenCorpus, loadTextCorpus, loadTextFiles, paragraphs, splitCorpus, type TextDocument } from '../../models/data/text-corpus.ts';
import { TokenBatches, evaluationWindows, makeWindowBatch, tokenStream } from '../../models/data/token-batches.ts';
import { TokenizerError, byteTokenizer, loadGpt2Tokenizer, loadTokenizer } from '../../models/data/tokenizer.ts';

const gpt2 = await loadGpt2Tokenizer();
const isDatasetError = (pattern: RegExp) => (e: unknown) => e instanceof DatasetError && pattern.test((e as Error).message);
const isTokenizerError = (pattern: RegExp) => (e: unknown) => e instanceof TokenizerError && pattern.test((e as Error).message);

// --- R's serialisation, written here to test the reader on small files --------------------------------------
const int = (v: number) => { const b = Buffer.alloc(4); b.writeInt32BE(v); return [...b]; };
const charsxp = (s: string | null) => (s === null ? [...int(9), ...int(-1)] : [...int(0x8009), ...int(Buffer.byteLength(s)), ...Buffer.from(s)]);
const strsxp = (values: (string | null)[]) => [...int(16), ...int(values.length), ...values.flatMap(charsxp)];
const header = [0x58, 0x0a, ...int(3), ...int(0x040202), ...int(0x030500), ...int(5), ...Buffer.from('UTF-8')];
/** A named list (VECSXP with a names attribute). */
function namedList(entries: [string, number[]][]): number[] {
  const names = [...int(0x402), ...int(1), ...charsxp('names'), ...strsxp(entries.map(([n]) => n)), ...int(254)];
  return [...int(0x213), ...int(entries.length), ...entries.flatMap(([, v]) => v), ...names];
}
const intsxp = (values: number[]) => [...int(13), ...int(values.length), ...values.flatMap(int)];

/** A data/ folder holding `objects` (character vectors) as R's Rdata.rdx + Rdata.rdb. */
function lazyLoadDb(objects: Record<string, (string | null)[]>): string {
  const dir = mkdtempSync(join(tmpdir(), 'rdata-'));
  const chunks: Buffer[] = [];
  const index: [string, number[]][] = [];
  let offset = 0;
  for (const [name, lines] of Object.entries(objects)) {
    const body = Buffer.from([...header, ...strsxp(lines)]);
    const chunk = Buffer.concat([Buffer.from(int(body.length)), deflateSync(body)]);
    index.push([name, intsxp([offset, chunk.length])]);
    chunks.push(chunk);
    offset += chunk.length;
  }
  const rdx = Buffer.from([...header, ...namedList([['variables', namedList(index)], ['references', [...int(19), ...int(0)]], ['compressed', [...int(10), ...int(1), ...int(1)]]])]);
  writeFileSync(join(dir, 'Rdata.rdx'), gzipSync(rdx));
  writeFileSync(join(dir, 'Rdata.rdb'), Buffer.concat(chunks));
  return dir;
}

const novel = (title: string, chapterCount: number) => [title, '', 'by Jane Austen', '', '', ...Array.from({ length: chapterCount }, (_, c) => [
  `CHAPTER ${c + 1}`, '', `${title} chapter ${c + 1} begins here, and its first`, 'sentence runs on  over two lines.', '', 'A second paragraph.', '']).flat(), 'FINIS'];

test('R data: the reader decodes a lazy-load database written here, NA strings included; broken files are typed errors', () => {
  const dir = lazyLoadDb({ emma: ['EMMA', null, 'Héllo'], other: ['x'] });
  const objects = readLazyLoadDb(dir);
  assert.equal([...objects.keys()], ['emma', 'other']);
  assert.equal(objects.get('emma'), { type: 'character', values: ['EMMA', null, 'Héllo'], attributes: undefined });
  assert.throws(() => unserialize(Uint8Array.from([0x41, 0x0a]), 'a.rds'), isDatasetError(/a\.rds: not XDR/));
  assert.throws(() => unserialize(Uint8Array.from([...header, ...int(16), ...int(1000)]), 'b.rds'), isDatasetError(/1000 strings cannot fit/));
  assert.throws(() => unserialize(Uint8Array.from([...header, ...int(3)]), 'c.rds'), isDatasetError(/type 3 is not one a data package holds/));
  assert.throws(() => readLazyLoadDb('/nonexistent-rdata'), isDatasetError(/cannot read \/nonexistent-rdata\/Rdata\.rdx \(ENOENT\)[\s\S]*setup\.sh/));
});

test('Jane Austen: chapters are documents, the preface and VOLUME headings join the chapter they precede', () => {
  const docs = chapters('emma', paragraphs(['EMMA', '', 'VOLUME I', '', 'CHAPTER I', '', 'One', 'two.', '', 'CHAPTER II', '', 'Three.', '', 'VOLUME II', '', 'CHAPTER I', '', 'Four.', '', 'FINIS']));
  assert.equal(docs, [
    { id: 'emma/01', text: 'EMMA\n\nVOLUME I\n\nCHAPTER I\n\nOne two.' },
    { id: 'emma/02', text: 'CHAPTER II\n\nThree.' },
    { id: 'emma/03', text: 'VOLUME II\n\nCHAPTER I\n\nFour.\n\nFINIS' },
  ]);
  const dir = lazyLoadDb({ sensesensibility: novel('SENSE', 3), prideprejudice: novel('PRIDE', 2), mansfieldpark: novel('MANSFIELD', 2), emma: novel('EMMA', 2), northangerabbey: novel('NA', 1), persuasion: novel('P', 1) });
  const corpus = loadTextCorpus(dir);
  assert.is(corpus.name, 'jane-austen');
  assert.is(corpus.documents.length, 11);
  assert.is(corpus.documents[0].text, 'SENSE\n\nby Jane Austen\n\nCHAPTER 1\n\nSENSE chapter 1 begins here, and its first sentence runs on over two lines.\n\nA second paragraph.');
  assert.match(corpus.documents[2].text, /FINIS$/);
});

test('Jane Austen: the installed corpus (scripts/setup.sh) loads: 6 novels, 269 chapters, over 4 MB of text', () => {
  const corpus = loadAustenCorpus();
  assert.is(corpus.documents.length, 269);
  const count = (novelName: string) => corpus.documents.filter((d) => d.id.startsWith(`${novelName}/`)).length;
  assert.equal([count('sensesensibility'), count('prideprejudice'), count('mansfieldpark'), count('emma'), count('northangerabbey'), count('persuasion')], [50, 61, 48, 55, 31, 24]);
  const bytes = corpus.documents.reduce((sum, d) => sum + Buffer.byteLength(d.text), 0);
  assert.ok(bytes > 4_000_000, `${bytes} bytes`);
  assert.match(corpus.documents.find((d) => d.id === 'prideprejudice/01')!.text, /It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife\./);
  assert.ok(corpus.documents.every((d) => /(^|\n\n)(CHAPTER|Chapter) [IVXLC\d]+\n\n/.test(d.text)), 'every document holds a chapter heading');
});

test('Jane Austen: a missing corpus folder is a typed error naming the package and setup.sh', () => {
  assert.throws(() => loadAustenCorpus('/nonexistent-corpus'),
    (e: unknown) => e instanceof DatasetError && /not in \/nonexistent-corpus/.test((e as Error).message) && /r-cran-janeaustenr/.test((e as DatasetError).fix) && /bash scripts\/setup\.sh/.test((e as DatasetError).fix));
  assert.throws(() => loadTextCorpus('/nonexistent-text.txt'), isDatasetError(/text path \/nonexistent-text\.txt does not exist/));
});

test('user text: a folder gives one document per .txt file (recursive, sorted); a file one per blank-line paragraph', () => {
  const dir = mkdtempSync(join(tmpdir(), 'text-folder-'));
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'b.txt'), 'Second file.\r\nTwo lines.\r\n');
  writeFileSync(join(dir, 'a.txt'), 'First file.\n\nStill the first document.');
  writeFileSync(join(dir, 'sub', 'c.TXT'), 'Nested.');
  writeFileSync(join(dir, 'notes.md'), 'not text corpus');
  writeFileSync(join(dir, 'empty.txt'), '  \n');
  const folder = loadTextCorpus(dir);
  assert.is(folder.name, 'text-folder');
  assert.equal(folder.documents, [
    { id: 'a.txt', text: 'First file.\n\nStill the first document.' },
    { id: 'b.txt', text: 'Second file.\nTwo lines.\n' },
    { id: join('sub', 'c.TXT'), text: 'Nested.' },
  ]);
  const file = join(dir, 'a.txt');
  writeFileSync(file, '\nOne\nparagraph.\n\n\n  \nTwo.\n\nThree.  \n');
  assert.equal(loadTextFiles(file).documents, [{ id: '1', text: 'One\nparagraph.' }, { id: '2', text: 'Two.' }, { id: '3', text: 'Three.' }]);
  assert.throws(() => loadTextFiles(mkdtempSync(join(tmpdir(), 'no-txt-'))), isDatasetError(/holds no \.txt files/));
});

test('split: by whole documents, disjoint, covering, deterministic, independent of input order; bad fractions rejected', () => {
  const documents: TextDocument[] = Array.from({ length: 200 }, (_, i) => ({ id: `doc-${i}`, text: `text ${i}` }));
  const a = splitCorpus(documents);
  assert.equal([a.train.length, a.validation.length, a.test.length], [180, 10, 10]);
  const ids = (docs: TextDocument[]) => docs.map((d) => d.id);
  const all = [...ids(a.train), ...ids(a.validation), ...ids(a.test)];
  assert.is(new Set(all).size, 200, 'every document in exactly one split');
  assert.equal(splitCorpus([...documents].reverse()).test.map((d) => d.id).sort(), ids(a.test).sort(), 'the order documents come in does not matter');
  assert.equal(ids(splitCorpus(documents, { seed: 0 }).validation), ids(a.validation));
  assert.not.equal(ids(splitCorpus(documents, { seed: 1 }).validation), ids(a.validation));
  const b = splitCorpus(documents, { validation: 0.1, test: 0 });
  assert.equal([b.train.length, b.validation.length, b.test.length], [180, 20, 0]);
  assert.is(splitCorpus(documents.slice(0, 3)).validation.length, 1, 'a non-zero fraction gets at least one document');
  assert.throws(() => splitCorpus(documents.slice(0, 2)), isDatasetError(/cannot give 1 to test, 1 to validation/));
  assert.throws(() => splitCorpus(documents, { test: 1 }), isDatasetError(/test fraction of 1 is not in \[0, 1\)/));
  assert.throws(() => splitCorpus([documents[0], documents[0], documents[1]]), isDatasetError(/repeated document id/));
  const austen = splitCorpus(loadAustenCorpus());
  assert.equal([austen.train.length, austen.validation.length, austen.test.length], [243, 13, 13]);
  const chapterIds = (docs: TextDocument[]) => new Set(docs.map((d) => d.id));
  const train = chapterIds(austen.train);
  assert.ok([...chapterIds(austen.validation), ...chapterIds(austen.test)].every((id) => !train.has(id)));
});

test('byte tokenizer: encode → decode is the identity on any string; any bytes decode without throwing', () => {
  assert.is(byteTokenizer.vocabSize, 256);
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (s) => byteTokenizer.decode(byteTokenizer.encode(s)) === s));
  assert.is(byteTokenizer.decode(byteTokenizer.encode('\uFEFFBOM kept')), '\uFEFFBOM kept');
  fc.assert(fc.property(fc.uint8Array({ maxLength: 32 }), (bytes) => typeof byteTokenizer.decode(bytes) === 'string'));
  const euro = byteTokenizer.encode('€');
  assert.equal([...euro], [0xe2, 0x82, 0xac]);
  assert.is(byteTokenizer.decode(euro.subarray(0, 2)), '\uFFFD', 'a cut character becomes U+FFFD');
});

test('GPT-2 BPE: known encodings, round trips, <|endoftext|> only as the separator, cut characters do not leak', async () => {
  assert.is(gpt2.vocabSize, 50257);
  assert.is(gpt2.endOfText, 50256);
  assert.equal([...gpt2.encode('Hello world')], [15496, 995]);
  assert.equal([...gpt2.encode(' the')], [262]);
  assert.equal([...gpt2.encode('\n\n')], [628]);
  assert.is(gpt2.decode([50256]), '<|endoftext|>');
  assert.not.ok([...gpt2.encode('a <|endoftext|> b')].includes(50256), 'special tokens in text are ordinary text');
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 48 }), (s) => gpt2.decode(gpt2.encode(s)) === s));
  fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 48 }), (s) => gpt2.decode(gpt2.encode(s)) === s));
  const quote = gpt2.encode('’x');
  assert.equal([...quote], [447, 247, 87]);
  assert.is(gpt2.decode([447]), '\uFFFD', 'a cut character becomes U+FFFD');
  assert.is(gpt2.decode([247, 87]), '\uFFFDx', 'and its bytes are not carried into the next decode');
  assert.is(await loadTokenizer('gpt2'), gpt2);
  assert.is(await loadTokenizer(), byteTokenizer);
  await loadTokenizer('bpe').then(() => assert.unreachable('unknown name accepted'), (e: unknown) => assert.ok(isTokenizerError(/unknown tokenizer "bpe"/)(e)));
});

test('tokenizers reject ids outside the vocabulary: too large, negative, not an integer', () => {
  for (const [tokenizer, bad] of [[byteTokenizer, [256, -1, 1.5, NaN]], [gpt2, [50257, -1, 2.5, Infinity]]] as const) {
    for (const id of bad) assert.throws(() => tokenizer.decode([65, id]), isTokenizerError(new RegExp(`token id ${id} at position 1 is not in the ${tokenizer.name} vocabulary`)));
  }
  assert.is(byteTokenizer.decode([255, 65]), '\uFFFDA');
});

test('token stream: documents joined by the separator; Austen under both tokenizers', () => {
  const docs = [{ id: 'a', text: 'Hi' }, { id: 'b', text: 'yo' }];
  assert.equal([...tokenStream(docs, byteTokenizer)], [72, 105, 10, 10, 121, 111]);
  assert.equal([...tokenStream(docs, gpt2)], [...gpt2.encode('Hi'), 50256, ...gpt2.encode('yo')]);
  const { train } = splitCorpus(loadAustenCorpus());
  const bytes = tokenStream(train, byteTokenizer).length, bpe = tokenStream(train, gpt2).length;
  assert.ok(bytes > 3_500_000 && bpe > 800_000 && bpe < bytes / 3.5, `${bytes} byte tokens, ${bpe} GPT-2 tokens`);
});

test('token batches: targets are inputs shifted by one, shapes [batch, context], seeded, resumable, one pass per epoch', () => {
  const tokens = Uint32Array.from({ length: 1000 }, (_, i) => i);
  const context = 8, batchSize = 4;
  const a = new TokenBatches(tokens, context, batchSize, 7);
  assert.is(a.windowsPerEpoch, Math.floor((1000 - 8) / 8));
  assert.is(a.perEpoch, Math.floor(a.windowsPerEpoch / batchSize));
  const x = a.at({ epoch: 0, batch: 3 });
  assert.equal(x.shape, [4, 8]);
  assert.ok(x.inputs.ids instanceof Int32Array && x.targets instanceof Int32Array);
  assert.equal([x.inputs.batch, x.inputs.length, x.inputs.ids.length], [4, 8, 32]);
  for (let b = 0; b < batchSize; b++) {
    for (let t = 0; t < context; t++) {
      assert.is(x.inputs.ids[b * context + t], x.starts[b] + t);
      assert.is(x.targets[b * context + t], x.starts[b] + t + 1, 'the target is the next token');
    }
  }
  // Resumable: a fresh object (as after a restart) gives the same batch at the same position, in any order.
  const resumed = new TokenBatches(tokens, context, batchSize, 7);
  assert.equal([...resumed.at({ epoch: 2, batch: 5 }).inputs.ids], [...a.at({ epoch: 2, batch: 5 }).inputs.ids]);
  assert.equal([...resumed.at({ epoch: 0, batch: 3 }).targets], [...x.targets]);
  assert.not.equal([...new TokenBatches(tokens, context, batchSize, 8).at({ epoch: 0, batch: 3 }).starts], [...x.starts]);
  // One epoch: windows do not overlap (beyond the shared boundary token), each a multiple of context from the offset.
  const starts: number[] = [];
  let position = { epoch: 1, batch: 0 };
  for (let i = 0; i < a.perEpoch; i++, position = a.next(position)) starts.push(...a.at(position).starts);
  assert.equal(position, { epoch: 2, batch: 0 });
  const sorted = [...starts].sort((p, q) => p - q);
  assert.ok(sorted.every((s, i) => i === 0 || s - sorted[i - 1] >= context), 'no two windows of an epoch overlap');
  assert.ok(new Set(sorted.map((s) => s % context)).size === 1, 'one offset per epoch');
  const offsets = new Set(Array.from({ length: 6 }, (_, e) => a.at({ epoch: e, batch: 0 }).starts[0] % context));
  assert.ok(offsets.size > 1, 'the offset changes between epochs');
  assert.throws(() => a.at({ epoch: 0, batch: a.perEpoch }), RangeError);
  assert.throws(() => new TokenBatches(tokens.subarray(0, 20), 8, 4, 0), isDatasetError(/fewer than a batch of 4/));
  assert.throws(() => new TokenBatches(tokens.subarray(0, 5), 8, 1, 0), isDatasetError(/fewer than one window of 9/));
});

test('evaluation windows: fixed, in order, non-overlapping, optionally an evenly spaced subset', () => {
  const tokens = Uint32Array.from({ length: 100 }, (_, i) => i * 3);
  const batches = [...evaluationWindows(tokens, 10, 4)];
  assert.equal(batches.map((b) => b.shape), [[4, 10], [4, 10], [1, 10]]);
  assert.equal(batches.flatMap((b) => [...b.starts]), [0, 10, 20, 30, 40, 50, 60, 70, 80]);
  assert.equal([...batches[2].targets], Array.from({ length: 10 }, (_, t) => (81 + t) * 3));
  assert.equal([...evaluationWindows(tokens, 10, 8, 3)].flatMap((b) => [...b.starts]), [0, 30, 60]);
  assert.equal([...makeWindowBatch(tokens, [5], 2).inputs.ids], [15, 18]);
});

test.run();
