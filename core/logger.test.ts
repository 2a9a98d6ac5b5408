import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createRootLogger } from './logger.js';
import { Secret } from './secret.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, stream };
}

describe('root logger', () => {
  it('writes JSON lines with the level as a label and the component of child loggers', () => {
    const { lines, stream } = capture();
    const root = createRootLogger({ level: 'info' }, stream);
    root.child({ component: 'ingest.mqtt' }).info({ assetId: 'pump-1' }, 'Connected.');
    root.debug('not written at info');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'info',
      component: 'ingest.mqtt',
      assetId: 'pump-1',
      msg: 'Connected.',
    });
  });

  it('never writes a secret, whether a Secret value or a redacted path', () => {
    const { lines, stream } = capture();
    const root = createRootLogger({ level: 'info' }, stream);
    root.info(
      { mqtt: { password: 'p4ss', url: 'mqtt://x' }, influx: { token: new Secret('t0k') } },
      'Config.',
    );
    const text = JSON.stringify(lines);
    expect(text).not.toContain('p4ss');
    expect(text).not.toContain('t0k');
    expect(text).toContain('mqtt://x');
  });
});
