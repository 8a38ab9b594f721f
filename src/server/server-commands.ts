import type { Command } from 'commander';
import { loadServerConfig, type ConfigFlags as ServerFlags } from './load-server-config.js';
import { explainStartupError, type DatabaseSetting } from './startup-errors.js';

/** Runs a server command; a port or database it cannot reach is said in words that name the setting. */
async function explaining(flags: ServerFlags, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    throw new Error(explainStartupError(error, databaseSetting(flags)), { cause: error });
  }
}

/** The database URL the command used and where it came from; DATABASE_URL's name when the configuration itself was the failure. */
function databaseSetting(flags: ServerFlags): DatabaseSetting {
  try {
    const { config, origins } = loadServerConfig(flags, process.env);
    return { url: config.databaseUrl, setting: origins.databaseUrl!.label };
  } catch {
    return { url: undefined, setting: 'DATABASE_URL' };
  }
}

function withServerFlags(command: Command): Command {
  return command
    .option('--host <host>', 'address to listen on (env HOST, default 127.0.0.1)')
    .option('--port <port>', 'port to listen on (env PORT, default 8420)')
    .option('--data-dir <dir>', 'SQLite data directory (env TESSERA_DATA_DIR, default ./data)')
    .option('--database-url <url>', 'postgres://… to use PostgreSQL (env DATABASE_URL)')
    .option('--log-level <level>', 'pino log level (env LOG_LEVEL, default info)')
    .option('--config <file>', 'JSON file of settings (env TESSERA_CONFIG); flags and environment variables win over it');
}

/**
 * The commands that run the server's side: `serve`, and those that work on the store and its
 * settings without a server (`migrate`, `admin token`, `export`, `import`, `signing-keys`,
 * `config`, `backup`, `restore`).
 */
export function registerServerCommands(program: Command): void {
  withServerFlags(program.command('serve').description('run the API server'))
    .option('--workers <n>', 'processes serving the port (env TESSERA_WORKERS, default 1)')
    .action((flags: ServerFlags) =>
      explaining(flags, async () => {
        // Loaded on demand: the client commands start faster without the server's modules.
        const { serveCommand } = await import('./serve-command.js');
        await serveCommand(flags);
      }),
    );

  withServerFlags(program.command('migrate').description('bring the database schema up to date and exit')).action((flags: ServerFlags) =>
    explaining(flags, async () => {
      const { migrate } = await import('./migrate.js');
      console.log(await migrate(loadServerConfig(flags, process.env).config));
    }),
  );

  const admin = program.command('admin').description('offline administration, with access to the store and its server key');
  withServerFlags(admin.command('token').description('issue a new admin personal token (every scope) and print it once: recovery from a lost admin token'))
    .option('--user <name|id>', 'the enabled admin to issue it for (default: the oldest enabled admin; with none, a new admin user)')
    .option('--name <label>', "the new token's name (default recovered-admin)")
    .action((flags: ServerFlags & { user?: string; name?: string }) =>
      explaining(flags, async () => {
        const { recoverAdminToken } = await import('./admin-token-command.js');
        process.stdout.write(await recoverAdminToken(loadServerConfig(flags, process.env).config, { user: flags.user, name: flags.name }));
      }),
    );

  withServerFlags(program.command('export').description("write every token (or one team's) with its digest, never a secret, as JSON Lines"))
    .option('--team <id|slug>', "only this team's tokens, its members and its tokens' owners")
    .option('--out <file>', 'write to this file, mode 0600 (default: standard output)')
    .option('--force', 'replace the --out file if it exists')
    .action((flags: ServerFlags & { team?: string; out?: string; force?: boolean }) =>
      explaining(flags, async () => {
        const { exportCommand } = await import('./data-commands.js');
        await exportCommand(loadServerConfig(flags, process.env).config, flags);
      }),
    );

  withServerFlags(
    program
      .command('import')
      .description("import a tessera export, or another system's keys by their text or digest (docs/import-export.md)")
      .argument('<file>', 'JSON Lines or CSV'),
  )
    .option('--format <format>', 'tessera, jsonl, csv, unkey or unleash (default: a tessera export by its header, else jsonl or csv by the look)')
    .option('--dry-run', 'read and check everything, write nothing, print the counts')
    .option('--skip-invalid', 'import the good records and list the bad (default: a bad record stops the import, nothing is written)')
    .option('--owner <user id>', "foreign keys: the user they belong to, unless a record's owner is a user here")
    .option('--team <id|slug>', 'foreign keys: the team they belong to')
    .action((file: string, flags: ServerFlags & import('./data-commands.js').ImportFlags) =>
      explaining(flags, async () => {
        const { importCommand } = await import('./data-commands.js');
        await importCommand(loadServerConfig(flags, process.env).config, file, flags);
      }),
    );

  const signingKeys = program.command('signing-keys').description('the keys the JWTs of POST /oauth/token are signed with');
  withServerFlags(
    signingKeys.command('rotate').description('publish a new signing key that signs from --activate-in on; the old one stays published until its JWTs expire'),
  )
    .option(
      '--activate-in <seconds>',
      'seconds until the new key signs (0: at once, for a key believed compromised); default: the signing-key refresh + the JWKS max-age (90 s)',
    )
    .action(async (flags: ServerFlags & { activateIn?: string }) => {
      const { rotateSigningKey } = await import('./signing-keys-command.js');
      console.log(await rotateSigningKey(loadServerConfig(flags, process.env).config, flags.activateIn));
    });
  withServerFlags(signingKeys.command('list').description('list the signing keys: kid, algorithm, created, retired, state (never a private key)')).action(
    async (flags: ServerFlags) => {
      const { listSigningKeys } = await import('./signing-keys-command.js');
      console.log(await listSigningKeys(loadServerConfig(flags, process.env).config));
    },
  );

  withServerFlags(
    program
      .command('config')
      .description('print the effective configuration: each setting, its value and its source (flag, env, file, default); secrets redacted'),
  )
    .option('--workers <n>', 'processes serving the port (env TESSERA_WORKERS, default 1)')
    .option('--json', 'print it as JSON')
    .action(async (flags: ServerFlags & { json?: boolean }) => {
      const { formatConfig } = await import('./config-command.js');
      console.log(formatConfig(loadServerConfig(flags, process.env), flags.json === true));
    });

  withServerFlags(
    program.command('backup').description('copy the live SQLite store to FILE, consistently, while servers run; PostgreSQL: prints the pg_dump command'),
  )
    .argument('<file>', 'where to write the backup')
    .option('--force', 'replace FILE if it exists')
    .action((file: string, flags: ServerFlags & { force?: boolean }) =>
      explaining(flags, async () => {
        const { backupCommand } = await import('./backup-command.js');
        console.log(await backupCommand(loadServerConfig(flags, process.env).config, file, flags.force === true));
      }),
    );

  withServerFlags(program.command('restore').description('put a backup made by tessera backup in place of the SQLite store (servers stopped)'))
    .argument('<file>', 'the backup')
    .option('--force', 'replace the store that is there')
    .action((file: string, flags: ServerFlags & { force?: boolean }) =>
      explaining(flags, async () => {
        const { restoreCommand } = await import('./restore-command.js');
        console.log(await restoreCommand(loadServerConfig(flags, process.env).config, file, flags.force === true));
      }),
    );
}
