// Operator labels as the store keeps them: the fields a stored label must have.
import { describe, expect, it } from 'vitest';
import { operatorLabelSchema } from './operator-label.js';

const body = { assetPattern: 'pump-*', fromMs: 1_000, toMs: 2_000, kind: 'normal', reason: 'new impeller' };

function issuePaths(input: unknown, schema: typeof operatorLabelSchema): string[] {
  const result = schema.safeParse(input);
  if (result.success) return [];
  return result.error.issues.map((i) => i.path.join('.'));
}

describe('operatorLabelSchema', () => {
  it('accepts a stored label and requires id, createdBy and createdAtMs', () => {
    const stored = { ...body, id: 'l1', createdBy: 'api', createdAtMs: 5 };
    expect(operatorLabelSchema.parse(stored).id).toBe('l1');
    const { id: _id, createdAtMs: _at, ...rest } = stored;
    expect(issuePaths(rest, operatorLabelSchema).sort()).toEqual(['createdAtMs', 'id']);
  });
});
