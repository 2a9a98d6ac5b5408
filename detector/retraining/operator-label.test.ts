// Operator labels as the API receives them: defaults, and errors that name the field at fault.
import { describe, expect, it } from 'vitest';
import { operatorLabelInputSchema, operatorLabelSchema } from './operator-label.js';

const body = { assetPattern: 'pump-*', fromMs: 1_000, toMs: 2_000, kind: 'normal', reason: 'new impeller' };

function issuePaths(
  input: unknown,
  schema: typeof operatorLabelInputSchema | typeof operatorLabelSchema = operatorLabelInputSchema,
): string[] {
  const result = schema.safeParse(input);
  if (result.success) return [];
  return result.error.issues.map((i) => i.path.join('.'));
}

describe('operatorLabelInputSchema', () => {
  it('accepts a body and fills createdBy with "api"', () => {
    const label = operatorLabelInputSchema.parse(body);
    expect(label.createdBy).toBe('api');
    expect(operatorLabelInputSchema.parse({ ...body, createdBy: 'alice' }).createdBy).toBe('alice');
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
    const result = operatorLabelInputSchema.safeParse({ ...body, toMs: 1_000 });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/toMs must be later than fromMs/);
  });
});

describe('operatorLabelSchema', () => {
  it('accepts a stored label and requires id, createdBy and createdAtMs', () => {
    const stored = { ...body, id: 'l1', createdBy: 'api', createdAtMs: 5 };
    expect(operatorLabelSchema.parse(stored).id).toBe('l1');
    const { id: _id, createdAtMs: _at, ...rest } = stored;
    expect(issuePaths(rest, operatorLabelSchema).sort()).toEqual(['createdAtMs', 'id']);
  });
});
