// Exact and glob asset patterns.
import { describe, expect, it } from 'vitest';
import { matchesAssetPattern } from './asset-pattern.js';

describe('matchesAssetPattern', () => {
  it.each([
    ['pump-7', 'pump-7', true],
    ['pump-7', 'pump-70', false],
    ['pump-*', 'pump-70', true],
    ['pump-*', 'pump-', true],
    ['pump-*', 'fan-1', false],
    ['*-7', 'pump-7', true],
    ['p?mp-*', 'pamp-1', true],
    ['p?mp-*', 'pmp-1', false],
    ['*', '', true],
    ['a*b*c', 'axxbyyc', true],
    ['a*b*c', 'axxbyy', false],
    ['line.1/*', 'line.1/press', true],
    ['line.1/*', 'lineX1/press', false],
  ])('pattern %s against %s is %s', (pattern, assetId, expected) => {
    expect(matchesAssetPattern(pattern, assetId)).toBe(expected);
  });
});
