// Reads and writes an artifact directory (manifest.json + weights.f32). The only file I/O of the
// model; the bytes themselves are produced and validated by model/artifact.ts.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PipelineError } from '../../core/errors.js';
import type { ArtifactBytes } from '../artifact.js';

export const manifestFileName = 'manifest.json';
export const weightsFileName = 'weights.f32';

/** Writes the file and syncs it to disk before returning. */
export async function writeDurable(path: string, data: Uint8Array | string): Promise<void> {
  const fh = await open(path, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Syncs a directory, so the entries a rename or a new file put in it survive a power loss (a
 * rename is durable only once its directory is).
 */
export async function syncDir(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Appends to the file (created when missing) and syncs it before returning. */
export async function appendDurable(path: string, data: string): Promise<void> {
  const fh = await open(path, 'a');
  try {
    await fh.appendFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Writes both files into a fresh sibling directory, syncs them, then renames it into place, so a
 * reader sees either the old artifact or the new one, never a mix. An existing directory at `dir`
 * is moved aside first and removed after the swap.
 */
export async function writeArtifactDir(dir: string, bytes: ArtifactBytes): Promise<void> {
  const suffix = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmp = join(dirname(dir), `.${basename(dir)}.tmp-${suffix}`);
  const old = join(dirname(dir), `.${basename(dir)}.old-${suffix}`);
  await mkdir(tmp, { recursive: true });
  try {
    await writeDurable(join(tmp, weightsFileName), bytes.weightsBytes);
    await writeDurable(join(tmp, manifestFileName), bytes.manifestJson);
    let hadOld = false;
    try {
      await rename(dir, old);
      hadOld = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    await rename(tmp, dir);
    await syncDir(dirname(dir));
    if (hadOld) await rm(old, { recursive: true, force: true });
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw new PipelineError(
      'MODEL_ARTIFACT_INVALID',
      `could not write the model artifact to ${dir}; check that the directory is writable`,
      {
        cause: err,
        details: { dir },
      },
    );
  }
}

/** Reads the two files; decodeArtifact validates their content. */
export async function readArtifactDir(dir: string): Promise<ArtifactBytes> {
  const files = [manifestFileName, weightsFileName];
  for (const f of files) {
    try {
      await stat(join(dir, f));
    } catch (err) {
      throw new PipelineError(
        'MODEL_ARTIFACT_INVALID',
        `model artifact ${dir} has no ${f}; point the configuration at a directory written by gruwatch training`,
        {
          cause: err,
          details: { dir, file: f },
        },
      );
    }
  }
  const manifestJson = await readFile(join(dir, manifestFileName), 'utf8');
  const buf = await readFile(join(dir, weightsFileName));
  return { manifestJson, weightsBytes: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength) };
}
