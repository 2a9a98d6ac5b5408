// The alert lifecycle, table-driven: each row is a sequence of observations with the events and
// the final status it must produce; then ids, replay, restore equivalence and random-sequence invariants.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPipelineError } from '../core/index.js';
import { type AlertEvent, type AlertObservation, type AssetStatus, alertEventSchema } from './alert.js';
import { stepAlertLifecycle, stepAssetAlert } from './alert-lifecycle.js';
import {
  type AlertLifecycleState,
  createAlertLifecycleState,
  restoreAlertState,
  serialiseAlertState,
} from './alert-state.js';
import { type AlertsConfig, alertsSchema } from './config.js';

type Flag = 'gap' | 'unknown' | 'off' | 'silenced' | 'maintenance';
interface Obs {
  /** Seconds. */
  t: number;
  ratio: number | null;
  flags: Flag[];
}

const asset = 'pump-1';
const top = [{ channel: 'vibration', share: 0.7 }];

/** Observations every 10 s from `fromSec` to `toSec` inclusive. */
function span(fromSec: number, toSec: number, ratio: number | null, ...flags: Flag[]): Obs[] {
  const out: Obs[] = [];
  for (let t = fromSec; t <= toSec; t += 10) out.push({ t, ratio, flags });
  return out;
}

/** `cycles` rounds of 30 s starting at `fromSec`: one step at `high`, two at `low`. */
function flap(fromSec: number, cycles: number, high = 1.5, low = 0.5): Obs[] {
  const out: Obs[] = [];
  for (let k = 0; k < cycles; k++) {
    const t = fromSec + 30 * k;
    out.push(
      { t, ratio: high, flags: [] },
      { t: t + 10, ratio: low, flags: [] },
      { t: t + 20, ratio: low, flags: [] },
    );
  }
  return out;
}

function observation(o: Obs, assetId = asset): AlertObservation {
  return {
    assetId,
    ratio: o.ratio,
    windowState: o.flags.includes('gap') ? 'gap' : o.flags.includes('unknown') ? 'unknown' : 'ok',
    off: o.flags.includes('off'),
    suppressed: { silenced: o.flags.includes('silenced'), maintenance: o.flags.includes('maintenance') },
    topChannels: o.ratio === null ? [] : top,
  };
}

const baseConfig = {
  minAboveMs: 30_000,
  clearBelowMs: 60_000,
  hysteresis: 0.8,
  cooldownMs: 120_000,
  criticalRatio: 2,
  flapping: { enabled: true, windowMs: 600_000, maxTransitions: 4 },
};
const flapConfig = { ...baseConfig, minAboveMs: 0, clearBelowMs: 10_000, cooldownMs: 0 };

function configOf(input: object): AlertsConfig {
  return alertsSchema.parse(input);
}

function run(
  observations: Obs[],
  config: AlertsConfig,
  state: AlertLifecycleState = createAlertLifecycleState(),
): { state: AlertLifecycleState; events: AlertEvent[] } {
  const events: AlertEvent[] = [];
  for (const o of observations) {
    const step = stepAlertLifecycle(state, observation(o), o.t * 1000, config);
    state = step.state;
    events.push(...step.events);
  }
  return { state, events };
}

/** Compact event form for the tables: `type@seconds severity [reason]`. */
function brief(event: AlertEvent): string {
  return [`${event.type}@${event.atMs / 1000}`, event.severity, event.reason].filter(Boolean).join(' ');
}

interface Row {
  name: string;
  config?: object;
  observations: Obs[];
  events: string[];
  status: AssetStatus;
}

