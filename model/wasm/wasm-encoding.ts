// The few pieces of the WebAssembly binary format (WebAssembly Core Specification 2.0, §5) that the
// SIMD kernels need: LEB128 integers, opcodes, and the module sections. Writing the bytes here keeps
// the kernels free of any compiler; nothing compiled is committed.

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const I32 = 0x7f;
export const V128 = 0x7b;
export { I32 };

/** Instructions as byte builders; `l` is a local index. */
export const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  call: (func: number) => [0x10, ...uleb(func)],
  get: (l: number) => [0x20, ...uleb(l)],
  set: (l: number) => [0x21, ...uleb(l)],
  tee: (l: number) => [0x22, ...uleb(l)],
  i32: (v: number) => [0x41, ...sleb(v)],
  i32Eqz: [0x45],
  i32LtS: [0x48],
  i32GtS: [0x4a],
  i32LeS: [0x4c],
  i32GeS: [0x4e],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32Shl: [0x74],
  f32Load: [0x2a, 0x02, 0x00],
  v128Load: (offset = 0) => [0xfd, 0x00, 0x04, ...uleb(offset)],
  v128Store: (offset = 0) => [0xfd, 0x0b, 0x04, ...uleb(offset)],
  v128Zero: [0xfd, 0x0c, ...new Array<number>(16).fill(0)],
  shuffle: (lanes: number[]) => [0xfd, 0x0d, ...lanes],
  f32x4Splat: [0xfd, 0x13],
  f32x4Add: [0xfd, ...uleb(0xe4)],
  f32x4Sub: [0xfd, ...uleb(0xe5)],
  f32x4Mul: [0xfd, ...uleb(0xe6)],
  f32x4Div: [0xfd, ...uleb(0xe7)],
  f32x4Min: [0xfd, ...uleb(0xe8)],
  f32x4Max: [0xfd, ...uleb(0xe9)],
  f32x4Nearest: [0xfd, ...uleb(0x6a)],
  i32x4TruncSatF32x4S: [0xfd, ...uleb(0xf8)],
  i32x4Add: [0xfd, ...uleb(0xae)],
  i32x4Shl: [0xfd, ...uleb(0xab)],
  /** v128.const with the same float32 in all four lanes. */
  f32x4Const: (v: number) => [
    0xfd,
    0x0c,
    ...Array.from(new Uint8Array(new Float32Array([v, v, v, v]).buffer)),
  ],
  i32x4Const: (v: number) => [0xfd, 0x0c, ...Array.from(new Uint8Array(new Int32Array([v, v, v, v]).buffer))],
};

/** Byte lanes for i8x16.shuffle picking f32 lanes (0–3 from the first operand, 4–7 from the second). */
export function f32Lanes(...lanes: number[]): number[] {
  return lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]);
}

function section(id: number, payload: number[]): number[] {
  return [id, ...uleb(payload.length), ...payload];
}

function name(s: string): number[] {
  const bytes = Array.from(new TextEncoder().encode(s));
  return [...uleb(bytes.length), ...bytes];
}

export interface FunctionBody {
  exportName: string;
  paramCount: number; // all i32
  locals: Array<[count: number, type: number]>;
  code: number[];
}

/** A module importing env.memory and exporting the given functions, all of type (i32 × n) → (). */
// biome-ignore format: the module layout reads best section by section
export function encodeModule(functions: FunctionBody[]): Uint8Array {
  const types = functions.map((f) => [0x60, ...uleb(f.paramCount), ...new Array<number>(f.paramCount).fill(I32), 0x00]);
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [...uleb(types.length), ...types.flat()]),
    ...section(2, [...uleb(1), ...name('env'), ...name('memory'), 0x02, 0x00, ...uleb(1)]),
    ...section(3, [...uleb(functions.length), ...functions.flatMap((_, i) => uleb(i))]),
    ...section(7, [...uleb(functions.length), ...functions.flatMap((f, i) => [...name(f.exportName), 0x00, ...uleb(i)])]),
    ...section(
      10,
      [
        ...uleb(functions.length),
        ...functions.flatMap((f) => {
          const body = [...uleb(f.locals.length), ...f.locals.flatMap(([n, t]) => [...uleb(n), t]), ...f.code, 0x0b];
          return [...uleb(body.length), ...body];
        }),
      ],
    ),
  ];
  return Uint8Array.from(bytes);
}
