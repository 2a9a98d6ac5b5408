// A second model kind for tests: per channel, the mean and standard deviation of the training rows.
// Its reconstruction is the mean, so a residual is how many σ a value lies from it. It plugs in
// through the model-kind contract alone, which is what the tests that use it show.
import type {
  ArtifactRecord,
  ModelKind,
  StoredManifest,
  StoredModel,
  TrainedModel,
  WindowReconstructor,
} from '../../core/index.js';
import { PipelineError } from '../../core/index.js';
import { encodeKindArtifact, type ManifestFields } from '../../model/index.js';

export const meanSigmaKindName = 'mean-sigma-baseline';

/** Windows (T, C) in sensor units → residuals (x − mean) / σ; the reconstruction is 0 in those units. */
function meanSigmaReconstructor(mean: Float32Array, sigma: Float32Array, T: number): WindowReconstructor {
  const C = mean.length;
  const reconstruction = new Float32Array(T * C);
  const residuals = new Float32Array(T * C);
  return {
    reconstruct(values) {
      for (let i = 0; i < T * C; i++) residuals[i] = (values[i]! - mean[i % C]!) / sigma[i % C]!;
      return { reconstruction, residuals };
    },
  };
}

/** Mean and σ of the finite values of each channel of rows (N, C); σ has a small floor. */
function channelMoments(rows: Float32Array, C: number): { mean: Float32Array; sigma: Float32Array } {
  const mean = new Float32Array(C);
  const sigma = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    let n = 0;
    let sum = 0;
    let squares = 0;
    for (let i = c; i < rows.length; i += C) {
      const v = rows[i]!;
      if (!Number.isFinite(v)) continue;
      n += 1;
      sum += v;
      squares += v * v;
    }
    const m = n > 0 ? sum / n : 0;
    mean[c] = m;
    sigma[c] = Math.max(Math.sqrt(Math.max(0, squares / Math.max(1, n) - m * m)), 1e-6);
  }
  return { mean, sigma };
}

export function createMeanSigmaKind(): ModelKind {
  return {
    kind: meanSigmaKindName,
    async train(input): Promise<TrainedModel> {
      const C = input.channels.length;
      const { mean, sigma } = channelMoments(input.rows, C);
      const normalizer = { center: [...mean], scale: [...sigma] };
      const params = new Float32Array(2 * C);
      params.set(mean, 0);
      params.set(sigma, C);
      return {
        normalizer,
        summary: {
          lossCurve: [{ epoch: 1, trainLoss: 1, validationLoss: null }],
          bestEpoch: 1,
          bestLoss: 1,
          epochsRun: 1,
          seed: 0,
        },
        reconstructor: meanSigmaReconstructor(mean, sigma, input.T),
        encode: (record: ArtifactRecord) =>
          encodeKindArtifact(
            {
              kind: meanSigmaKindName,
              dims: { C, T: input.T },
              params,
              tensors: [
                { name: 'mean', shape: [C] },
                { name: 'sigma', shape: [C] },
              ],
            },
            { ...record, normalizer, calibration: record.calibration as ManifestFields['calibration'] },
          ),
      };
    },
    createReconstructor(stored: StoredModel) {
      if (stored.manifest.kind !== meanSigmaKindName)
        throw new PipelineError('MODEL_ARTIFACT_INCOMPATIBLE', `not a ${meanSigmaKindName} artifact`);
      const C = stored.manifest.channels.length;
      return meanSigmaReconstructor(
        stored.params.subarray(0, C),
        stored.params.subarray(C, 2 * C),
        stored.manifest.window.lengthSteps,
      );
    },
    // The next training computes the moments afresh; there are no weights to carry over.
    canWarmStart: () => false,
    describe: (manifest: StoredManifest) =>
      `mean/σ baseline C=${manifest.channels.length} T=${manifest.window.lengthSteps}`,
  };
}
