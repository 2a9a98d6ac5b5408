// Suppression facts: maintenance windows across time zones and midnight, silences, machine-off rules.
import { describe, expect, it } from 'vitest';
import { isPipelineError } from '../core/index.js';
import { detectorConfigSchema } from './config.js';
import {
  evaluateMachineOff,
  findMaintenance,
  findSilence,
  isWindowActive,
  pruneSilences,
} from './suppression.js';

const parse = (section: Record<string, unknown>) => detectorConfigSchema.parse(section);
const at = (iso: string) => Date.parse(iso);

describe('maintenance windows', () => {
  const { maintenance } = parse({
    maintenance: [
      { type: 'interval', asset: 'pump-1', start: '2026-03-02T08:00:00Z', end: '2026-03-02T10:00:00Z' },
      // Tuesdays 22:00 to Wednesday 02:00 Berlin time.
      {
        type: 'weekly',
        asset: 'press-*',
        days: ['tue'],
        from: '22:00',
        to: '02:00',
        timezone: 'Europe/Berlin',
      },
      { type: 'weekly', asset: 'fan-*', days: ['sat', 'sun'], from: '06:00', to: '18:00' },
    ],
  });

  it.each([
    ['pump-1', '2026-03-02T07:59:59Z', false],
    ['pump-1', '2026-03-02T08:00:00Z', true],
    ['pump-1', '2026-03-02T09:59:59Z', true],
    ['pump-1', '2026-03-02T10:00:00Z', false],
    ['pump-2', '2026-03-02T09:00:00Z', false],
    // 2026-03-03 is a Tuesday; Berlin is UTC+1 in March before the DST change.
    ['press-4', '2026-03-03T20:59:00Z', false],
    ['press-4', '2026-03-03T21:00:00Z', true],
    ['press-4', '2026-03-04T00:59:00Z', true],
    ['press-4', '2026-03-04T01:00:00Z', false],
    // Monday night is not covered: the window starts on Tuesdays only.
    ['press-4', '2026-03-02T21:30:00Z', false],
    // In summer Berlin is UTC+2: 22:00 local is 20:00Z.
    ['press-4', '2026-07-07T20:00:00Z', true],
    ['press-4', '2026-07-07T19:59:00Z', false],
    ['fan-9', '2026-03-07T06:00:00Z', true],
    ['fan-9', '2026-03-08T17:59:00Z', true],
    ['fan-9', '2026-03-09T12:00:00Z', false],
  ])('%s at %s is in maintenance: %s', (assetId, iso, expected) => {
    expect(findMaintenance(assetId, at(iso), maintenance) !== undefined).toBe(expected);
  });

  it('returns the window that matched', () => {
    expect(isWindowActive(maintenance[0], at('2026-03-02T09:00:00Z'))).toBe(true);
    expect(findMaintenance('pump-1', at('2026-03-02T09:00:00Z'), maintenance)).toBe(maintenance[0]);
  });
});

describe('silences', () => {
  const silences = [
    { assetPattern: 'pump-*', untilMs: 1_000, reason: 'sensor swap', createdBy: 'ops' },
    { assetPattern: 'fan-2', untilMs: 5_000, reason: 'noisy', createdBy: 'ops' },
  ];

  it('match by pattern until they expire', () => {
    expect(findSilence('pump-3', 999, silences)?.reason).toBe('sensor swap');
    expect(findSilence('pump-3', 1_000, silences)).toBeUndefined();
    expect(findSilence('fan-2', 4_999, silences)?.reason).toBe('noisy');
    expect(findSilence('fan-3', 0, silences)).toBeUndefined();
  });

  it('are pruned once expired', () => {
    expect(pruneSilences(silences, 1_000).map((s) => s.assetPattern)).toEqual(['fan-2']);
  });
});

describe('evaluateMachineOff', () => {
  const { machineOff } = parse({
    machineOff: [
      { asset: 'pump-*', channel: 'speed', below: 100 },
      { asset: 'kiln-*', channel: 'temp', below: 200, above: 1400 },
    ],
  });
  const frame = (channels: string[], values: number[]) => ({ channels, values });

  it.each([
    ['pump-1', ['temp', 'speed'], [50, 99.9], true],
    ['pump-1', ['temp', 'speed'], [50, 100], false],
    ['pump-1', ['temp', 'speed'], [50, Number.NaN], false],
    ['kiln-1', ['temp'], [150], true],
    ['kiln-1', ['temp'], [1500], true],
    ['kiln-1', ['temp'], [800], false],
    ['fan-1', ['rpm'], [0], false],
  ])('%s with %j = %j is off: %s', (assetId, channels, values, expected) => {
    expect(evaluateMachineOff(assetId, frame(channels, values), machineOff).off).toBe(expected);
  });

  it('reports the rule and the value that found the machine off', () => {
    const verdict = evaluateMachineOff('pump-1', frame(['speed'], [10]), machineOff);
    expect(verdict).toEqual({ off: true, rule: machineOff[0], value: 10 });
  });

  it('rejects a rule naming a channel the asset lacks, naming the channel', () => {
    try {
      evaluateMachineOff('pump-1', frame(['temp'], [1]), machineOff);
      expect.unreachable('accepted a missing channel');
    } catch (err) {
      expect(isPipelineError(err, 'DETECTOR_INPUT_INVALID')).toBe(true);
      expect((err as Error).message).toContain('"speed"');
    }
  });
});
