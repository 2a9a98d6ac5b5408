// The gruwatch command line. Each command is a thin shell over a room's
// public surface; only commands that really work are listed here.
import { Command, CommanderError } from 'commander';
import { z } from 'zod';
import { createRootLogger, isPipelineError, systemClock } from '../core/index.js';
import { registerBridgeCommand } from './bridge-command.js';
import type { CliIo } from './cli-io.js';
import { configSchema } from './config.js';
import { registerDemoCommand } from './demo-command.js';
import { listEnvOverrideKeys } from './env-overrides.js';
import { registerEvalCommand } from './eval-command.js';
import { loadConfig } from './load-config.js';
import { registerModelsCommand } from './models-command.js';
import { registerRetrainCommand } from './retrain-command.js';
import { startService } from './service.js';
import { registerSimulateCommand } from './simulate-command.js';
import { waitForStopSignal } from './stop-signal.js';
import { registerTrainCommand } from './train-command.js';
import { gruwatchVersion } from './version.js';
import { defaultWebRoot } from './web-root.js';
import { registerWebhooksCommand } from './webhooks-command.js';

const processIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
};

function buildProgram(io: CliIo): Command {
  const program = new Command('gruwatch')
    .description(
      'Anomaly detection for industrial plants: sensor streams → GRU autoencoder → explained alerts.',
    )
    .version(gruwatchVersion(), '-V, --version', 'print the version')
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride()
    .showHelpAfterError();

  const config = program.command('config').description('validate and document the configuration');

  config
    .command('check')
    .description('validate a configuration file (with GRUWATCH_ environment overrides applied)')
    .argument('<file>', 'YAML configuration file')
    .action((file: string) => {
      const loaded = loadConfig(configSchema, { file, env: io.env });
      for (const warning of loaded.warnings) io.err(`warning: ${warning}\n`);
      const fromEnv = loaded.overrides.map((o) => o.envName);
      io.out(
        `${file}: valid${fromEnv.length > 0 ? ` (overridden from environment: ${fromEnv.join(', ')})` : ''}\n`,
      );
    });

  config
    .command('print')
    .description('print the effective configuration, defaults filled in and secrets redacted, as JSON')
    .argument('[file]', 'YAML configuration file (defaults only when omitted)')
    .action((file: string | undefined) => {
      const loaded = loadConfig(configSchema, { ...(file ? { file } : {}), env: io.env });
      io.out(`${JSON.stringify(loaded.config, null, 2)}\n`);
    });

  config
    .command('schema')
    .description('print the JSON Schema of the configuration file (for editors and validators)')
    .action(() => {
      const schema = z.toJSONSchema(configSchema, {
        io: 'input',
        unrepresentable: 'any',
        target: 'draft-2020-12',
      });
      io.out(`${JSON.stringify(schema, null, 2)}\n`);
    });

  config
    .command('env')
    .description('list the environment variables that override configuration keys')
    .action(() => {
      for (const key of listEnvOverrideKeys(configSchema)) {
        const names = key.kind === 'secret' ? `${key.envName} | ${key.envName}_FILE` : key.envName;
        io.out(
          `${names}\n    ${key.path.join('.')} (${key.kind})${key.description ? `: ${key.description}` : ''}\n`,
        );
      }
    });

  registerSimulateCommand(program, io);
  registerTrainCommand(program, io);
  registerRetrainCommand(program, io);
  registerEvalCommand(program, io);
  registerModelsCommand(program, io);
  registerWebhooksCommand(program, io);
  registerDemoCommand(program, io);
  registerBridgeCommand(program, io);

  program
    .command('run')
    .description(
      'run the detection service: sources → model → detector → store and sinks, with the HTTP server',
    )
    .requiredOption('-c, --config <file>', 'YAML configuration file', io.env.GRUWATCH_CONFIG)
    .action(async (options: { config: string }) => {
      const loaded = loadConfig(configSchema, { file: options.config, env: io.env });
      const logger = createRootLogger({ level: loaded.config.logging.level });
      for (const warning of loaded.warnings) logger.warn({ warning }, 'Configuration warning.');
      const service = await startService(loaded.config, {
        logger,
        clock: systemClock,
        webRoot: defaultWebRoot(),
        // Crash-only on a failed commit: exit unacknowledged; the restart replays the journal.
        onCommitFailure: () => {
          logger.flush();
          process.exit(75); // EX_TEMPFAIL
        },
      });
      await waitForStopSignal((signal) =>
        logger.info({ signal }, 'Shutting down; a second signal exits at once.'),
      );
      await service.stop();
      logger.flush();
    });

  return program;
}

/** Runs the CLI and returns the exit code (the caller exits). */
export type { CliIo };

export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.code === 'commander.help'
        ? 0
        : err.exitCode || 2;
    }
    if (isPipelineError(err)) {
      io.err(`gruwatch: ${err.message}\n`);
      return err.code === 'CONFIG_INVALID' || err.code === 'CONFIG_UNREADABLE' ? 78 : 1; // 78 = EX_CONFIG
    }
    throw err;
  }
}
