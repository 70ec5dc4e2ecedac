/**
 * Text corpora for language models, as documents, and their document-level train / validation / test split.
 *
 * The default corpus is Jane Austen's six novels (public domain; Debian's r-cran-janeaustenr, unpacked by
 * scripts/setup.sh into /usr/share/datasets/janeaustenr), one document per chapter: 269 chapters, 4.0 MB.
 * Its hard-wrapped lines are joined into paragraphs (runs of spaces made one), separated by a blank line
 * ("\n\n"). Your own text is a .txt file, split into documents at blank lines (one document per paragraph),
 * or a folder of .txt files (searched recursively), one document per file, kept as written (only CRLF line
 * ends become LF).
 *
 * The split draws whole documents: a seeded shuffle of the documents (sorted by id, so the order they were
 * read in does not matter) gives the first round(n · test) to test, the next round(n · validation) to
 * validation and the rest to train; each split keeps the corpus order. No document is ever in two splits.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { Random } from '../../engine/index.ts';
import { DatasetError } from './errors.ts';
import { readLazyLoadDb, type RValue } from './rdata.ts';

export interface TextDocument {
  /** stable name, e.g. `prideprejudice/07` (novel, chapter) or a user file's path relative to its folder */
  id: string;
  text: string;
}

export interface TextCorpus {
  name: string;
  /** the file or folder it was read from */
  source: string;
  documents: TextDocument[];
}

/** Where scripts/setup.sh puts the Jane Austen corpus (Rdata.rdx + Rdata.rdb of r-cran-janeaustenr). */
export const defaultTextCorpusDir = '/usr/share/datasets/janeaustenr';
/** Where the Debian package itself installs the same files, when installed with R. */
export const janeAustenRPackageDir = '/usr/lib/R/site-library/janeaustenr/data';
/** The Debian package the default corpus comes from. */
export const textCorpusPackage = 'r-cran-janeaustenr';

const installFix = `run \`bash scripts/setup.sh\` as root (unpacks Debian's ${textCorpusPackage} into ${defaultTextCorpusDir}), `
  + 'or pass your own text as the data path (--data-dir): a .txt file or a folder of .txt files';

/** The six novels, in publication order, by their names in the R package. */
export const austenNovels: Record<string, string> = {
  sensesensibility: 'Sense and Sensibility',
  prideprejudice: 'Pride and Prejudice',
  mansfieldpark: 'Mansfield Park',
  emma: 'Emma',
  northangerabbey: 'Northanger Abbey',
  persuasion: 'Persuasion',
};

const chapterHeading = /^chapter\s+([ivxlcdm]+|\d+)\.?$/i;
const volumeHeading = /^volume\s+([ivxlcdm]+|\d+)\.?$/i;

/**
 * Hard-wrapped lines → paragraphs: each run of non-blank lines joined by single spaces (so also the
 * transcription's two spaces after a full stop become one).
 */
export function paragraphs(lines: readonly (string | null)[]): string[] {
  const out: string[] = [];
  let current: string[] = [];
  const end = () => {
    if (current.length) out.push(current.join(' ').replace(/[ \t]+/g, ' '));
    current = [];
  };
  for (const raw of lines) {
    const line = (raw ?? '').trim();
    if (line) current.push(line);
    else end();
  }
  end();
  return out;
}

/**
 * A novel's paragraphs → one document per chapter. Text before the first chapter (title, author, a preface)
 * joins the first chapter; a VOLUME heading joins the chapter after it; closing lines (FINIS) the last one.
 */
export function chapters(novel: string, paras: readonly string[]): TextDocument[] {
  const documents: TextDocument[] = [];
  let current: string[] = [];
  let hasChapter = false, hasBody = false;
  const flush = () => {
    if (current.length) documents.push({ id: `${novel}/${String(documents.length + 1).padStart(2, '0')}`, text: current.join('\n\n') });
    current = [];
    hasChapter = hasBody = false;
  };
  for (const p of paras) {
    const isChapter = chapterHeading.test(p);
    if ((isChapter || volumeHeading.test(p)) && hasChapter && hasBody) flush();
    current.push(p);
    if (isChapter) hasChapter = true;
    else if (hasChapter && !volumeHeading.test(p)) hasBody = true;
  }
  flush();
  return documents;
}

function missingCorpus(dir: string): DatasetError {
  return new DatasetError(`the Jane Austen corpus (Rdata.rdx, Rdata.rdb) is not in ${dir}`, installFix);
}

/** The folder holding the Austen corpus: `dir` if given, else the setup.sh folder, else the R package's. */
export function findAustenDir(dir?: string): string {
  const has = (d: string) => existsSync(join(d, 'Rdata.rdx')) && existsSync(join(d, 'Rdata.rdb'));
  if (dir !== undefined) {
    if (!has(dir)) throw missingCorpus(dir);
    return dir;
  }
  const found = [defaultTextCorpusDir, janeAustenRPackageDir].find(has);
  if (!found) throw missingCorpus(`${defaultTextCorpusDir} (nor in ${janeAustenRPackageDir})`);
  return found;
}

