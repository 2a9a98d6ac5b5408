import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isPipelineError } from '../core/errors.js';
import {
  type ArtifactBytes,
  decodeArtifact,
  decodeKindArtifact,
  encodeArtifact,
  encodeKindArtifact,
  type ManifestFields,
} from './artifact.js';
import { createAutoencoder } from './create-autoencoder.js';
import { readArtifactDir, writeArtifactDir } from './node/artifact-files.js';
import { sha256Hex } from './sha256.js';

const dims = { C: 3, T: 8, H: 5 };
const model = createAutoencoder(dims, { seed: 4, feeding: 'teacher-forcing' });
// Bit patterns a float round trip must keep: negative zero, subnormal, extremes.
model.params[0] = -0;
model.params[1] = 1.4e-45;
model.params[2] = 3.4028234663852886e38;
model.params[3] = 1 / 3;

const fields: ManifestFields = {
  channels: ['pump.flow', 'pump.pressure', 'motor.temp'],
  hopSteps: 2,
  normalizer: { center: [1, 2, 3], scale: [0.5, 1, 2] },
  calibration: { quantile: 0.99, threshold: 0.42, perChannel: [0.1, 0.2, 0.3] },
  training: {
    dataRange: { startMs: 1_700_000_000_000, endMs: 1_700_086_400_000 },
    windows: 1000,
    epochs: 12,
    bestEpoch: 9,
    lossCurve: [{ epoch: 1, trainLoss: 0.5, validationLoss: 0.6 }],
    seed: 4,
  },
  gruwatchVersion: '0.1.0',
  createdAt: '2026-01-01T00:00:00.000Z',
};

function errorOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    if (isPipelineError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected an error');
}

// biome-ignore lint/suspicious/noExplicitAny: the tests reach into arbitrary manifest fields
function withManifest(bytes: ArtifactBytes, edit: (m: Record<string, any>) => void): ArtifactBytes {
  const m = JSON.parse(bytes.manifestJson);
  edit(m);
  return { manifestJson: JSON.stringify(m), weightsBytes: bytes.weightsBytes };
}

describe('model artifact', () => {
  const bytes = encodeArtifact(model, fields);

  it('round-trips bit for bit: weights, feeding, dims, every manifest field', () => {
    const { model: back, manifest } = decodeArtifact(bytes, { channels: fields.channels });
    expect(Buffer.from(back.params.buffer).equals(Buffer.from(model.params.buffer))).toBe(true);
    expect(Object.is(back.params[0], -0)).toBe(true);
    expect(back.dims).toEqual(dims);
    expect(back.feeding).toBe('teacher-forcing');
    expect(manifest.calibration).toEqual(fields.calibration);
    expect(manifest.training).toEqual(fields.training);
    expect(manifest.normalizer).toEqual(fields.normalizer);
    const again = encodeArtifact(back, fields);
    expect(again.manifestJson).toBe(bytes.manifestJson);
    expect(Buffer.from(again.weightsBytes).equals(Buffer.from(bytes.weightsBytes))).toBe(true);
  });

  it('writes little-endian float32', () => {
    const view = new DataView(bytes.weightsBytes.buffer);
    expect(view.getFloat32(12, true)).toBe(Math.fround(1 / 3));
  });

  it('refuses truncated weights, naming the file and the byte counts', () => {
    const e = errorOf(() => decodeArtifact({ ...bytes, weightsBytes: bytes.weightsBytes.subarray(0, 100) }));
    expect(e.code).toBe('MODEL_ARTIFACT_INVALID');
    expect(e.message).toMatch(
      /weights\.f32 has 100 bytes but the manifest expects \d+; the file is truncated/,
    );
  });

  it('refuses a flipped bit in the weights by checksum', () => {
    const corrupt = bytes.weightsBytes.slice();
    corrupt[41] ^= 0x04;
    const e = errorOf(() => decodeArtifact({ ...bytes, weightsBytes: corrupt }));
    expect(e.code).toBe('MODEL_ARTIFACT_INVALID');
    expect(e.message).toMatch(/SHA-256 check.*restore the artifact from a good copy or retrain/);
  });

  it('refuses a non-finite weight even when the checksum matches it', () => {
    const nan = bytes.weightsBytes.slice();
    new DataView(nan.buffer).setFloat32(8 * 4, Number.NaN, true);
    const patched = withManifest({ ...bytes, weightsBytes: nan }, (m) => (m.weights.sha256 = sha256Hex(nan)));
    const e = errorOf(() => decodeArtifact(patched));
    expect(e.code).toBe('MODEL_ARTIFACT_INVALID');
    expect(e.message).toMatch(/non-finite value at index 8/);
  });

  it('refuses a manifest that is not JSON, or whose fields are wrong or inconsistent', () => {
    expect(
      errorOf(() => decodeArtifact({ ...bytes, manifestJson: bytes.manifestJson.slice(0, 50) })).message,
    ).toMatch(/not valid JSON/);
    const noScale = withManifest(bytes, (m) => delete m.normalizer.scale);
    expect(errorOf(() => decodeArtifact(noScale)).message).toMatch(/field normalizer\.scale is invalid/);
    const twoChannels = withManifest(bytes, (m) => m.channels.pop());
    expect(errorOf(() => decodeArtifact(twoChannels)).message).toMatch(
      /channels has 2 entries but dims\.C is 3/,
    );
    const otherH = withManifest(bytes, (m) => (m.dims.H = 6));
    expect(errorOf(() => decodeArtifact(otherH)).message).toMatch(
      /weights\.count \d+ .* does not fit dims C=3 T=8 H=6/,
    );
  });

  it('refuses another format version or another channel list as incompatible, saying what to do', () => {
    const v2 = withManifest(bytes, (m) => (m.formatVersion = 2));
    const e = errorOf(() => decodeArtifact(v2));
    expect(e.code).toBe('MODEL_ARTIFACT_INCOMPATIBLE');
    expect(e.message).toMatch(/format version 2 cannot be read by this gruwatch \(reads version 1\)/);
    const c = errorOf(() =>
      decodeArtifact(bytes, { channels: ['pump.flow', 'motor.temp', 'pump.pressure'] }),
    );
    expect(c.code).toBe('MODEL_ARTIFACT_INCOMPATIBLE');
    expect(c.message).toMatch(/trained for channels \[pump\.flow, pump\.pressure, motor\.temp\].*retrain/);
  });
});

