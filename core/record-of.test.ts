import { describe, expect, it } from 'vitest';
import { recordOf } from './record-of.js';

describe('recordOf', () => {
  const map = new Map([
    ['pump-1', 1],
    ['pump-2', 2],
  ]);

  it('writes every entry without keys, and only the named ones that exist with keys', () => {
    expect(recordOf(map, undefined, (v) => v * 10)).toEqual({ 'pump-1': 10, 'pump-2': 20 });
    expect(recordOf(map, ['pump-2', 'pump-9'], (v) => v * 10)).toEqual({ 'pump-2': 20 });
    expect(recordOf(map, [], (v) => v)).toEqual({});
  });
});
