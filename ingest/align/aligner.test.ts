import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AlignedFrame } from '../../core/index.js';
import { MemoryTelemetry } from '../../core/index.js';
import type { SensorReading } from '../reading.js';
import { type AlignOptions, createAligner } from './aligner.js';
import { createAssetChannelResolver } from './asset-channels.js';

interface Captured {
  startMs: number;
  values: number[];
  state: string;
}

const base: AlignOptions = {
  periodMs: 1000,
  fill: 'last',
  maxHoldMs: 0,
  latenessMs: 0,
  idleFlushMs: 5000,
  maxGapFrames: 10,
};

function setup(overrides: Partial<AlignOptions> = {}, onlyAsset?: string) {
  const frames: Captured[] = [];
  const telemetry = new MemoryTelemetry();
  const aligner = createAligner(
    { ...base, ...overrides, assets: [{ match: 'pump-*', channels: ['a', 'b'] }] },
    {
      onFrame: (f: AlignedFrame) => {
        if (onlyAsset === undefined || f.assetId === onlyAsset)
          frames.push({ startMs: f.startMs, values: [...f.values], state: f.state });
      },
      telemetry,
    },
  );
  const push = (channel: string, timestampMs: number, value: number, assetId = 'pump-1') =>
    aligner.push({ assetId, channel, timestampMs, value }, timestampMs);
  return { aligner, frames, telemetry, push };
}

const dropped = (t: MemoryTelemetry, reason: string) => t.get('ingest_readings_dropped_total', { reason });

