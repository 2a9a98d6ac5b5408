import type { Command } from 'commander';
import { createSilentLogger, systemClock } from '../core/index.js';
import { createLocalStore, type LocalStore } from '../detector/sinks/index.js';
import { numberFlag } from './cli-flags.js';
import type { CliIo } from './cli-io.js';
import { type Config, configSchema, storePathOf } from './config.js';
import { loadConfig } from './load-config.js';

/** Opens the local store named by the configuration (store.path, or <dataDir>/gruwatch.db). */
export function openConfiguredStore(config: Config): LocalStore {
  return createLocalStore(
    { ...config.store, path: storePathOf(config) },
    { clock: systemClock, logger: createSilentLogger() },
  );
}

function parseIds(values: readonly string[] | undefined): number[] | undefined {
  if (values === undefined) return undefined;
  return values.map((v) => numberFlag('id', v, { integer: true, min: 1 }));
}

function withStore<T>(file: string, io: CliIo, body: (store: LocalStore) => T): T {
  const { config } = loadConfig(configSchema, { file, env: io.env });
  const store = openConfiguredStore(config);
  try {
    return body(store);
  } finally {
    store.close();
  }
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function registerWebhooksCommand(program: Command, io: CliIo): void {
  const webhooks = program
    .command('webhooks')
    .description('inspect and replay webhook deliveries that exhausted their attempts (dead letters)');

  webhooks
    .command('list')
    .description('list the dead letters of the local store')
    .requiredOption('-c, --config <file>', 'YAML configuration file', io.env.GRUWATCH_CONFIG)
    .option('--sink <name>', 'only this sink (e.g. webhook:ops)')
    .option('--limit <n>', 'at most this many, oldest first', '1000')
    .option('--json', 'print one JSON object per line')
    .action((opts: { config: string; sink?: string; limit: string; json?: boolean }) => {
      const limit = numberFlag('limit', opts.limit, { integer: true, min: 1 });
      const letters = withStore(opts.config, io, (store) =>
        store.listDeadLetters({ limit, ...(opts.sink !== undefined ? { sink: opts.sink } : {}) }),
      );
      if (opts.json) {
        for (const letter of letters) io.out(`${JSON.stringify(letter)}\n`);
        return;
      }
      if (letters.length === 0) {
        io.out('no dead letters\n');
        return;
      }
      io.out('id\tsink\tkey\tattempts\tdead-lettered\terror\n');
      for (const l of letters) {
        io.out(
          `${l.id}\t${l.sink}\t${l.key}\t${l.attempts}\t${new Date(l.deadLetteredMs).toISOString()}\t${oneLine(l.error, 120)}\n`,
        );
      }
    });

  webhooks
    .command('replay')
    .description('move dead letters back into their outbox; a running service delivers them on its next poll')
    .requiredOption('-c, --config <file>', 'YAML configuration file', io.env.GRUWATCH_CONFIG)
    .option('--sink <name>', 'only dead letters of this sink')
    .option('--id <ids...>', 'only these dead-letter ids (see `gruwatch webhooks list`)')
    .action((opts: { config: string; sink?: string; id?: string[] }) => {
      const ids = parseIds(opts.id);
      const replayed = withStore(opts.config, io, (store) =>
        store.replayDeadLetters({
          ...(opts.sink !== undefined ? { sink: opts.sink } : {}),
          ...(ids !== undefined ? { ids } : {}),
        }),
      );
      io.out(`replayed ${replayed} dead letter${replayed === 1 ? '' : 's'} into the outbox\n`);
    });
}
