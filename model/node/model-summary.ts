// What an operator checks before promoting a model version, read from its
// manifest: shape, training data and loss, threshold. One summary, printed as
// JSON or as aligned text by `gruwatch models show`.
import type { ArtifactManifest } from '../artifact.js';

export type ModelSummary = ReturnType<typeof summarizeManifest>;

function isoOrDash(ms: number | undefined): string {
  return ms === undefined ? '-' : new Date(ms).toISOString();
}

/** The summary an operator checks before promoting: shape, data, training and threshold. */
export function summarizeManifest(
  name: string,
  version: string,
  isCurrent: boolean,
  manifest: ArtifactManifest,
) {
  const training = manifest.training;
  const lastLoss = training?.lossCurve.at(-1);
  const best = training?.lossCurve.find((p) => p.epoch === training.bestEpoch);
  const calibration = manifest.calibration as { type?: unknown; value?: unknown; n?: unknown } | null;
  return {
    name,
    version,
    current: isCurrent,
    createdAt: manifest.createdAt,
    gruwatchVersion: manifest.gruwatchVersion,
    dims: manifest.dims,
    window: manifest.window,
    channels: manifest.channels,
    training:
      training === null
        ? null
        : {
            dataFrom: training.dataRange === null ? null : isoOrDash(training.dataRange.startMs),
            dataTo: training.dataRange === null ? null : isoOrDash(training.dataRange.endMs),
            windows: training.windows,
            epochs: training.epochs,
            bestEpoch: training.bestEpoch,
            trainLoss: (best ?? lastLoss)?.trainLoss ?? null,
            validationLoss: (best ?? lastLoss)?.validationLoss ?? null,
            seed: training.seed,
          },
    threshold:
      calibration === null
        ? null
        : {
            type: typeof calibration.type === 'string' ? calibration.type : 'unknown',
            value: typeof calibration.value === 'number' ? calibration.value : null,
            samples: typeof calibration.n === 'number' ? calibration.n : null,
          },
  };
}

/** The summary as aligned `label  value` lines. */
export function formatModelSummary(s: ModelSummary): string {
  const lines = [
    `model      ${s.name}`,
    `version    ${s.version}${s.current ? ' (current)' : ''}`,
    `created    ${s.createdAt ?? '-'} by gruwatch ${s.gruwatchVersion}`,
    `dims       C=${s.dims.C} T=${s.dims.T} H=${s.dims.H}; window ${s.window.lengthSteps} steps, hop ${s.window.hopSteps}`,
    `channels   ${s.channels.join(', ')}`,
  ];
  if (s.training === null) lines.push('training   (not recorded)');
  else {
    const t = s.training;
    lines.push(
      `data       ${t.dataFrom ?? '-'} .. ${t.dataTo ?? '-'}`,
      `training   ${t.windows} windows, ${t.epochs} epochs (best ${t.bestEpoch}), seed ${t.seed}`,
      `loss       train ${t.trainLoss ?? '-'}, validation ${t.validationLoss ?? '-'} (best epoch)`,
    );
  }
  lines.push(
    s.threshold === null
      ? 'threshold  (not calibrated; `gruwatch run` refuses this version)'
      : `threshold  ${s.threshold.value} (${s.threshold.type}${s.threshold.samples !== null ? `, ${s.threshold.samples} held-out windows` : ''})`,
  );
  return `${lines.join('\n')}\n`;
}
