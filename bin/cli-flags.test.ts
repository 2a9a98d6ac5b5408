import { describe, expect, it } from 'vitest';
import { isPipelineError } from '../core/index.js';
import { type NumberFlagRule, numberFlag } from './cli-flags.js';

/** The error `numberFlag` throws, checked to be a CLI usage error about `flag`. */
function refusal(flag: string, text: string, rule?: NumberFlagRule): Error {
  try {
    numberFlag(flag, text, rule);
  } catch (err) {
    expect(isPipelineError(err, 'CLI_USAGE'), String(err)).toBe(true);
    if (isPipelineError(err)) expect(err.details).toEqual({ field: flag });
    return err as Error;
  }
  throw new Error(`--${flag} accepted "${text}"`);
}

describe('numberFlag', () => {
  it('accepts any finite number when no rule is given', () => {
    expect(numberFlag('start-ms', '1700000000000')).toBe(1_700_000_000_000);
    expect(numberFlag('rate', '-2.5')).toBe(-2.5);
    expect(numberFlag('rate', '0')).toBe(0);
    expect(numberFlag('rate', '1e3')).toBe(1000);
  });

  it('refuses text that is no finite number, whatever the rule', () => {
    for (const text of ['abc', '', '   ', 'NaN', 'Infinity', '-Infinity', '12abc', '1,5']) {
      expect(refusal('rate', text).message).toBe(`--rate must be a number, got "${text}"`);
      expect(refusal('limit', text, { integer: true, min: 1 }).message).toContain(`got "${text}"`);
      expect(refusal('hours', text, { positive: true }).message).toContain(`got "${text}"`);
    }
  });

  it('takes whole numbers within bounds and refuses fractions and values outside them', () => {
    const rule = { integer: true, min: 0, max: 65_535 };
    expect(numberFlag('port', '0', rule)).toBe(0);
    expect(numberFlag('port', '8080', rule)).toBe(8080);
    expect(numberFlag('port', '65535', rule)).toBe(65_535);
    for (const text of ['-1', '65536', '80.5', '', 'eighty']) {
      expect(refusal('port', text, rule).message).toBe(
        `--port must be a whole number from 0 to 65535, got "${text}"`,
      );
    }
  });

  it('takes whole numbers of at least the minimum', () => {
    const rule = { integer: true, min: 1 };
    expect(numberFlag('limit', '1', rule)).toBe(1);
    expect(numberFlag('limit', '1000', rule)).toBe(1000);
    for (const text of ['0', '-3', '2.5', 'x', '']) {
      expect(refusal('limit', text, rule).message).toBe(
        `--limit must be a whole number of at least 1, got "${text}"`,
      );
    }
  });

  it('takes numbers above zero for a positive flag, fractions included', () => {
    expect(numberFlag('lookback-hours', '168', { positive: true })).toBe(168);
    expect(numberFlag('lookback-hours', '0.25', { positive: true })).toBe(0.25);
    for (const text of ['0', '-3', 'abc', '']) {
      expect(refusal('lookback-hours', text, { positive: true }).message).toBe(
        `--lookback-hours must be a positive number, got "${text}"`,
      );
    }
  });

  it('honours a maximum on its own and fractional bounds', () => {
    expect(numberFlag('ratio', '0.5', { max: 1 })).toBe(0.5);
    expect(refusal('ratio', '1.5', { max: 1 }).message).toBe(
      '--ratio must be a number of at most 1, got "1.5"',
    );
    expect(numberFlag('ratio', '0.1', { min: 0.1, max: 0.9 })).toBe(0.1);
    expect(refusal('ratio', '0.95', { min: 0.1, max: 0.9 }).message).toBe(
      '--ratio must be a number from 0.1 to 0.9, got "0.95"',
    );
    expect(refusal('n', '0', { integer: true, positive: true }).message).toBe(
      '--n must be a positive whole number, got "0"',
    );
  });
});
