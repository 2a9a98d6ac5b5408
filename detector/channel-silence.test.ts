import { describe, expect, it } from 'vitest';
import { createChannelSilenceTracker } from './channel-silence.js';

const channels = ['flow', 'temp'];
const frame = (atMs: number, flow: number, temp: number) => ({
  assetId: 'pump-1',
  atMs,
  channels,
  values: [flow, temp],
});

describe('channel silence', () => {
  it('declares a channel silent once after silentAfterMs without values, and restored once when it reports', () => {
    const tracker = createChannelSilenceTracker({ silentAfterMs: 3_000 });
    const events = [];
    events.push(...tracker.observe(frame(0, Number.NaN, Number.NaN)));
    for (let t = 1_000; t <= 3_000; t += 1_000) events.push(...tracker.observe(frame(t, 1, 2)));
    for (let t = 4_000; t <= 9_000; t += 1_000) events.push(...tracker.observe(frame(t, 1, Number.NaN)));
    expect(tracker.silent()).toEqual([{ assetId: 'pump-1', channel: 'temp', sinceMs: 3_000 }]);
    events.push(...tracker.observe(frame(10_000, 1, 2)));
    expect(events).toEqual([
      { kind: 'channel_silent', assetId: 'pump-1', channel: 'temp', atMs: 6_000, lastValueAtMs: 3_000 },
      { kind: 'channel_restored', assetId: 'pump-1', channel: 'temp', atMs: 10_000, lastValueAtMs: 3_000 },
    ]);
    expect(tracker.silent()).toEqual([]);
  });

  it('judges nothing before a channel first reports, and nothing with silentAfterMs 0', () => {
    const tracker = createChannelSilenceTracker({ silentAfterMs: 1_000 });
    for (let t = 0; t <= 9_000; t += 1_000) expect(tracker.observe(frame(t, 1, Number.NaN))).toEqual([]);
    const off = createChannelSilenceTracker({ silentAfterMs: 0 });
    off.observe(frame(0, 1, 2));
    expect(off.observe(frame(9_000, Number.NaN, Number.NaN))).toEqual([]);
  });
});