describe('aligner', () => {
  it('puts each channel in the model order and finalizes a cell once the watermark passes its end', () => {
    const { frames, push } = setup();
    push('b', 10_100, 2);
    push('a', 10_200, 1);
    expect(frames).toEqual([]);
    push('a', 11_000, 3);
    expect(frames).toEqual([{ startMs: 10_000, values: [1, 2], state: 'ok' }]);
  });

  it('takes the latest reading of a cell with fill=last and the mean with fill=mean', () => {
    const last = setup({ fill: 'last' });
    const mean = setup({ fill: 'mean' });
    for (const s of [last, mean]) {
      s.push('a', 0, 1);
      s.push('a', 500, 5);
      s.push('a', 250, 3);
      s.push('b', 100, 7);
      s.push('a', 1000, 0);
    }
    expect(last.frames[0].values).toEqual([5, 7]);
    expect(mean.frames[0].values).toEqual([3, 7]);
  });

  it('places out-of-order readings within the lateness and drops and counts later ones', () => {
    const { frames, push, telemetry } = setup({ latenessMs: 1500 });
    push('a', 5000, 1);
    push('b', 5100, 2);
    push('a', 6100, 3);
    push('b', 4900, 9); // 1.2 s behind the newest: within lateness, lands in cell 4000
    push('a', 8000, 4); // watermark 6500: cells 4000 and 5000 are final
    expect(frames.map((f) => f.startMs)).toEqual([3000, 4000, 5000]);
    expect(frames[1]).toEqual({ startMs: 4000, values: [Number.NaN, 9], state: 'gap' });
    expect(frames[2]).toEqual({ startMs: 5000, values: [1, 2], state: 'ok' });
    expect(push('b', 5900, 5)).toBe(false); // its cell is final already
    expect(dropped(telemetry, 'late')).toBe(1);
  });

  it('drops exact duplicates (same channel and timestamp), also when redelivered out of order', () => {
    const { aligner, frames, push, telemetry } = setup({ fill: 'mean', latenessMs: 2000 });
    push('a', 100, 1);
    push('a', 200, 3);
    expect(push('a', 200, 3)).toBe(false);
    expect(push('a', 100, 1)).toBe(false);
    push('b', 100, 1);
    push('a', 3500, 0);
    expect(frames.find((f) => f.startMs === 0)?.values).toEqual([2, 1]);
    expect(dropped(telemetry, 'duplicate')).toBe(2);
    // Redelivered after its cell is final (the acknowledgement was lost): a duplicate, not late.
    expect(push('a', 200, 3)).toBe(false);
    expect(dropped(telemetry, 'duplicate')).toBe(3);
    expect(dropped(telemetry, 'late')).toBe(0);
    // Older than the duplicate memory, but the source says the message came before.
    const old = { assetId: 'pump-1', channel: 'b', timestampMs: 100, value: 1 };
    expect(aligner.push(old, 3600, true)).toBe(false);
    expect(dropped(telemetry, 'duplicate')).toBe(4);
    expect(aligner.push({ ...old, timestampMs: 150 }, 3600)).toBe(false);
    expect(dropped(telemetry, 'late')).toBe(1);
  });

  it('holds the last value up to maxHoldMs and then leaves NaN and marks the frame gap', () => {
    const { frames, push } = setup({ maxHoldMs: 2000 });
    push('a', 0, 1);
    push('b', 900, 2);
    for (let t = 1000; t <= 5000; t += 1000) push('a', t, t / 1000 + 1);
    // b was read at 900: held in cells starting at 1000, 2000 (≤ 2000 ms later), not 3000
    expect(frames.map((f) => f.values[1])).toEqual([2, 2, 2, Number.NaN, Number.NaN]);
    expect(frames.map((f) => f.state)).toEqual(['ok', 'ok', 'ok', 'gap', 'gap']);
    expect(frames.map((f) => f.values[0])).toEqual([1, 2, 3, 4, 5]);
  });

  it('marks frames unknown after an unknown signal until every channel has fresh readings', () => {
    const { aligner, frames, push } = setup({ maxHoldMs: 10_000 });
    push('a', 0, 1);
    push('b', 0, 1);
    push('a', 1000, 1);
    aligner.signal({ kind: 'unknown', assetId: 'pump-1', atMs: 1500, reason: 'NDEATH' });
    push('a', 2000, 2); // b is only held from before the signal
    push('a', 3000, 3);
    push('b', 3100, 3);
    push('a', 4000, 4);
    push('b', 4000, 4);
    push('a', 5000, 5);
    expect(frames.map((f) => [f.startMs, f.state])).toEqual([
      [0, 'ok'],
      [1000, 'unknown'],
      [2000, 'unknown'],
      [3000, 'ok'],
      [4000, 'ok'],
    ]);
    expect(frames[2].values).toEqual([2, Number.NaN]);
  });

  it('flushes a silent asset on tick while others deliver, never past their newest timestamp', () => {
    const { aligner, frames, push } = setup({ idleFlushMs: 3000, maxGapFrames: 4 }, 'pump-1');
    push('a', 0, 1);
    push('b', 0, 1);
    for (let t = 1000; t <= 3000; t += 1000) {
      push('a', t, 1, 'pump-2');
      aligner.tick(t, true);
    }
    expect(frames.map((f) => f.state)).toEqual([]);
    push('a', 4000, 1, 'pump-2');
    aligner.tick(4000, true); // silent for 3 s of ticks while pump-2 delivered
    expect(frames.map((f) => f.state)).toEqual(['ok', 'gap', 'gap']);
    for (let t = 5000; t <= 60_000; t += 1000) {
      push('a', t, 1, 'pump-2');
      aligner.tick(t, true);
    }
    // A long silence: at most maxGapFrames frames without any value.
    expect(frames.filter((f) => f.values.every(Number.isNaN))).toHaveLength(4);
  });

  it('does not flush an asset whose readings may be waiting: not live, nothing arriving, or stalled', () => {
    const { aligner, frames, telemetry, push } = setup({ idleFlushMs: 3000, latenessMs: 1000 });
    const feed = (fromMs: number, toMs: number) => {
      for (let t = fromMs; t <= toMs; t += 1000) {
        push('a', t, t / 1000);
        push('b', t, t / 1000);
      }
    };
    feed(0, 5000);
    // Disconnected for 20 s (ticks keep coming, the source is not live).
    for (let t = 6000; t <= 26_000; t += 1000) aligner.tick(t, false);
    // Connected but nothing arrives for 20 s: no data shows that event time moved.
    for (let t = 27_000; t <= 47_000; t += 1000) aligner.tick(t, true);
    // Stopped for 40 s (SIGSTOP): the next tick comes 40 s late, the backlog right after it.
    aligner.tick(87_000, true);
    aligner.tick(88_000, true);
    feed(6000, 90_000);
    expect(dropped(telemetry, 'late')).toBe(0);
    const real = frames.filter((f) => f.startMs >= 0);
    expect(real.map((f) => f.values[0])).toEqual(Array.from({ length: 89 }, (_, i) => i));
    expect(real.every((f) => f.state === 'ok')).toBe(true);
  });

  it('emits at most maxGapFrames empty frames when the timestamps jump ahead', () => {
    const { frames, push } = setup({ maxGapFrames: 3 });
    push('a', 0, 1);
    push('b', 0, 1);
    push('a', 1_000_000, 2);
    expect(frames.map((f) => f.startMs)).toEqual([0, 1000, 2000, 3000]);
    push('b', 1_000_000, 2);
    push('a', 1_001_000, 3);
    expect(frames.at(-1)).toEqual({ startMs: 1_000_000, values: [2, 2], state: 'ok' });
  });

  it('drops and counts readings of unknown assets and channels', () => {
    const { aligner, push, telemetry } = setup();
    expect(push('a', 0, 1, 'fan-1')).toBe(false);
    expect(push('zzz', 0, 1)).toBe(false);
    push('a', 0, 1);
    expect(push('zzz', 0, 1)).toBe(false);
    expect(dropped(telemetry, 'unknown_asset')).toBe(1);
    expect(dropped(telemetry, 'unknown_channel')).toBe(2);
    expect(aligner.assetCount).toBe(1);
  });

  it('refuses new assets beyond maxAssets and keeps no layout cached for them', () => {
    const cached = new Set<string>();
    const groups = createAssetChannelResolver([{ match: 'pump-*', channels: ['a', 'b'] }]);
    const telemetry = new MemoryTelemetry();
    const aligner = createAligner(
      {
        ...base,
        maxAssets: 1,
        assets: {
          resolve(assetId) {
            const layout = groups.resolve(assetId);
            if (layout !== undefined) cached.add(assetId);
            return layout;
          },
          forget(assetId) {
            cached.delete(assetId);
            groups.forget?.(assetId);
          },
        },
      },
      { onFrame: () => {}, telemetry },
    );
    const push = (assetId: string, channel = 'a') =>
      aligner.push({ assetId, channel, timestampMs: 0, value: 1 }, 0);
    expect(push('pump-1')).toBe(true);
    for (let i = 2; i < 100; i++) expect(push(`pump-${i}`)).toBe(false);
    expect(push('pump-x', 'fan')).toBe(false);
    expect(dropped(telemetry, 'asset_limit')).toBe(98);
    expect(dropped(telemetry, 'unknown_channel')).toBe(1);
    expect(aligner.assetCount).toBe(1);
    expect([...cached]).toEqual(['pump-1']);
  });

  it('forgets dropped assets so a reading behind their old grid is accepted again', () => {
    const { aligner, push } = setup();
    push('a', 10_000, 1);
    expect(push('a', 5000, 1)).toBe(false);
    aligner.dropAssets(['pump-1']);
    expect(aligner.assetCount).toBe(0);
    expect(push('a', 5000, 1)).toBe(true);
  });

  it('gives the same frames for any arrival order whose disorder stays within the lateness', () => {
    const lateness = 2500;
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 40_000 }), { minLength: 2, maxLength: 60 }),
        fc.array(fc.integer({ min: 0, max: lateness - 1 }), { minLength: 60, maxLength: 60 }),
        (times, jitter) => {
          const readings: SensorReading[] = times.map((t, i) => ({
            assetId: 'pump-1',
            channel: i % 2 === 0 ? 'a' : 'b',
            timestampMs: t,
            value: i,
          }));
          const ordered = setup({ latenessMs: lateness, fill: 'mean', maxHoldMs: 1000 });
          const shuffled = setup({ latenessMs: lateness, fill: 'mean', maxHoldMs: 1000 });
          const first = Math.min(...times);
          // Both runs start their grid from the same first reading; the rest arrive in jittered order.
          const firstIdx = times.indexOf(first);
          const rest = readings.filter((_, i) => i !== firstIdx);
          const byArrival = rest
            .map((r, i) => ({ r, key: r.timestampMs + jitter[i] }))
            .sort((x, y) => x.key - y.key)
            .map((x) => x.r);
          for (const r of [readings[firstIdx], ...rest.sort((x, y) => x.timestampMs - y.timestampMs)])
            ordered.aligner.push(r, 0);
          for (const r of [readings[firstIdx], ...byArrival]) shuffled.aligner.push(r, 0);
          expect(dropped(shuffled.telemetry, 'late')).toBe(0);
          expect(shuffled.frames).toEqual(ordered.frames);
        },
      ),
      { numRuns: 300 },
    );
  });
});
