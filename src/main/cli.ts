#!/usr/bin/env node
import { runCli } from '../cli/program.js';
import { localCommands } from './local-commands.js';

/** The `keyward` binary. */
process.exitCode = await runCli(process.argv, localCommands());
