// The parts of the configuration the retrainer reads, including where a run reads frames from when
// retraining.source is `influxdb`: the configured InfluxDB sink (its token crosses into the child).
import type { RetrainerSettings } from '../detector/retraining/index.js';
import type { Config } from './config.js';

export function retrainerSettingsOf(config: Config): RetrainerSettings {
  const influx = config.sinks.find((s) => s.type === 'influxdb');
  return {
    retraining: config.retraining,
    detector: config.detector,
    periodMs: config.ingest.align.periodMs,
    window: { lengthSteps: config.model.windowSteps, hopSteps: config.model.hopSteps },
    influxdb:
      influx === undefined || influx.type !== 'influxdb'
        ? undefined
        : {
            type: 'influxdb',
            url: influx.url,
            token: influx.token.reveal(),
            database: influx.database,
            timeoutMs: influx.timeoutMs,
          },
  };
}
