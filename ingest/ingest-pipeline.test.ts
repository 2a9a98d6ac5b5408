import { describe, expect, it } from 'vitest';
import { createRootLogger, createSilentLogger, ManualClock } from '../core/index.js';
import { ingestConfigSchema } from './config.js';
import { createIngest } from './ingest-pipeline.js';

// No source is started here: replay drives the aligner and window assembler without a network.
const config = ingestConfigSchema.parse({
  mqtt: { url: 'mqtt://127.0.0.1:1', clientId: 'gw-test', topics: ['p/{asset}/{channel}'] },
  decoder: { type: 'json' },
  assets: [{ match: 'pump-*', channels: ['flow', 'temp'], model: 'pumps' }],
  align: { periodMs: 1000, fill: 'last', maxHoldMs: 0, latenessMs: 0, idleFlushMs: 60_000 },
  window: { T: 2, hop: 1 },
});

describe('createIngest', () => {
  it('replays journaled readings into frames and windows in the configured channel order', () => {
    const frames: string[] = [];
    const windows: number[][] = [];
    const ingest = createIngest(config, {
      logger: createSilentLogger(),
      clock: new ManualClock(0),
      onFrame: (f) => frames.push(`${f.startMs}:${f.state}`),
      onWindow: (w) => {
        windows.push([...w.values]);
      },
    });
    const readings = [];
    for (let k = 0; k < 4; k++) {
      readings.push({
        assetId: 'pump-1',
        channel: 'temp',
        timestampMs: k * 1000,
        value: 10 + k,
        receivedAtMs: 5,
      });
      readings.push({ assetId: 'pump-1', channel: 'flow', timestampMs: k * 1000 + 1, value: k });
    }
    ingest.replay(readings);
    expect(frames).toEqual(['0:ok', '1000:ok', '2000:ok']);
    expect(windows).toEqual([
      [0, 10, 1, 11],
      [1, 11, 2, 12],
    ]);
  });

  it('does not warn again about unknown assets while replaying the journal: that was logged on arrival', () => {
    const lines: string[] = [];
    const ingest = createIngest(config, {
      logger: createRootLogger({ level: 'info' }, { write: (line: string) => lines.push(line) }),
      clock: new ManualClock(0),
      onWindow: () => undefined,
    });
    ingest.replay([
      { assetId: 'fan-9', channel: 'flow', timestampMs: 0, value: 1 },
      { assetId: 'pump-1', channel: 'speed', timestampMs: 0, value: 1 },
    ]);
    expect(lines).toEqual([]);
  });

  it('keeps the model name of each asset group in the parsed config', () => {
    expect(config.assets[0].model).toBe('pumps');
    expect(ingestConfigSchema.parse({ ...config, assets: [{ channels: ['x'] }] }).assets[0].model).toBe(
      'default',
    );
  });
});
