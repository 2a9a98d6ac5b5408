// A new user's first model: the built `gruwatch train` on the example CSV file
// the README documents, with the channels of the example configuration's pump
// group listed in another order than the file's (columns are matched by name).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { onTeardown } from '../helpers/integration.js';
import { gruwatchCli } from '../helpers/service-process.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const exampleCsv = join(root, 'deploy', 'config', 'training', 'pump-001.csv');

describe('gruwatch train --csv', () => {
  it('trains a first model from the example CSV file and makes it current', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gruwatch-train-csv-'));
    onTeardown(() => rmSync(dir, { recursive: true, force: true }));
    const config = join(dir, 'plant.yaml');
    writeFileSync(
      config,
      [
        `dataDir: ${join(dir, 'data')}`,
        'ingest:',
        "  mqtt: { url: 'mqtt://127.0.0.1:1883', clientId: t, topics: ['plants/{asset}/telemetry'] }",
        '  decoder: { type: json }',
        '  assets:',
        '    - match: pump-*',
        '      model: pumps',
        '      channels: [vibration_rms_mms, speed_rpm, flow_m3h, discharge_pressure_bar, motor_current_a, bearing_temp_c]',
        '  window: { T: 64, hop: 16 }',
        'detector: { scoring: { hopSteps: 16 } }',
        // A small model, so the test stays short.
        'model: { windowSteps: 64, hopSteps: 16, hiddenSize: 8, training: { epochs: 2 } }',
        '',
      ].join('\n'),
    );
    const cli = (...args: string[]) =>
      promisify(execFile)(process.execPath, [gruwatchCli, ...args], { env: { ...process.env } });
    await cli('train', '-c', config, '--csv', exampleCsv);
    const { stdout } = await cli('models', 'show', 'pumps', '-c', config, '--json');
    const shown = JSON.parse(stdout) as { name: string; current: boolean; channels: string[] };
    expect([shown.name, shown.current]).toEqual(['pumps', true]);
    expect(shown.channels).toEqual([
      'vibration_rms_mms',
      'speed_rpm',
      'flow_m3h',
      'discharge_pressure_bar',
      'motor_current_a',
      'bearing_temp_c',
    ]);
  });
});
