// Exact and glob asset patterns.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assetPatternsOverlap, matchesAssetPattern } from './asset-pattern.js';

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

describe('assetPatternsOverlap', () => {
  it.each([
    ['pump-*', 'pump-7', true],
    ['pump-*', 'fan-*', false],
    ['*', 'fan-*', true],
    ['*x', '*y', false],
    ['a*', '*b', true],
    ['p?mp-1', 'pump-?', true],
    ['pump-1', 'pump-2', false],
    ['line-*-a', 'line-2*', true],
  ])('%s and %s overlap: %s', (a, b, expected) => {
    expect(assetPatternsOverlap(a, b)).toBe(expected);
    expect(assetPatternsOverlap(b, a)).toBe(expected);
  });

  it('holds for every id matching both patterns', () => {
    const glob = fc.stringMatching(/^[ab*?]{0,5}$/);
    const id = fc.stringMatching(/^[ab]{0,6}$/);
    fc.assert(
      fc.property(glob, glob, fc.array(id, { maxLength: 20 }), (a, b, ids) => {
        if (ids.some((x) => matchesAssetPattern(a, x) && matchesAssetPattern(b, x)))
          expect(assetPatternsOverlap(a, b)).toBe(true);
      }),
    );
  });
});
