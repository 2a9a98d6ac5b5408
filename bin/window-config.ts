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
  if (c.model.windowSteps !== undefined && c.model.windowSteps !== T)
    issue(
      ['model', 'windowSteps'],
      `model.windowSteps (${c.model.windowSteps}) must equal ingest.window.T (${T}); remove model.windowSteps, the window length is ingest.window.T`,
    );
  if (c.model.hopSteps !== undefined && c.model.hopSteps !== hop)
    issue(
      ['model', 'hopSteps'],
      `model.hopSteps (${c.model.hopSteps}) must equal ingest.window.hop (${hop}); remove model.hopSteps, the hop is ingest.window.hop`,
    );
  const scoringHop = c.detector.scoring.hopSteps;
  if (c.detector.scoring.aggregate === 'mse_last_hop' && scoringHop !== undefined && scoringHop !== hop)
    issue(
      ['detector', 'scoring', 'hopSteps'],
      `detector.scoring.hopSteps (${scoringHop}) must equal ingest.window.hop (${hop}) so that every step is scored exactly once; remove detector.scoring.hopSteps, the hop is ingest.window.hop`,
    );
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
