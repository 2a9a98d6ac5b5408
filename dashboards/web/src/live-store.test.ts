import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { AlertEventView, AssetSnapshot, ModelView } from '../../api/api-types.js';
import { type Change, LiveStore } from './live-store.js';

function modelView(name: string, version: string, retraining: ModelView['retraining'] = null): ModelView {
  return {
    name,
    version,
    createdAt: null,
    channels: [],
    dims: null,
    threshold: null,
    calibration: null,
    training: null,
    needsNewModel: null,
    retraining,
    retrainHistory: [],
  };
}

function snapshot(
  assetId: string,
  lastAtMs: number,
  status: AssetSnapshot['status'] = 'normal',
): AssetSnapshot {
  return {
    assetId,
    status,
    lastAtMs,
    score: 0.1,
    threshold: 1,
    ratio: 0.1,
    topChannels: [],
    openAlertId: null,
  };
}

function alert(assetId: string, type: string, atMs: number, severity: 'warning' | 'critical' = 'warning') {
  return {
    id: `${assetId}-1000`,
    assetId,
    type,
    severity,
    ratio: 1.5,
    peakRatio: 1.5,
    topChannels: [{ channel: 'vibration', share: 0.9 }],
    atMs,
    openedAtMs: 1000,
  } satisfies AlertEventView;
}

describe('LiveStore', () => {
  let frames: (() => void)[];
  beforeEach(() => {
    frames = [];
    vi.stubGlobal('requestAnimationFrame', (cb: () => void) => frames.push(cb));
  });
  const flush = () => {
    for (let next = frames.shift(); next !== undefined; next = frames.shift()) next();
  };

  it('batches a burst of events into one change per frame, naming the changed assets', () => {
    const store = new LiveStore();
    const changes: Change[] = [];
    store.subscribe((c) => changes.push(c));
    store.setAssets([snapshot('a', 1), snapshot('b', 1), snapshot('c', 1)]);
    flush();
    for (let i = 0; i < 50; i++) {
      store.apply({
        type: 'score',
        data: { assetId: i % 2 ? 'a' : 'b', atMs: 10 + i, score: 0.2, threshold: 1, ratio: 0.2 },
      });
    }
    flush();
    expect(changes).toHaveLength(2);
    expect([...changes[1].assets].sort()).toEqual(['a', 'b']);
    expect(changes[1].structural).toBe(false);
    expect(changes[1].scores).toHaveLength(50);
    expect(store.assets.get('a')!.ratios.length).toBeLessThanOrEqual(60);
  });

  it('keeps a live status newer than a snapshot fetched before it', () => {
    const store = new LiveStore();
    store.setAssets([snapshot('a', 100)]);
    store.apply({ type: 'status', data: { assetId: 'a', atMs: 200, status: 'silenced' } });
    store.setAssets([snapshot('a', 150, 'alerting')]);
    expect(store.assets.get('a')!.snapshot.status).toBe('silenced');
    store.setAssets([snapshot('a', 300, 'normal')]);
    expect(store.assets.get('a')!.snapshot.status).toBe('normal');
  });

  it('merges fetched alert events with streamed ones without duplicates, and tracks severity', () => {
    const store = new LiveStore();
    store.setAssets([snapshot('a', 1)]);
    store.apply({ type: 'alert', data: alert('a', 'opened', 2000) });
    // The fetch was answered before the escalation, which came through the stream only.
    store.apply({ type: 'alert', data: alert('a', 'escalated', 3000, 'critical') });
    store.setAlerts([alert('a', 'opened', 2000)]);
    expect(store.alertEvents.map((e) => e.type)).toEqual(['escalated', 'opened']);
    expect(store.assets.get('a')!.severity).toBe('critical');
    store.apply({ type: 'alert', data: alert('a', 'resolved', 4000, 'critical') });
    expect(store.assets.get('a')!.severity).toBeNull();
  });

  it('creates an asset first mentioned by the stream', () => {
    const store = new LiveStore();
    const changes: Change[] = [];
    store.subscribe((c) => changes.push(c));
    store.apply({
      type: 'score',
      data: {
        assetId: 'new',
        atMs: 5,
        score: 2,
        threshold: 1,
        ratio: 2,
        status: 'pending',
        topChannels: [{ channel: 'flow', share: 0.7 }],
      },
    });
    flush();
    expect(changes[0].structural).toBe(true);
    const entry = store.assets.get('new')!;
    expect(entry.snapshot.status).toBe('pending');
    expect(entry.snapshot.topChannels[0].channel).toBe('flow');
    expect(entry.ratios).toEqual([2]);
  });

  it('keeps the newest view of each streamed model and names the changed models, without a structural change', () => {
    const store = new LiveStore();
    const changes: Change[] = [];
    store.subscribe((c) => changes.push(c));
    const running = {
      enabled: true,
      schedule: '0 3 * * *',
      nextRunAtMs: null,
      running: true,
      lastRun: null,
      pendingApproval: null,
      shadow: null,
    };
    store.apply({ type: 'model', data: modelView('pumps', 'v1', running) });
    store.apply({ type: 'model', data: modelView('fans', 'f1') });
    store.apply({ type: 'model', data: modelView('pumps', 'v1', { ...running, running: false }) });
    flush();
    expect(changes).toHaveLength(1);
    expect([...changes[0].models].sort()).toEqual(['fans', 'pumps']);
    expect(changes[0].structural).toBe(false);
    expect(store.models.get('pumps')?.retraining?.running).toBe(false);
    store.apply({ type: 'score', data: { assetId: 'a', atMs: 1, score: 0.1, threshold: 1, ratio: 0.1 } });
    flush();
    expect(changes[1].models.size).toBe(0);
  });
});
