// The model registry on disk: versioned artifacts per model name and a
// `current` pointer changed atomically (write a temp file, fsync, rename), so
// a reader sees the old or the new current version, never a half-written one.
//
//   <registryDir>/<name>/versions/<version>/{manifest.json,weights.f32}
//   <registryDir>/<name>/current          (one line: the version)
//   <registryDir>/<name>/promotions       (one line per promotion: time in ms, version)
//
// The promotions log is what a rollback walks back: the version before the
// current one is the one that served before it, not merely an older file (a
// refused candidate is stored too, but never served). Every step that makes a
// change visible is synced (files, then the directory of a rename), so what a
// promotion reported survives a power loss. `prune` bounds the versions kept.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PipelineError } from '../../core/errors.js';
import {
  type ArtifactBytes,
  type DecodedArtifact,
  decodeKindArtifact as decodeArtifact,
} from '../artifact.js';
import { appendDurable, readArtifactDir, syncDir, writeArtifactDir, writeDurable } from './artifact-files.js';
import { previousVersion, rollBack } from './promotions-log.js';

const namePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function checkName(what: string, value: string): void {
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
  /** Makes `version` the current one, atomically; `rollback` marks a step back in the promotions log. */
  promote(name: string, version: string, how?: 'promote' | 'rollback'): Promise<void>;
  current(name: string): Promise<string | undefined>;
  /**
   * The version that served before the current one, from the promotions log; for a registry
   * without a log (written before it existed), the version before the current one in time order.
   */
  previous(name: string): Promise<string | undefined>;
  /** Makes `previous(name)` current again, logged as a rollback; throws when there is none. */
  rollback(name: string): Promise<{ from: string; to: string }>;
  /** Versions of a model, oldest first (versions sort by their time prefix). */
  versions(name: string): Promise<string[]>;
  names(): Promise<string[]>;
  /**
   * Removes old versions: keeps the `keepNewest` newest, the current one, the one that served
   * before it (the rollback target) and those in `protect` (a candidate awaiting approval or in
   * shadow). Returns the removed versions.
   */
  prune(name: string, options: { keepNewest: number; protect?: readonly string[] }): Promise<string[]>;
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
    async promote(name, version, how = 'promote') {
      checkName('model name', name);
      checkName('model version', version);
      await readArtifactDir(join(versionsDir(name), version)).then((bytes) => decodeArtifact(bytes));
      const tmp = join(dir, name, `.current.tmp-${randomBytes(4).toString('hex')}`);
      await writeDurable(tmp, `${version}\n`);
      await rename(tmp, join(dir, name, 'current'));
      await syncDir(join(dir, name));
      // After the pointer: a crash in between leaves a log one promotion short, never a log
      // naming a version that did not become current.
      await appendDurable(join(dir, name, 'promotions'), `${nowMs()} ${version} ${how}\n`);
    },
    current,
    async previous(name) {
      const now = await current(name);
      if (now === undefined) return undefined;
      let lines: string[] = [];
      try {
        lines = (await readFile(join(dir, name, 'promotions'), 'utf8'))
          .split('\n')
          .filter((l) => l.trim() !== '');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      return previousVersion(lines, now, () => this.versions(name).catch(() => [] as string[]));
    },
    async rollback(name) {
      return rollBack(this, name);
    },
    async versions(name) {
      checkName('model name', name);
      try {
        return (await readdir(versionsDir(name))).filter((v) => !v.startsWith('.')).sort();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw err;
      }
    },
    async prune(name, options) {
      const all = await this.versions(name);
      const keep = new Set([...all.slice(-Math.max(0, options.keepNewest)), ...(options.protect ?? [])]);
      const now = await current(name);
      if (now !== undefined) keep.add(now);
      const before = await this.previous(name);
      if (before !== undefined) keep.add(before);
      const removed = all.filter((v) => !keep.has(v));
      for (const v of removed) {
        // Renamed out of the listing first, so a crash mid-removal never leaves a half version.
        const trash = join(versionsDir(name), `.${v}.pruned-${randomBytes(4).toString('hex')}`);
        await rename(join(versionsDir(name), v), trash);
        await rm(trash, { recursive: true, force: true });
      }
      if (removed.length > 0) await syncDir(versionsDir(name));
      return removed;
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
