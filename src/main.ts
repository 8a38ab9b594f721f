#!/usr/bin/env node
// The `tessera` command: the server's commands (src/server) and the API client's (src/cli).
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerClientCommands } from './cli/client-commands.js';
import { registerServerCommands } from './server/server-commands.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
const program = new Command('tessera').description('Self-hosted API token service').version(version).showHelpAfterError();
registerServerCommands(program);
registerClientCommands(program);

program.parseAsync().catch((error: unknown) => {
  console.error(`tessera: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
