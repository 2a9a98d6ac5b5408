import { describe, expect, it } from 'vitest';
import { mergeSections } from './eval-preset.js';

describe('eval preset merging', () => {
  it('merges objects key by key and replaces a variant with another `type`', () => {
    expect(mergeSections({ a: 1, b: { c: 2, d: 3 } }, { b: { d: 4 } })).toEqual({ a: 1, b: { c: 2, d: 4 } });
    expect(mergeSections({ type: 'quantile', q: 0.9 }, { type: 'dynamic' })).toEqual({ type: 'dynamic' });
  });
});
