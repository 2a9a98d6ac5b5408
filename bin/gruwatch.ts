#!/usr/bin/env node
// Entry point of the `gruwatch` command.
import { runCli } from './cli.js';

process.exitCode = await runCli(process.argv.slice(2));