describe('model kinds in the artifact', () => {
  const bytes = encodeArtifact(model, fields);
  const other = encodeKindArtifact(
    {
      kind: 'other-kind',
      dims: { C: 3, T: 8 },
      params: Float32Array.from([1, 2, 3, 4, 5, 6]),
      tensors: [
        { name: 'a', shape: [3] },
        { name: 'b', shape: [3] },
      ],
    },
    fields,
  );

  it('reads an artifact written before kinds as the GRU autoencoder', () => {
    expect(JSON.parse(bytes.manifestJson).kind).toBe('gru-autoencoder');
    const old = withManifest(bytes, (m) => {
      delete m.kind;
    });
    const back = decodeArtifact(old);
    expect(back.manifest.kind).toBeUndefined();
    expect(back.model.dims).toEqual(dims);
  });

  it("reads another kind's artifact by its envelope, and refuses it as a GRU autoencoder", () => {
    const back = decodeKindArtifact(other, { channels: fields.channels });
    expect(back.manifest.kind).toBe('other-kind');
    expect([...back.params]).toEqual([1, 2, 3, 4, 5, 6]);
    const e = errorOf(() => decodeArtifact(other));
    expect(e.code).toBe('MODEL_ARTIFACT_INCOMPATIBLE');
    expect(e.message).toMatch(/model kind "other-kind", not a GRU autoencoder/);
    const short = withManifest(other, (m) => {
      m.weights.tensors[1].shape = [2];
    });
    expect(errorOf(() => decodeKindArtifact(short)).message).toMatch(/does not fit weights\.tensors/);
  });
});

describe('artifact directory', () => {
  const root = mkdtempSync(join(tmpdir(), 'gruwatch-artifact-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('writes manifest.json and weights.f32, replaces an existing artifact and leaves no temporary files', async () => {
    const dir = join(root, 'model');
    await writeArtifactDir(dir, encodeArtifact(model, fields));
    const other = createAutoencoder(dims, { seed: 5 });
    await writeArtifactDir(dir, encodeArtifact(other, { ...fields, hopSteps: 3 }));
    expect(readdirSync(root)).toEqual(['model']);
    expect(readdirSync(dir).sort()).toEqual(['manifest.json', 'weights.f32']);
    const back = decodeArtifact(await readArtifactDir(dir));
    expect(back.manifest.window.hopSteps).toBe(3);
    expect(Buffer.from(back.model.params.buffer).equals(Buffer.from(other.params.buffer))).toBe(true);
  });

  it('refuses a directory with a truncated weights file or without a manifest', async () => {
    const dir = join(root, 'broken');
    await writeArtifactDir(dir, bytes());
    const w = readFileSync(join(dir, 'weights.f32'));
    writeFileSync(join(dir, 'weights.f32'), w.subarray(0, w.length - 4));
    const e = errorOf(() => decodeArtifact(readSync(dir)));
    expect(e.message).toMatch(/truncated/);
    rmSync(join(dir, 'manifest.json'));
    await expect(readArtifactDir(dir)).rejects.toThrow(/has no manifest\.json/);
  });
});

function bytes(): ArtifactBytes {
  return encodeArtifact(model, fields);
}

function readSync(dir: string): ArtifactBytes {
  return {
    manifestJson: readFileSync(join(dir, 'manifest.json'), 'utf8'),
    weightsBytes: new Uint8Array(readFileSync(join(dir, 'weights.f32'))),
  };
}
