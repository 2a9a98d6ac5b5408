import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type DeadLetter, toDeadLetter } from './dead-letter.js';
import { createFileDeadLetters } from './file-dead-letters.js';

let dir = '';
afterEach(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

function letter(n: number): DeadLetter {
  return toDeadLetter(
    { transport: 'mqtt', topic: `plants/p/${n}`, receivedAtMs: 1_700_000_000_000 + n },
    { reason: 'invalid_json', message: `bad ${n}`, field: 'value' },
    Uint8Array.of(0xff, n),
  );
}

describe('file dead letters', () => {
  it('writes one JSON line per letter with the payload in base64 and the origin', async () => {
    dir = await mkdtemp(join(tmpdir(), 'dl-'));
    const writer = createFileDeadLetters({
      path: join(dir, 'sub', 'dl.jsonl'),
      maxFileBytes: 1 << 20,
      maxFiles: 3,
    });
    await writer.write(letter(1));
    await writer.close();
    const lines = (await readFile(join(dir, 'sub', 'dl.jsonl'), 'utf8')).trim().split('\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      {
        time: '2023-11-14T22:13:20.001Z',
        transport: 'mqtt',
        topic: 'plants/p/1',
        reason: 'invalid_json',
        message: 'bad 1',
        field: 'value',
        payloadBase64: Buffer.from([0xff, 1]).toString('base64'),
      },
    ]);
  });

  it('rotates by size and keeps at most maxFiles files, dropping the oldest letters', async () => {
    dir = await mkdtemp(join(tmpdir(), 'dl-'));
    const path = join(dir, 'dl.jsonl');
    const lineBytes = Buffer.byteLength(`${JSON.stringify(letter(10))}\n`);
    const writer = createFileDeadLetters({ path, maxFileBytes: lineBytes * 2, maxFiles: 3 });
    await Promise.all(Array.from({ length: 10 }, (_, i) => writer.write(letter(10 + i))));
    await writer.close();
    expect((await readdir(dir)).sort()).toEqual(['dl.jsonl', 'dl.jsonl.1', 'dl.jsonl.2']);
    const topics = [];
    for (const name of ['dl.jsonl.2', 'dl.jsonl.1', 'dl.jsonl']) {
      const text = await readFile(join(dir, name), 'utf8');
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(lineBytes * 2);
      topics.push(
        ...text
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l).topic),
      );
    }
    expect(topics).toEqual([
      'plants/p/14',
      'plants/p/15',
      'plants/p/16',
      'plants/p/17',
      'plants/p/18',
      'plants/p/19',
    ]);
  });
});
