// The model's WebAssembly SIMD kernels as one module, generated as bytes at first use, and the
// interface matmul.ts and gru-cell.ts call them through. Buffers live in one WebAssembly.Memory (an
// arena); the callers dispatch here when every operand is a view of a registered arena.
import { gruCellBackBody, gruCellBody, gruSeqBody } from './gru-cell-kernels.js';
import { mmAccBody, mmBtBody } from './matmul-kernels.js';
import { encodeModule } from './wasm-encoding.js';

export interface WasmKernels {
  mmBt(
    out: number,
    a: number,
    w: number,
    bias: number,
    M: number,
    K: number,
    N: number,
    accumulate: number,
  ): void;
  mmAcc(
    out: number,
    a: number,
    sRow: number,
    sInner: number,
    b: number,
    M: number,
    K: number,
    N: number,
    bias: number,
  ): void;
  gruCell(hOut: number, cache: number, gi: number, hPrev: number, gh: number, B: number, H: number): void;
  gruSeq(
    hs: number,
    gates: number,
    gateStride: number,
    gi: number,
    giStride: number,
    wHhT: number,
    bHh: number,
    gh: number,
    B: number,
    H: number,
    T: number,
  ): void;
  gruCellBack(
    dgi: number,
    dgh: number,
    dhPrev: number,
    dh: number,
    cache: number,
    hPrev: number,
    B: number,
    H: number,
  ): void;
}

/** The part of the WebAssembly JS API used here (the project's lib settings carry no DOM types). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (d: { initial: number; maximum?: number }) => WasmMemory;
}

export function wasmApi(): WasmApi | null {
  return (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly ?? null;
}

let compiled: object | null | undefined;

/** The compiled kernel module, or null where WebAssembly SIMD is unavailable. */
export function wasmKernelModule(): object | null {
  if (compiled === undefined) {
    const api = wasmApi();
    // Function indices follow this order; gruSeq calls mmAcc (1) and gruCell (2).
    const bytes = encodeModule([
      mmBtBody(),
      mmAccBody(),
      gruCellBody(),
      gruCellBackBody(),
      gruSeqBody({ mmAcc: 1, gruCell: 2 }),
    ]);
    compiled = api?.validate(bytes) ? new api.Module(bytes) : null;
  }
  return compiled;
}

export function instantiateWasmKernels(memory: WasmMemory): WasmKernels | null {
  const module = wasmKernelModule();
  const api = wasmApi();
  if (module === null || api === null) return null;
  return new api.Instance(module, { env: { memory } }).exports as WasmKernels;
}
