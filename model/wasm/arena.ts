// A float32 arena in one WebAssembly.Memory: workspaces and parameters allocated here are visible to
// the SIMD kernels without copying. Sized once; it never grows (growing would detach every view).
import { registerWasmKernels } from '../matmul.js';
import { instantiateWasmKernels, type WasmMemory, wasmApi } from './kernels.js';

export interface Arena {
  /** A zeroed Float32Array of n entries, 16-byte aligned. */
  alloc(n: number): Float32Array;
}

/**
 * An arena for `floats` float32 values (plus alignment slack) with the SIMD kernels registered, or
 * null where WebAssembly SIMD is not available (callers then use plain arrays and the JS kernels).
 */
export function createWasmArena(floats: number): Arena | null {
  const api = wasmApi();
  if (api === null) return null;
  const bytes = 16 + floats * 4 + 64 * 16;
  // Pointers are signed 32-bit in the kernels: beyond 2 GiB the plain arrays and loops take over.
  if (bytes > 2 ** 31) return null;
  let memory: WasmMemory;
  try {
    memory = new api.Memory({ initial: Math.ceil(bytes / 65536) });
  } catch {
    return null;
  }
  const kernels = instantiateWasmKernels(memory);
  if (kernels === null) return null;
  registerWasmKernels(memory.buffer, kernels);
  // Offset 0 stays unused so a zero pointer can mean "no bias".
  let next = 16;
  return {
    alloc(n: number): Float32Array {
      const view = new Float32Array(memory.buffer, next, n);
      next += Math.ceil((n * 4) / 16) * 16;
      if (next > memory.buffer.byteLength) throw new RangeError(`arena of ${floats} floats exhausted`);
      return view;
    },
  };
}
