/**
 * R's lazy-load databases (a package's data/Rdata.rdx index and Rdata.rdb objects), read without R: the
 * format the Jane Austen corpus comes in (Debian's r-cran-janeaustenr). Only what data packages hold is
 * decoded (XDR serialisation, versions 2 and 3; character, integer, logical, double vectors, lists, pairlists,
 * symbols and references); every length and offset is bounds-checked.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, inflateSync } from 'node:zlib';
import { DatasetError } from './errors.ts';

/** A decoded R object; `attributes` holds e.g. `names`. NA strings are null. */
export type RValue =
  | { type: 'null' }
  | { type: 'symbol'; name: string }
  | { type: 'character'; values: (string | null)[]; attributes?: Map<string, RValue> }
  | { type: 'integer' | 'logical'; values: Int32Array; attributes?: Map<string, RValue> }
  | { type: 'double'; values: Float64Array; attributes?: Map<string, RValue> }
  | { type: 'list'; values: RValue[]; attributes?: Map<string, RValue> }
  | { type: 'pairlist'; entries: { tag?: string; value: RValue }[]; attributes?: Map<string, RValue> };

const fixFor = (source: string) => `${source} is not an R data file this reader understands; re-run \`bash scripts/setup.sh\` (unpacks Debian's r-cran-janeaustenr) or give a .txt corpus instead`;

const maxObjectBytes = 1 << 30;

class XdrReader {
  private pos = 0;
  private readonly view: DataView;
  private readonly refs: RValue[] = [];

  constructor(private readonly bytes: Uint8Array, private readonly source: string) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(what: string): never {
    throw new DatasetError(`${this.source}: ${what} (at byte ${this.pos})`, fixFor(this.source));
  }

  private need(n: number): void {
    if (this.pos + n > this.bytes.length) this.fail(`truncated: ${n} more bytes needed, ${this.bytes.length - this.pos} left`);
  }

  int(): number {
    this.need(4);
    const v = this.view.getInt32(this.pos, false);
    this.pos += 4;
    return v;
  }

  private length(): number {
    const n = this.int();
    if (n >= 0) return n;
    if (n !== -1) this.fail(`negative length ${n}`);
    const high = this.int(), low = this.int();
    const long = high * 2 ** 32 + (low >>> 0);
    if (long > maxObjectBytes) this.fail(`long vector of ${long} elements`);
    return long;
  }

  private string(n: number, latin1: boolean): string {
    this.need(n);
    const text = Buffer.from(this.bytes.buffer, this.bytes.byteOffset + this.pos, n).toString(latin1 ? 'latin1' : 'utf8');
    this.pos += n;
    return text;
  }

  header(): void {
    this.need(2);
    if (this.bytes[0] !== 0x58 || this.bytes[1] !== 0x0a) this.fail(`not XDR-serialised R data (first bytes ${this.bytes[0]}, ${this.bytes[1]}; expected "X\\n")`);
    this.pos = 2;
    const version = this.int();
    if (version !== 2 && version !== 3) this.fail(`serialisation version ${version} (2 or 3 are read)`);
    this.int(); // R version that wrote it
    this.int(); // oldest R version that reads it
    if (version === 3) this.string(this.length(), true); // native encoding name
  }

  /** A CHARSXP's text; null for NA. */
  private charsxp(): string | null {
    const flags = this.int();
    if ((flags & 0xff) !== 9) this.fail(`expected a string (CHARSXP), found type ${flags & 0xff}`);
    const n = this.int();
    if (n === -1) return null;
    if (n < 0) this.fail(`string length ${n}`);
    const levels = flags >>> 12;
    return this.string(n, (levels & 4) !== 0);
  }

  private attributes(hasAttributes: boolean): Map<string, RValue> | undefined {
    if (!hasAttributes) return undefined;
    const list = this.item();
    if (list.type !== 'pairlist') this.fail(`attributes are a ${list.type}, not a pairlist`);
    return new Map(list.entries.map(({ tag, value }) => [tag ?? '', value]));
  }