/** Jane Austen's six novels, one document per chapter (ids `<novel>/<chapter, 2 digits>`). */
export function loadAustenCorpus(dir?: string): TextCorpus {
  const source = findAustenDir(dir);
  const objects = readLazyLoadDb(source, 'Rdata', (name) => name in austenNovels);
  const documents: TextDocument[] = [];
  for (const novel of Object.keys(austenNovels)) {
    const value: RValue | undefined = objects.get(novel);
    if (!value) throw new DatasetError(`${source}: the novel ${novel} is missing from Rdata.rdx`, installFix);
    if (value.type !== 'character') throw new DatasetError(`${source}: ${novel} is an R ${value.type}, not a character vector of lines`, installFix);
    documents.push(...chapters(novel, paragraphs(value.values)));
  }
  return { name: 'jane-austen', source, documents };
}

const normalise = (text: string) => text.replace(/\r\n?/g, '\n');

/** Your own text: a .txt file (one document per blank-line-separated paragraph) or a folder of .txt files (one each). */
export function loadTextFiles(path: string): TextCorpus {
  if (!existsSync(path)) throw new DatasetError(`text path ${path} does not exist`, 'pass a .txt file or a folder of .txt files (or run `bash scripts/setup.sh` and omit the path for the Jane Austen corpus)');
  const read = (file: string) => {
    try {
      return normalise(readFileSync(file, 'utf8'));
    } catch (cause) {
      throw new DatasetError(`cannot read ${file} (${(cause as NodeJS.ErrnoException).code ?? cause})`, 'check the file\'s permissions', { cause });
    }
  };
  if (statSync(path).isDirectory()) {
    const files = textFilesIn(path);
    if (files.length === 0) throw new DatasetError(`${path} holds no .txt files`, 'put the documents in <folder>/**/*.txt, one document per file');
    const documents = files.map((file) => ({ id: relative(path, file), text: read(file) })).filter((d) => d.text.trim().length > 0);
    if (documents.length === 0) throw new DatasetError(`every .txt file in ${path} is empty`, 'add text to the files');
    return { name: 'text-folder', source: path, documents };
  }
  const parts = read(path).split(/\n[ \t]*\n/).map((p) => p.replace(/^\n+|\s+$/g, '')).filter((p) => p.trim().length > 0);
  if (parts.length === 0) throw new DatasetError(`${path} is empty`, 'give a file with text in it');
  const width = String(parts.length).length;
  return { name: 'text-file', source: path, documents: parts.map((text, i) => ({ id: String(i + 1).padStart(width, '0'), text })) };
}

function textFilesIn(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...textFilesIn(path));
    else if (extname(entry.name).toLowerCase() === '.txt') out.push(path);
  }
  return out;
}

/**
 * A corpus by path: none → the installed Jane Austen corpus; a folder with Rdata.rdx → an Austen corpus
 * there; any other folder or a file → your own text (see loadTextFiles).
 */
export function loadTextCorpus(path?: string): TextCorpus {
  if (path === undefined) return loadAustenCorpus();
  if (existsSync(join(path, 'Rdata.rdx'))) return loadAustenCorpus(path);
  return loadTextFiles(path);
}

export interface SplitOptions {
  /** fraction of documents held out for validation (default 0.05) */
  validation: number;
  /** fraction of documents held out for test (default 0.05) */
  test: number;
  /** seed of the draw (default 0): the same seed, fractions and documents give the same split */
  seed: number;
}

export interface TextSplits {
  train: TextDocument[];
  validation: TextDocument[];
  test: TextDocument[];
}

export const defaultSplit: SplitOptions = { validation: 0.05, test: 0.05, seed: 0 };

/** Whole documents into train / validation / test (90/5/5 by default), deterministically. */
export function splitCorpus(corpus: TextCorpus | readonly TextDocument[], options: Partial<SplitOptions> = {}): TextSplits {
  const { validation, test, seed } = { ...defaultSplit, ...options };
  const documents = Array.isArray(corpus) ? corpus as readonly TextDocument[] : (corpus as TextCorpus).documents;
  const fix = 'use fractions in [0, 1) whose sum leaves documents for training, e.g. validation 0.05 and test 0.05';
  for (const [name, f] of [['validation', validation], ['test', test]] as const) {
    if (!(f >= 0 && f < 1)) throw new DatasetError(`a ${name} fraction of ${f} is not in [0, 1)`, fix);
  }
  const n = documents.length;
  const ids = new Set(documents.map((d) => d.id));
  if (ids.size !== n) throw new DatasetError(`the corpus has ${n - ids.size} repeated document id(s)`, 'give every document its own id');
  // At least one document in a split whose fraction is not 0 (when there are documents enough).
  const count = (f: number) => (f > 0 ? Math.max(1, Math.round(n * f)) : 0);
  const nTest = count(test), nValidation = count(validation);
  if (nTest + nValidation >= n) {
    throw new DatasetError(`${n} document(s) cannot give ${nTest} to test, ${nValidation} to validation and still leave some for training`,
      'use more documents (a folder of .txt files, or a file with more blank-line-separated paragraphs) or smaller fractions');
  }
  const byId = documents.map((_, i) => i).sort((a, b) => (documents[a].id < documents[b].id ? -1 : documents[a].id > documents[b].id ? 1 : 0));
  const order = new Random(seed).permutation(n);
  const split = new Int8Array(n); // 0 train, 1 validation, 2 test
  for (let k = 0; k < nTest + nValidation; k++) split[byId[order[k]]] = k < nTest ? 2 : 1;
  return {
    train: documents.filter((_, i) => split[i] === 0),
    validation: documents.filter((_, i) => split[i] === 1),
    test: documents.filter((_, i) => split[i] === 2),
  };
}