const rows: Row[] = [
  {
    name: 'a spike shorter than minAboveMs raises nothing',
    observations: [...span(0, 40, 0.5), ...span(50, 60, 1.5), ...span(70, 200, 0.5)],
    events: [],
    status: 'normal',
  },
  {
    name: 'a ratio that dips below 1 restarts the run toward opening',
    observations: [...span(0, 20, 1.5), ...span(30, 30, 0.9), ...span(40, 60, 1.5)],
    events: [],
    status: 'pending',
  },
  {
    name: 'a sustained exceedance opens once after minAboveMs',
    observations: span(0, 300, 1.5),
    events: ['opened@30 warning'],
    status: 'alerting',
  },
  {
    name: 'minAboveMs of 0 opens on the first exceeding observation',
    config: { ...baseConfig, minAboveMs: 0 },
    observations: [...span(0, 10, 0.5), ...span(20, 40, 1.2)],
    events: ['opened@20 warning'],
    status: 'alerting',
  },
  {
    name: 'a ratio at the critical ratio when opening opens as critical',
    observations: span(0, 60, 2),
    events: ['opened@30 critical'],
    status: 'alerting',
  },
  {
    name: 'escalation to critical is reported once and never de-escalates',
    observations: [...span(0, 40, 1.5), ...span(50, 50, 2.5), ...span(60, 80, 1.5), ...span(90, 90, 3)],
    events: ['opened@30 warning', 'escalated@50 critical'],
    status: 'alerting',
  },
  {
    name: 'a ratio between the hysteresis factor and 1 does not resolve',
    observations: [...span(0, 30, 1.5), ...span(40, 1000, 0.9)],
    events: ['opened@30 warning'],
    status: 'alerting',
  },
  {
    name: 'an alert resolves after clearBelowMs below the hysteresis factor',
    observations: [...span(0, 30, 1.5), ...span(40, 100, 0.5)],
    events: ['opened@30 warning', 'resolved@100 warning recovered'],
    status: 'cooldown',
  },
  {
    name: 'a clearing run interrupted above the hysteresis factor starts over',
    observations: [...span(0, 30, 1.5), ...span(40, 50, 0.5), ...span(60, 60, 0.9), ...span(70, 130, 0.5)],
    events: ['opened@30 warning', 'resolved@130 warning recovered'],
    status: 'cooldown',
  },
  {
    name: 'a ratio below fastClearRatio resolves after fastClearMs instead of clearBelowMs',
    config: { ...baseConfig, fastClearRatio: 0.3, fastClearMs: 20_000 },
    observations: [...span(0, 30, 1.5), ...span(40, 150, 0.2)],
    events: ['opened@30 warning', 'resolved@60 warning recovered'],
    status: 'cooldown',
  },
  {
    name: 'a ratio below the hysteresis factor but not below fastClearRatio still waits clearBelowMs',
    config: { ...baseConfig, fastClearRatio: 0.3, fastClearMs: 20_000 },
    observations: [...span(0, 30, 1.5), ...span(40, 200, 0.3)],
    events: ['opened@30 warning', 'resolved@100 warning recovered'],
    status: 'cooldown',
  },
  {
    name: 'the fast clear counts the whole run below the hysteresis factor',
    // clearing since 40 at 0.5; the ratio falls below 0.3 at 70, 30 s into the run
    config: { ...baseConfig, fastClearRatio: 0.3, fastClearMs: 20_000 },
    observations: [...span(0, 30, 1.5), ...span(40, 60, 0.5), ...span(70, 150, 0.1)],
    events: ['opened@30 warning', 'resolved@70 warning recovered'],
    status: 'cooldown',
  },
  {
    name: 'a run above the hysteresis factor restarts the fast clear too',
    config: { ...baseConfig, fastClearRatio: 0.3, fastClearMs: 20_000 },
    observations: [...span(0, 30, 1.5), ...span(40, 50, 0.1), ...span(60, 60, 0.9), ...span(70, 200, 0.1)],
    events: ['opened@30 warning', 'resolved@90 warning recovered'],
    status: 'cooldown',
  },
  {
    name: 'without fastClearRatio (the default) a ratio of 0 still waits clearBelowMs',
    observations: [...span(0, 30, 1.5), ...span(40, 200, 0)],
    events: ['opened@30 warning', 'resolved@100 warning recovered'],
    status: 'cooldown',
  },
  {
    name: 'not above the clear duration yet reports clearing',
    observations: [...span(0, 30, 1.5), ...span(40, 90, 0.5)],
    events: ['opened@30 warning'],
    status: 'clearing',
  },
  {
    name: 'cooldown holds off reopening; the run toward opening starts when it ends',
    // resolved at 100 → cooldown until 220; pending from 220; opens at 250
    observations: [...span(0, 30, 1.5), ...span(40, 100, 0.5), ...span(110, 300, 1.5)],
    events: ['opened@30 warning', 'resolved@100 warning recovered', 'opened@250 warning'],
    status: 'alerting',
  },
  {
    name: 'flapping is detected at the resolve that exceeds maxTransitions and damped until quiet',
    // transitions: open 0, resolve 20, open 30, resolve 50 (4th > 3: held, flapping);
    // the undamped lifecycle keeps flapping until its last resolve at 290, so
    // the window is quiet from 890 on.
    config: { ...flapConfig, flapping: { enabled: true, windowMs: 600_000, maxTransitions: 3 } },
    observations: [...flap(0, 10), ...span(300, 1000, 0.5)],
    events: [
      'opened@0 warning',
      'resolved@20 warning recovered',
      'opened@30 warning',
      'flapping_started@50 warning',
      'flapping_ended@890 warning',
      'resolved@890 warning recovered',
    ],
    status: 'normal',
  },
  {
    name: 'flapping detected on an open that exceeds maxTransitions holds the new alert open',
    config: { ...flapConfig, flapping: { enabled: true, windowMs: 600_000, maxTransitions: 2 } },
    observations: [...flap(0, 2), ...span(60, 700, 0.5)],
    // open 0, resolve 20, open 30 (3rd > 2); last undamped resolve at 50 → quiet at 650
    events: [
      'opened@0 warning',
      'resolved@20 warning recovered',
      'opened@30 warning',
      'flapping_started@30 warning',
      'flapping_ended@650 warning',
      'resolved@650 warning recovered',
    ],
    status: 'normal',
  },
  {
    name: 'a flapping alert that settles above threshold stays open as a plain alert',
    config: { ...flapConfig, flapping: { enabled: true, windowMs: 600_000, maxTransitions: 3 } },
    // last undamped transition: the open at 120 → quiet at 720
    observations: [...flap(0, 4), ...span(120, 900, 1.5)],
    events: [
      'opened@0 warning',
      'resolved@20 warning recovered',
      'opened@30 warning',
      'flapping_started@50 warning',
      'flapping_ended@720 warning',
    ],
    status: 'alerting',
  },
  {
    name: 'with flapping disabled every cycle opens and resolves',
    config: { ...flapConfig, flapping: { enabled: false, windowMs: 600_000, maxTransitions: 3 } },
    observations: flap(0, 3),
    events: [
      'opened@0 warning',
      'resolved@20 warning recovered',
      'opened@30 warning',
      'resolved@50 warning recovered',
      'opened@60 warning',
      'resolved@80 warning recovered',
    ],
    status: 'normal',
  },
  {
    name: 'a gap suppresses alerts however high the ratio',
    observations: span(0, 300, 5, 'gap'),
    events: [],
    status: 'gap',
  },
  {
    name: 'unknown windows and unscored windows suppress alerts',
    observations: [...span(0, 100, 5, 'unknown'), ...span(110, 300, null)],
    events: [],
    status: 'unknown',
  },
  {
    name: 'a gap restarts the run toward opening',
    observations: [...span(0, 20, 1.5), ...span(30, 30, 1.5, 'gap'), ...span(40, 70, 1.5)],
    events: ['opened@70 warning'],
    status: 'alerting',
  },
  {
    name: 'an open alert survives a gap shorter than staleAfterMs, then clears on real data',
    observations: [...span(0, 30, 1.5), ...span(40, 500, null, 'gap'), ...span(510, 570, 0.5)],
    events: ['opened@30 warning', 'resolved@570 warning recovered'],
    status: 'cooldown',
  },
  {
    name: 'an open alert resolves as data_stale once only gaps came for staleAfterMs',
    observations: [...span(0, 30, 1.5), ...span(40, 1000, null, 'gap')],
    events: ['opened@30 warning', 'resolved@640 warning data_stale'],
    status: 'gap',
  },
  {
    name: 'with staleAfterMs 0 an open alert survives any gap',
    config: { ...baseConfig, staleAfterMs: 0 },
    observations: [...span(0, 30, 1.5), ...span(40, 1000, null, 'unknown'), ...span(1010, 1070, 0.5)],
    events: ['opened@30 warning', 'resolved@1070 warning recovered'],
    status: 'cooldown',
  },
  {
    name: 'an open alert does not escalate on a gap',
    observations: [...span(0, 30, 1.5), ...span(40, 100, 9, 'gap')],
    events: ['opened@30 warning'],
    status: 'gap',
  },
  {
    name: 'an asset that is off is neither scored nor alerted',
    observations: span(0, 300, 5, 'off'),
    events: [],
    status: 'off',
  },
  {
    name: 'an open alert resolves as machine_off once the machine is off for clearBelowMs',
    observations: [...span(0, 30, 1.5), ...span(40, 200, null, 'off')],
    events: ['opened@30 warning', 'resolved@100 warning machine_off'],
    status: 'off',
  },
  {
    name: 'a short stop keeps the alert open with no events',
    observations: [...span(0, 30, 1.5), ...span(40, 80, null, 'off'), ...span(90, 300, 1.5)],
    events: ['opened@30 warning'],
    status: 'alerting',
  },
  {
    name: 'a silence keeps alerts from opening; the run starts when it ends',
    observations: [...span(0, 100, 3, 'silenced'), ...span(110, 150, 3)],
    events: ['opened@140 critical'],
    status: 'alerting',
  },
  {
    name: 'a silenced open alert does not escalate but can still resolve',
    observations: [...span(0, 30, 1.5), ...span(40, 50, 3, 'silenced'), ...span(60, 120, 0.5, 'silenced')],
    events: ['opened@30 warning', 'resolved@120 warning recovered'],
    status: 'silenced',
  },
  {
    name: 'maintenance keeps alerts from opening',
    observations: span(0, 300, 5, 'maintenance'),
    events: [],
    status: 'maintenance',
  },
  {
    name: 'an open alert resolves as maintenance once maintenance lasted clearBelowMs',
    observations: [...span(0, 30, 1.5), ...span(40, 100, 5, 'maintenance')],
    events: ['opened@30 warning', 'resolved@100 warning maintenance'],
    status: 'maintenance',
  },
];

