// The model registry on disk: versioned artifacts per model name and a
// `current` pointer changed atomically (write a temp file, fsync, rename), so
// a reader sees the old or the new current version, never a half-written one.
//
//   <registryDir>/<name>/versions/<version>/{manifest.json,weights.f32}
//   <registryDir>/<name>/current          (one line: the version)
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { PipelineError } from '../../core/errors.js';
import { type ArtifactBytes, type DecodedArtifact, decodeArtifact } from '../artifact.js';
import { readArtifactDir, writeArtifactDir } from './artifact-files.js';

const namePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function checkName(what: string, value: string): void {
  if (!namePattern.test(value)) {
    throw new PipelineError(
      'MODEL_ARTIFACT_INVALID',
      `${what} "${value}" is not usable as a folder name; use letters, digits, ".", "_" and "-" (at most 64)`,
      { details: { [what]: value } },
    );
  }
}

export interface LoadedModel extends DecodedArtifact {
  name: string;
  version: string;
}

export interface ModelRegistry {
  readonly dir: string;
  /** Writes a new version (not yet current) and returns its version string. */
  add(name: string, bytes: ArtifactBytes, version?: string): Promise<string>;
  /** Makes `version` the current one, atomically. */
  promote(name: string, version: string): Promise<void>;
  current(name: string): Promise<string | undefined>;
  /** Versions of a model, oldest first (versions sort by their time prefix). */
  versions(name: string): Promise<string[]>;
  names(): Promise<string[]>;
  /** Loads and validates a version (the current one when omitted); throws when there is none. */
  load(name: string, version?: string, expect?: { channels?: string[] }): Promise<LoadedModel>;
}

/** A sortable, unique version: UTC time to the millisecond plus a random suffix. */
export function newModelVersion(atMs: number): string {
  const stamp = new Date(atMs)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace('.', '')
    .replace('T', '-')
    .slice(0, 18);
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export function createModelRegistry(dir: string, nowMs: () => number = Date.now): ModelRegistry {
  const versionsDir = (name: string) => join(dir, name, 'versions');
  const current = async (name: string): Promise<string | undefined> => {
    checkName('model name', name);
    try {
      const text = (await readFile(join(dir, name, 'current'), 'utf8')).trim();
      return text === '' ? undefined : text;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  };
  return {
    dir,
    async add(name, bytes, version) {
      checkName('model name', name);
      const v = version ?? newModelVersion(nowMs());
      checkName('model version', v);
      decodeArtifact(bytes); // never store what cannot be loaded
      await mkdir(versionsDir(name), { recursive: true });
      await writeArtifactDir(join(versionsDir(name), v), bytes);
      return v;
    },
    async promote(name, version) {
      checkName('model name', name);
      checkName('model version', version);
      await readArtifactDir(join(versionsDir(name), version)).then((bytes) => decodeArtifact(bytes));
      const tmp = join(dir, name, `.current.tmp-${randomBytes(4).toString('hex')}`);
      const fh = await open(tmp, 'w');
      try {
        await fh.writeFile(`${version}\n`);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, join(dir, name, 'current'));
    },
    current,
    async versions(name) {
      checkName('model name', name);
      try {
        return (await readdir(versionsDir(name))).filter((v) => !v.startsWith('.')).sort();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw err;
      }
    },
    async names() {
      try {
        return (await readdir(dir, { withFileTypes: true }))
          .filter((e) => e.isDirectory() && namePattern.test(e.name))
          .map((e) => e.name)
          .sort();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw err;
      }
    },
    async load(name, version, expect = {}) {
      const v = version ?? (await current(name));
      if (v === undefined) {
        throw new PipelineError(
          'MODEL_ARTIFACT_INVALID',
          `model "${name}" has no current version in ${dir}; train one with \`gruwatch train\` first`,
          { details: { name, dir } },
        );
      }
      const bytes = await readArtifactDir(join(versionsDir(name), v));
      return { ...decodeArtifact(bytes, expect), name, version: v };
    },
  };
}
