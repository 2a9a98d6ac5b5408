// What the evaluation (detector/evaluation/run-evaluation.ts) reaches in the other rooms: the
// labelled CSV files and the live ingest path (ingest/), the model kind and its artifact reader (model/).
import type { EvaluationDeps } from '../../detector/index.js';
import {
  formatUtcDatetime,
  listCsvFiles,
  medianPeriodMs,
  parseLabeledCsv,
  replayLabeledSeries,
} from '../../ingest/index.js';
import { decodeKindArtifact, type ModelConfig } from '../../model/index.js';
import { fittingFor } from '../model-kinds.js';

/** The ports of one run; `seed` (`--seed`) replaces `model.training.seed`. */
export function evaluationDepsFor(model: ModelConfig, seed: number): EvaluationDeps {
  return {
    labeledFiles: {
      listCsvFiles,
      parseLabeledCsv,
      replay: replayLabeledSeries,
      medianPeriodMs,
      formatUtcDatetime,
    },
    fitting: {
      ...fittingFor({ ...model, training: { ...model.training, seed } }),
      decodeArtifact: (bytes, channels) => decodeKindArtifact(bytes, { channels: [...channels] }),
    },
  };
}