  item(depth = 0): RValue {
    if (depth > 256) this.fail('objects nested more than 256 deep');
    const flags = this.int();
    const type = flags & 0xff;
    const hasAttributes = (flags & 0x200) !== 0;
    switch (type) {
      case 254: // NILVALUE_SXP
        return { type: 'null' };
      case 255: { // REFSXP
        const index = (flags >>> 8) || this.int();
        const ref = this.refs[index - 1];
        if (!ref) this.fail(`reference ${index} to an object not yet read`);
        return ref;
      }
      case 1: { // SYMSXP
        const symbol: RValue = { type: 'symbol', name: this.charsxp() ?? 'NA' };
        this.refs.push(symbol);
        return symbol;
      }
      case 2: { // LISTSXP: (attributes) (tag) car cdr, the cdr chained iteratively
        const entries: { tag?: string; value: RValue }[] = [];
        let attributes: Map<string, RValue> | undefined;
        let f = flags;
        for (;;) {
          const a = this.attributes((f & 0x200) !== 0);
          if (entries.length === 0) attributes = a;
          let tag: string | undefined;
          if ((f & 0x400) !== 0) {
            const t = this.item(depth + 1);
            tag = t.type === 'symbol' ? t.name : undefined;
          }
          entries.push({ tag, value: this.item(depth + 1) });
          f = this.int();
          if ((f & 0xff) === 254) break;
          if ((f & 0xff) !== 2) {
            this.pos -= 4;
            entries.push({ value: this.item(depth + 1) }); // a dotted pair's last cdr (not in data files)
            break;
          }
        }
        return { type: 'pairlist', entries, attributes };
      }
      case 9: // a bare CHARSXP
        this.pos -= 4;
        return { type: 'character', values: [this.charsxp()] };
      case 10: case 13: { // LGLSXP, INTSXP
        const n = this.length();
        this.need(4 * n);
        const values = new Int32Array(n);
        for (let i = 0; i < n; i++) values[i] = this.view.getInt32(this.pos + 4 * i, false);
        this.pos += 4 * n;
        return { type: type === 10 ? 'logical' : 'integer', values, attributes: this.attributes(hasAttributes) };
      }
      case 14: { // REALSXP
        const n = this.length();
        this.need(8 * n);
        const values = new Float64Array(n);
        for (let i = 0; i < n; i++) values[i] = this.view.getFloat64(this.pos + 8 * i, false);
        this.pos += 8 * n;
        return { type: 'double', values, attributes: this.attributes(hasAttributes) };
      }
      case 16: { // STRSXP
        const n = this.length();
        if (n * 8 > this.bytes.length - this.pos) this.fail(`${n} strings cannot fit in the ${this.bytes.length - this.pos} bytes left`);
        const values: (string | null)[] = new Array(n);
        for (let i = 0; i < n; i++) values[i] = this.charsxp();
        return { type: 'character', values, attributes: this.attributes(hasAttributes) };
      }
      case 19: case 20: { // VECSXP, EXPRSXP
        const n = this.length();
        if (n * 4 > this.bytes.length - this.pos) this.fail(`${n} list elements cannot fit in the ${this.bytes.length - this.pos} bytes left`);
        const values: RValue[] = new Array(n);
        for (let i = 0; i < n; i++) values[i] = this.item(depth + 1);
        return { type: 'list', values, attributes: this.attributes(hasAttributes) };
      }
      default:
        return this.fail(`R object type ${type} is not one a data package holds (or not supported here)`);
    }
  }
}

/** Decodes one XDR-serialised R object (the bytes after decompression). `source` names it in errors. */
export function unserialize(bytes: Uint8Array, source: string): RValue {
  const reader = new XdrReader(bytes, source);
  reader.header();
  return reader.item();
}

/** A list's elements by their `names` attribute. */
export function namedElements(value: RValue, source: string): Map<string, RValue> {
  const names = 'attributes' in value ? value.attributes?.get('names') : undefined;
  if (value.type !== 'list' || names?.type !== 'character' || names.values.length !== value.values.length) {
    throw new DatasetError(`${source}: expected a named list, found ${value.type}`, fixFor(source));
  }
  return new Map(value.values.map((v, i) => [names.values[i] ?? 'NA', v]));
}

