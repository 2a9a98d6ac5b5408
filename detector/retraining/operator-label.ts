// Operator labels: a period an operator marked `not_normal` (never train on it)
// or `normal` (train on it even though alerts were open, e.g. the new operating
// point after an impeller change). Matched to assets by pattern, like silences.
import { z } from 'zod';

const labelFields = {
  assetPattern: z
    .string()
    .min(1)
    .describe(
      'An asset id, or a glob over asset ids where `*` matches any run of characters and `?` matches one character.',
    ),
  fromMs: z.int().describe('Start of the labelled period, milliseconds since the Unix epoch (inclusive).'),
  toMs: z.int().describe('End of the labelled period, milliseconds since the Unix epoch (exclusive).'),
  kind: z
    .enum(['not_normal', 'normal'])
    .describe(
      '`not_normal`: never train on this period; `normal`: train on it even where alerts were open (gaps, maintenance, silences and `not_normal` labels still exclude).',
    ),
  reason: z.string().trim().min(1).describe('Why the period is labelled; shown to operators.'),
};

const toMsAfterFromMs = {
  message: 'toMs must be later than fromMs (the period is [fromMs, toMs), so it would be empty)',
  path: ['toMs'],
};

/** A stored label, as read back from the store. */
export const operatorLabelSchema = z
  .strictObject({
    id: z.string().min(1).describe('Stable label id.'),
    ...labelFields,
    createdBy: z.string().min(1).describe('Who labelled the period.'),
    createdAtMs: z.int().describe('When the label was created, milliseconds since the Unix epoch.'),
  })
  .refine((label) => label.toMs > label.fromMs, toMsAfterFromMs)
  .describe('A period an operator labelled as normal or not normal for retraining.');

export type OperatorLabel = z.infer<typeof operatorLabelSchema>;
export type OperatorLabelKind = OperatorLabel['kind'];
