#!/usr/bin/env node
// The `tessera` command: the server's commands (src/server) and the API client's (src/cli).
import { Command } from 'commander';
import { registerClientCommands } from './cli/client-commands.js';
import { registerServerCommands } from './server/server-commands.js';

const program = new Command('tessera').description('Self-hosted API token service').showHelpAfterError();
registerServerCommands(program);
registerClientCommands(program);

program.parseAsync().catch((error: unknown) => {
  console.error(`tessera: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
