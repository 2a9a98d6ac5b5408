// Ten million readings through aligner and windower: the retained heap after a
// full collection must not grow with the stream length (constant memory per asset).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { SensorReading } from '../reading.js';
import { createAligner } from './aligner.js';
import { createWindowAssembler } from './window-assembler.js';

function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

describe('aligner and window assembler memory', () => {
  it('retain the same heap after ten million readings as after one million', () => {
    const gc = exposeGc();
    const assets = 10;
    const channels = ['c0', 'c1', 'c2', 'c3'];
    let okWindows = 0;
    let checksum = 0;
    const assembler = createWindowAssembler({ T: 64, hop: 8 }, (w) => {
      if (w.state !== 'ok') return;
      okWindows++;
      checksum += w.values[0];
    });
    const aligner = createAligner(
      {
        periodMs: 100,
        fill: 'mean',
        maxHoldMs: 500,
        latenessMs: 300,
        idleFlushMs: 5000,
        maxGapFrames: 64,
        assets: [{ match: 'asset-*', channels }],
      },
      { onFrame: (f) => assembler.push(f) },
    );
    const reading: SensorReading = { assetId: '', channel: '', timestampMs: 0, value: 0 };
    const assetIds = Array.from({ length: assets }, (_, i) => `asset-${i}`);
    let i = 0;
    const feed = (count: number) => {
      for (const end = i + count; i < end; i++) {
        reading.assetId = assetIds[i % assets];
        reading.channel = channels[Math.floor(i / assets) % channels.length];
        // 25 ms apart per asset, slightly out of order every 7th reading
        reading.timestampMs = 1_700_000_000_000 + Math.floor(i / assets) * 25 - (i % 7 === 0 ? 40 : 0);
        reading.value = (i % 1000) / 10;
        aligner.push(reading, 0);
      }
    };
    const retained = () => {
      gc();
      gc();
      return process.memoryUsage().heapUsed;
    };
    feed(1_000_000);
    const afterOneMillion = retained();
    feed(9_000_000);
    const afterTenMillion = retained();
    expect(i).toBe(10_000_000);
    expect(okWindows).toBeGreaterThan(100_000);
    expect(Number.isFinite(checksum)).toBe(true);
    expect(aligner.assetCount).toBe(assets);
    // Allow 1 MiB of noise (compiled code, vitest's own bookkeeping); a per-reading
    // leak of even one byte would add ~9 MB.
    expect(afterTenMillion - afterOneMillion).toBeLessThan(1024 * 1024);
  });
});
