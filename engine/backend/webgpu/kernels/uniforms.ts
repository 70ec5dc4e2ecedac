/**
 * Uniform structs declared once and used twice: to emit the WGSL `struct` and to pack the values, so the
 * two can never disagree. Scalars take 4 bytes; `vec4u` arrays start on 16-byte boundaries.
 */
export type UniformField = readonly [name: string, type: 'u32' | 'f32' | 'i32'] | readonly [name: string, type: 'u32x', count: number];

export class UniformLayout {
  private readonly offsets = new Map<string, number>();
  readonly byteLength: number;

  constructor(readonly structName: string, readonly fields: readonly UniformField[]) {
    let offset = 0;
    for (const field of fields) {
      if (field[1] === 'u32x') offset = Math.ceil(offset / 16) * 16;
      this.offsets.set(field[0], offset);
      offset += field[1] === 'u32x' ? Math.ceil(field[2] / 4) * 16 : 4;
    }
    this.byteLength = Math.max(16, Math.ceil(offset / 16) * 16);
  }

  /** The WGSL declaration; a `u32x` field of count n becomes `array<vec4u, ceil(n/4)>`. */
  wgsl(): string {
    const members = this.fields.map((f) => (f[1] === 'u32x' ? `  ${f[0]}: array<vec4u, ${Math.ceil(f[2] / 4)}>,` : `  ${f[0]}: ${f[1]},`));
    return `struct ${this.structName} {\n${members.join('\n')}\n}`;
  }

  pack(values: Readonly<Record<string, number | readonly number[]>>): Uint8Array {
    const bytes = new ArrayBuffer(this.byteLength);
    const u32 = new Uint32Array(bytes);
    const f32 = new Float32Array(bytes);
    const i32 = new Int32Array(bytes);
    for (const field of this.fields) {
      const value = values[field[0]];
      if (value === undefined) throw new Error(`uniform ${this.structName}.${field[0]} missing`);
      const slot = this.offsets.get(field[0])! / 4;
      if (field[1] === 'u32x') {
        const list = value as readonly number[];
        if (list.length > field[2]) throw new Error(`uniform ${this.structName}.${field[0]}: ${list.length} > ${field[2]} values`);
        list.forEach((v, i) => { u32[slot + i] = v; });
      } else if (field[1] === 'f32') f32[slot] = value as number;
      else if (field[1] === 'i32') i32[slot] = value as number;
      else u32[slot] = value as number;
    }
    return new Uint8Array(bytes);
  }
}

/** WGSL expression for element `i` of a `u32x` uniform array `name`. */
export function at(name: string, i: string): string {
  return `${name}[(${i}) / 4u][(${i}) % 4u]`;
}
