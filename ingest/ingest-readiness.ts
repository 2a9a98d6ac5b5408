// Starting the sources in the background and saying, for `/readyz`, how far
// they are: connecting (retrying with back-off), connected, or failed for good
// (a configuration to fix), plus whatever keeps connected sources from progress.
import type { Logger } from '../core/index.js';
import type { Ingest } from './ingest-pipeline.js';

/** One line of the readiness answer. */
export interface IngestReadinessLine {
  name: string;
  ready: boolean;
  detail?: string;
}

export interface StartedIngest {
  /** Settles once the sources connected or failed permanently; never rejects. */
  readonly settled: Promise<void>;
  readiness(): IngestReadinessLine[];
}

export function startIngestInBackground(
  ingest: Pick<Ingest, 'start' | 'problems'>,
  logger: Logger,
): StartedIngest {
  let isReady = false;
  let failure: string | undefined;
  const settled = ingest.start().then(
    () => {
      isReady = true;
      logger.info('Sources connected; gruwatch is ready.');
    },
    (err: unknown) => {
      failure = err instanceof Error ? err.message : String(err);
      logger.error({ err }, 'A source failed permanently; fix the configuration and restart.');
    },
  );
  return {
    settled,
    readiness: () => [
      ...ingest.problems().map((detail) => ({ name: 'ingest.progress', ready: false, detail })),
      isReady
        ? { name: 'ingest', ready: true }
        : {
            name: 'ingest',
            ready: false,
            detail:
              failure === undefined
                ? 'connecting to the sources (retrying with back-off)'
                : `a source failed permanently: ${failure}; fix the configuration and restart`,
          },
    ],
  };
}