/** One object of an .rdb file: a 4-byte big-endian length, then the object zlib-compressed (or stored). */
function rdbObject(rdb: Uint8Array, offset: number, length: number, compression: number, source: string): Uint8Array {
  const bad = (what: string) => new DatasetError(`${source}: ${what}`, fixFor(source));
  if (!(offset >= 0 && length >= 5 && offset + length <= rdb.length)) throw bad(`object at ${offset} (+${length} bytes) lies outside the ${rdb.length}-byte file`);
  const chunk = rdb.subarray(offset, offset + length);
  const expected = new DataView(chunk.buffer, chunk.byteOffset, 4).getUint32(0, false);
  if (expected > maxObjectBytes) throw bad(`object at ${offset} claims ${expected} bytes uncompressed`);
  let body = chunk.subarray(4);
  let method = 'Z';
  if (compression === 2 || compression === 3) {
    method = String.fromCharCode(body[0]);
    body = body.subarray(1);
  }
  let out: Uint8Array;
  if (method === '0') out = body;
  else if (method === 'Z') {
    try {
      out = inflateSync(body, { maxOutputLength: expected + 1 });
    } catch (cause) {
      throw new DatasetError(`${source}: corrupt zlib data in the object at ${offset} (${(cause as Error).message})`, fixFor(source), { cause });
    }
  } else throw bad(`object at ${offset} is ${method === '2' ? 'bzip2' : method === 'X' ? 'xz' : `'${method}'`}-compressed; only zlib (R's default) is read`);
  if (out.length !== expected) throw bad(`object at ${offset} is ${out.length} bytes uncompressed, its header says ${expected}`);
  return out;
}

function readOrFail(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (cause) {
    throw new DatasetError(`cannot read ${path} (${(cause as NodeJS.ErrnoException).code ?? cause})`,
      'install the corpus with `bash scripts/setup.sh` (as root; unpacks Debian\'s r-cran-janeaustenr), or give your own .txt file or folder', { cause });
  }
}

/**
 * The objects of the lazy-load database `<dir>/<base>.rdx` + `.rdb` (e.g. a package's data/Rdata), by name.
 * `only` limits decoding to the named objects.
 */
export function readLazyLoadDb(dir: string, base = 'Rdata', only?: (name: string) => boolean): Map<string, RValue> {
  const rdxPath = join(dir, `${base}.rdx`), rdbPath = join(dir, `${base}.rdb`);
  let index = readOrFail(rdxPath);
  if (index[0] === 0x1f && index[1] === 0x8b) {
    try {
      index = gunzipSync(index, { maxOutputLength: 64 << 20 });
    } catch (cause) {
      throw new DatasetError(`${rdxPath}: corrupt gzip data (${(cause as Error).message})`, fixFor(rdxPath), { cause });
    }
  }
  const parts = namedElements(unserialize(index, rdxPath), rdxPath);
  const variables = parts.get('variables');
  const compressed = parts.get('compressed');
  if (!variables) throw new DatasetError(`${rdxPath}: no "variables" entry`, fixFor(rdxPath));
  const compression = compressed && (compressed.type === 'logical' || compressed.type === 'integer') ? compressed.values[0] : compressed?.type === 'double' ? compressed.values[0] : 1;
  const rdb = readOrFail(rdbPath);
  const objects = new Map<string, RValue>();
  for (const [name, where] of namedElements(variables, rdxPath)) {
    if (only && !only(name)) continue;
    if ((where.type !== 'integer' && where.type !== 'double') || where.values.length !== 2) {
      throw new DatasetError(`${rdxPath}: the index entry of ${name} is not an (offset, length) pair`, fixFor(rdxPath));
    }
    const [offset, length] = where.values;
    objects.set(name, unserialize(rdbObject(rdb, offset, length, compression, `${rdbPath} (${name})`), `${rdbPath} (${name})`));
  }
  return objects;
}
