// Dead letters as a bounded, rotating JSON-lines file: at most maxFiles files of
// about maxFileBytes each (path, path.1, … path.{maxFiles-1}); the oldest is
// deleted on rotation, so disk use is bounded whatever arrives.
import { type FileHandle, mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DeadLetter, DeadLetterWriter } from './dead-letter.js';

export interface FileDeadLetterOptions {
  path: string;
  maxFileBytes: number;
  maxFiles: number;
}

export function createFileDeadLetters(options: FileDeadLetterOptions): DeadLetterWriter {
  let handle: FileHandle | undefined;
  let sizeBytes = 0;
  // Writes are serialised so that rotation never interleaves with an append.
  let chain: Promise<void> = Promise.resolve();

  const openCurrent = async () => {
    await mkdir(dirname(options.path), { recursive: true });
    handle = await open(options.path, 'a');
    sizeBytes = (await handle.stat()).size;
  };

  const rotate = async () => {
    await handle?.close();
    handle = undefined;
    await rm(`${options.path}.${options.maxFiles - 1}`, { force: true });
    for (let n = options.maxFiles - 2; n >= 1; n--) {
      await rename(`${options.path}.${n}`, `${options.path}.${n + 1}`).catch(ignoreMissing);
    }
    if (options.maxFiles > 1) await rename(options.path, `${options.path}.1`).catch(ignoreMissing);
    else await rm(options.path, { force: true });
    await openCurrent();
  };

  const append = async (letter: DeadLetter) => {
    if (handle === undefined) await openCurrent();
    const line = Buffer.from(`${JSON.stringify(letter)}\n`);
    if (sizeBytes > 0 && sizeBytes + line.length > options.maxFileBytes) await rotate();
    await handle!.write(line);
    sizeBytes += line.length;
  };

  return {
    write(letter) {
      const result = chain.then(() => append(letter));
      chain = result.catch(() => {});
      return result;
    },
    async close() {
      await chain;
      await handle?.close();
      handle = undefined;
    },
  };
}

function ignoreMissing(err: NodeJS.ErrnoException): void {
  if (err.code !== 'ENOENT') throw err;
}
