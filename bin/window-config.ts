// The window's length and hop are declared once, in `ingest.window.{T, hop}`: the model's
// `windowSteps`/`hopSteps` and the scorer's `hopSteps` are derived from it when the root config
// is parsed. Their old keys are accepted for one release (they must agree) and warned about.
import { z } from 'zod';
import { detectorConfigSchema, scoringSchema } from '../detector/index.js';
import { modelConfigObject } from '../model/index.js';
import { deprecatedMarker } from './deprecated-keys.js';

function deprecatedWindowKey(replacement: string) {
  return z
    .int()
    .positive()
    .optional()
    .describe(`${deprecatedMarker}${replacement}. Derived from it; if set it must equal it.`);
}

/** The model section with its window keys derived from `ingest.window`. */
export const modelSectionSchema = z
  .strictObject({
    ...modelConfigObject.shape,
    windowSteps: deprecatedWindowKey('ingest.window.T'),
    hopSteps: deprecatedWindowKey('ingest.window.hop'),
  })
  .describe(modelConfigObject.description ?? '');

/** The detector section with the scorer's hop derived from `ingest.window`. */
export const detectorSectionSchema = z
  .strictObject({
    ...detectorConfigSchema.shape,
    scoring: z
      .strictObject({ ...scoringSchema.shape, hopSteps: deprecatedWindowKey('ingest.window.hop') })
      .describe(scoringSchema.description ?? '')
      .prefault({}),
  })
  .describe(detectorConfigSchema.description ?? '');

interface WindowKeys {
  ingest: { window: { T: number; hop: number } };
  model: z.output<typeof modelSectionSchema>;
  detector: z.output<typeof detectorSectionSchema>;
}

/** The model needs T ≥ 2; a deprecated key that is set must agree with `ingest.window`. */
export function checkWindowKeys(c: WindowKeys, ctx: z.RefinementCtx): void {
  const { T, hop } = c.ingest.window;
  const issue = (path: string[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  if (T < 2 || T > 4096)
    issue(
      ['ingest', 'window', 'T'],
      `ingest.window.T (${T}) must be between 2 and 4096: the model's window length`,
    );
  const scoringHop =
    c.detector.scoring.aggregate === 'mse_last_hop' ? c.detector.scoring.hopSteps : undefined;
  const deprecated = [
    {
      path: ['model', 'windowSteps'],
      value: c.model.windowSteps,
      key: 'ingest.window.T',
      wanted: T,
      why: '',
    },
    { path: ['model', 'hopSteps'], value: c.model.hopSteps, key: 'ingest.window.hop', wanted: hop, why: '' },
    {
      path: ['detector', 'scoring', 'hopSteps'],
      value: scoringHop,
      key: 'ingest.window.hop',
      wanted: hop,
      why: ' so that every step is scored exactly once',
    },
  ];
  for (const { path, value, key, wanted, why } of deprecated) {
    if (value === undefined || value === wanted) continue;
    const name = path.join('.');
    const what = key.endsWith('.T') ? 'the window length' : 'the hop';
    issue(path, `${name} (${value}) must equal ${key} (${wanted})${why}; remove ${name}, ${what} is ${key}`);
  }
}

/** The parsed config with the model's and the scorer's window keys filled from `ingest.window`. */
export function deriveWindowKeys<C extends WindowKeys>(c: C) {
  const { T, hop } = c.ingest.window;
  return {
    ...c,
    model: { ...c.model, windowSteps: T, hopSteps: hop },
    detector: { ...c.detector, scoring: { ...c.detector.scoring, hopSteps: hop } },
  };
}
