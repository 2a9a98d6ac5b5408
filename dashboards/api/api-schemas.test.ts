// Request bodies as the API receives them: defaults, and errors that name the field at fault.
import { describe, expect, it } from 'vitest';
import { labelBodySchema, maxSilenceMs, silenceBodySchema } from './api-schemas.js';

const body = { assetPattern: 'pump-*', fromMs: 1_000, toMs: 2_000, kind: 'normal', reason: 'new impeller' };

function issuePaths(
  input: unknown,
  schema: typeof labelBodySchema | typeof silenceBodySchema = labelBodySchema,
) {
  const result = schema.safeParse(input);
  if (result.success) return [];
  return result.error.issues.map((i) => i.path.join('.'));
}

describe('labelBodySchema', () => {
  it('accepts a body and fills createdBy with "api"', () => {
    expect(labelBodySchema.parse(body).createdBy).toBe('api');
    expect(labelBodySchema.parse({ ...body, createdBy: 'alice' }).createdBy).toBe('alice');
  });

  it.each([
    ['toMs equal to fromMs', { ...body, toMs: 1_000 }, 'toMs'],
    ['toMs before fromMs', { ...body, toMs: 500 }, 'toMs'],
    ['an empty reason', { ...body, reason: '' }, 'reason'],
    ['a blank reason', { ...body, reason: '   ' }, 'reason'],
    ['an unknown kind', { ...body, kind: 'abnormal' }, 'kind'],
    ['an empty asset pattern', { ...body, assetPattern: '' }, 'assetPattern'],
    ['a fractional fromMs', { ...body, fromMs: 1.5 }, 'fromMs'],
    ['a missing toMs', { ...body, toMs: undefined }, 'toMs'],
    ['an unknown key', { ...body, note: 'x' }, ''],
  ])('rejects %s, naming the field', (_name, input, path) => {
    expect(issuePaths(input)).toContain(path);
  });

  it('says why toMs is refused', () => {
    const result = labelBodySchema.safeParse({ ...body, toMs: 1_000 });
    expect(result.error?.issues[0]?.message).toMatch(/toMs must be later than fromMs/);
  });
});

describe('silenceBodySchema', () => {
  it('takes a duration or an end, with an empty reason and "api" as the author by default', () => {
    expect(silenceBodySchema.parse({ asset: 'pump-1', durationMs: 60_000 })).toEqual({
      asset: 'pump-1',
      durationMs: 60_000,
      reason: '',
      createdBy: 'api',
    });
    expect(silenceBodySchema.safeParse({ asset: 'pump-1', untilMs: 5 }).success).toBe(true);
  });

  it('refuses both or neither of duration and end, and a duration over the longest silence', () => {
    expect(silenceBodySchema.safeParse({ asset: 'pump-1', durationMs: 1, untilMs: 2 }).success).toBe(false);
    expect(silenceBodySchema.safeParse({ asset: 'pump-1' }).success).toBe(false);
    expect(issuePaths({ asset: 'pump-1', durationMs: maxSilenceMs + 1 }, silenceBodySchema)).toContain(
      'durationMs',
    );
  });
});
