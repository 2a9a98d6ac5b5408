// A text file written line by line through a stream, honouring back-pressure,
// with stream errors surfaced as SIMULATOR_PUBLISH_FAILED on the next call.
import { once } from 'node:events';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { PipelineError } from '../../core/index.js';

export interface LineFile {
  /** Appends `text` (one or more complete lines with their newlines). */
  write(text: string): Promise<void>;
  /** Flushes and closes the file. */
  close(): Promise<void>;
}

export function openLineFile(path: string, what: string): LineFile {
  const fail = (err: unknown): PipelineError =>
    new PipelineError(
      'SIMULATOR_PUBLISH_FAILED',
      `writing the ${what} ${path} failed: ${(err as Error).message}; check that the directory is writable.`,
      { cause: err, details: { path } },
    );
  let stream: WriteStream;
  try {
    mkdirSync(dirname(path), { recursive: true });
    stream = createWriteStream(path, { encoding: 'utf8' });
  } catch (err) {
    throw fail(err);
  }
  let failure: unknown;
  stream.on('error', (err) => {
    failure = err;
  });
  return {
    async write(text) {
      if (failure !== undefined) throw fail(failure);
      if (!stream.write(text)) {
        const waiting = new AbortController();
        try {
          const { signal } = waiting;
          await Promise.race([once(stream, 'drain', { signal }), once(stream, 'close', { signal })]);
        } catch (err) {
          throw fail(err);
        } finally {
          // Removes the listener of the event that did not happen.
          waiting.abort();
        }
        if (failure !== undefined) throw fail(failure);
      }
    },
    async close() {
      if (failure !== undefined) throw fail(failure);
      if (stream.closed) return;
      stream.end();
      try {
        await once(stream, 'close');
      } catch (err) {
        throw fail(err);
      }
      if (failure !== undefined) throw fail(failure);
    },
  };
}