describe('alert lifecycle', () => {
  it.each(rows)('$name', (row) => {
    const { state, events } = run(row.observations, configOf(row.config ?? baseConfig));
    expect(events.map(brief)).toEqual(row.events);
    expect(state.assets[asset].status).toBe(row.status);
  });

  it('gives every event of one alert the same deterministic id and a unique event id', () => {
    const observations = [
      ...span(0, 40, 1.5),
      ...span(50, 50, 2.5),
      ...span(60, 130, 0.5),
      ...span(240, 300, 1.5),
    ];
    const first = run(observations, configOf(baseConfig)).events;
    const second = run(observations, configOf(baseConfig)).events;
    expect(second).toEqual(first);
    expect(first.map((e) => e.id)).toEqual(['pump-1-30000', 'pump-1-30000', 'pump-1-30000', 'pump-1-270000']);
    expect(new Set(first.map((e) => e.eventId)).size).toBe(first.length);
    expect(first[2]).toMatchObject({ type: 'resolved', peakRatio: 2.5, startedAtMs: 0, openedAtMs: 30_000 });
    expect(first[0].topChannels).toEqual(top);
  });

  it('emits events of the documented shape', () => {
    const observations = [...span(0, 20, 1.2), ...span(30, 30, 1.6), ...span(40, 100, 0.5)];
    const { events } = run(observations, configOf(baseConfig));
    for (const event of events) expect(alertEventSchema.parse(event)).toEqual(event);
    expect(events).toEqual([
      {
        eventId: 'pump-1-30000/opened/30000',
        id: 'pump-1-30000',
        assetId: 'pump-1',
        type: 'opened',
        severity: 'warning',
        ratio: 1.6,
        peakRatio: 1.6,
        topChannels: top,
        atMs: 30_000,
        openedAtMs: 30_000,
        startedAtMs: 0,
        flapping: false,
      },
      {
        eventId: 'pump-1-30000/resolved/100000',
        id: 'pump-1-30000',
        assetId: 'pump-1',
        type: 'resolved',
        severity: 'warning',
        ratio: 0.5,
        peakRatio: 1.6,
        topChannels: top,
        atMs: 100_000,
        openedAtMs: 30_000,
        startedAtMs: 0,
        flapping: false,
        reason: 'recovered',
      },
    ]);
  });

  it('ignores observations at or before the last one, so a replay adds nothing', () => {
    const config = configOf(baseConfig);
    const once = run(span(0, 100, 1.5), config);
    const replay = run(span(0, 100, 1.5), config, once.state);
    expect(once.events).toHaveLength(1);
    expect(replay.events).toEqual([]);
    expect(replay.state).toBe(once.state);
  });

  it('keeps assets apart', () => {
    const config = configOf(baseConfig);
    let state = createAlertLifecycleState();
    const events: AlertEvent[] = [];
    for (const o of span(0, 60, 1.5)) {
      for (const [assetId, obs] of [
        ['pump-1', o],
        ['pump-2', { ...o, ratio: 0.1 }],
      ] as const) {
        const step = stepAlertLifecycle(state, observation(obs, assetId), obs.t * 1000, config);
        state = step.state;
        events.push(...step.events);
      }
    }
    expect(events.map((e) => e.assetId)).toEqual(['pump-1']);
    expect(state.assets['pump-2'].status).toBe('normal');
  });

  it('never mutates the state it was given', () => {
    const config = configOf(baseConfig);
    const { state } = run(span(0, 30, 1.5), config);
    const before = serialiseAlertState(state);
    stepAlertLifecycle(state, observation({ t: 40, ratio: 5, flags: [] }), 40_000, config);
    expect(serialiseAlertState(state)).toBe(before);
  });

  it('restored mid-alert at any point, gives exactly the events of never stopping', () => {
    const config = configOf({
      ...flapConfig,
      flapping: { enabled: true, windowMs: 600_000, maxTransitions: 3 },
    });
    const observations = [
      ...span(0, 40, 0.5),
      ...flap(50, 6, 2.5),
      ...span(230, 260, null, 'gap'),
      ...span(270, 900, 1.2),
      ...span(910, 990, 0.1, 'off'),
      ...span(1000, 1100, 3),
      ...span(1110, 1300, 0.2, 'silenced'),
    ];
    const uninterrupted = run(observations, config);
    expect(uninterrupted.events.length).toBeGreaterThan(5);
    for (let cut = 1; cut < observations.length; cut += 7) {
      const before = run(observations.slice(0, cut), config);
      const restored = restoreAlertState(serialiseAlertState(before.state));
      const after = run(observations.slice(cut), config, restored);
      expect([...before.events, ...after.events]).toEqual(uninterrupted.events);
      expect(after.state).toEqual(uninterrupted.state);
    }
  });

  it('rejects a non-finite ratio, naming the asset', () => {
    try {
      stepAssetAlert(undefined, observation({ t: 0, ratio: Number.NaN, flags: [] }), 0, configOf(baseConfig));
      expect.unreachable('accepted a NaN ratio');
    } catch (err) {
      expect(isPipelineError(err, 'DETECTOR_INPUT_INVALID')).toBe(true);
      expect((err as Error).message).toContain('"pump-1"');
    }
  });

  it('refuses a persisted state of another version or shape', () => {
    for (const [text, fragment] of [
      ['{"version":2,"assets":{}}', 'version 2'],
      ['{"version":1,"assets":{"a":{"assetId":"a"}}}', 'schema'],
      ['not json', 'JSON'],
    ]) {
      try {
        restoreAlertState(text);
        expect.unreachable(`restored ${text}`);
      } catch (err) {
        expect(isPipelineError(err, 'DETECTOR_STATE_INCOMPATIBLE')).toBe(true);
        expect((err as Error).message).toContain(fragment);
      }
    }
  });

  it('keeps its invariants and its restore equivalence on random sequences', () => {
    const flagArb = fc.constantFrom<Flag[]>(
      [],
      [],
      [],
      ['gap'],
      ['unknown'],
      ['off'],
      ['silenced'],
      ['maintenance'],
    );
    const stepArb = fc.record({
      dtSec: fc.integer({ min: 1, max: 40 }),
      ratio: fc.oneof(fc.constant(null), fc.double({ min: 0, max: 4, noNaN: true })),
      flags: flagArb,
    });
    const config = configOf({
      ...flapConfig,
      flapping: { enabled: true, windowMs: 300_000, maxTransitions: 3 },
    });
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 150 }), fc.nat(), (steps, cutSeed) => {
        let t = 0;
        const observations = steps.map((step) => {
          t += step.dtSec;
          return { t, ratio: step.ratio, flags: step.flags };
        });
        const { events } = run(observations, config);
        let openId: string | null = null;
        let flapping = false;
        const escalated = new Set<string>();
        for (const event of events) {
          if (event.type === 'opened') {
            expect(openId).toBeNull();
            openId = event.id;
          } else {
            expect(event.id).toBe(openId);
          }
          if (event.type === 'escalated') {
            expect(escalated.has(event.id)).toBe(false);
            expect(event.severity).toBe('critical');
            escalated.add(event.id);
          }
          if (event.type === 'flapping_started') {
            expect(flapping).toBe(false);
            flapping = true;
          }
          if (event.type === 'flapping_ended') {
            expect(flapping).toBe(true);
            flapping = false;
          }
          if (event.type === 'resolved') {
            expect(flapping).toBe(false);
            openId = null;
          }
        }
        const cut = cutSeed % observations.length;
        const before = run(observations.slice(0, cut), config);
        const after = run(
          observations.slice(cut),
          config,
          restoreAlertState(serialiseAlertState(before.state)),
        );
        expect([...before.events, ...after.events]).toEqual(events);
      }),
      { seed: 7, numRuns: 300 },
    );
  });
});
