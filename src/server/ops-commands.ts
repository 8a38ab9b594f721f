import type { Command } from 'commander';
import { loadServerConfig, type ConfigFlags } from './load-server-config.js';

type Force = ConfigFlags & { force?: boolean };

/** `tessera config`, `tessera backup` and `tessera restore`: the configuration and the store's file, for operators. */
export function registerOpsCommands(
  program: Command,
  withServerFlags: (command: Command) => Command,
  explaining: (run: () => Promise<void>) => Promise<void>,
): void {
  withServerFlags(
    program
      .command('config')
      .description('print the effective configuration: each setting, its value and its source (flag, env, file, default); secrets redacted'),
  )
    .option('--workers <n>', 'processes serving the port (env TESSERA_WORKERS, default 1)')
    .option('--json', 'print it as JSON')
    .action(async (flags: ConfigFlags & { json?: boolean }) => {
      const { formatConfig } = await import('./config-command.js');
      console.log(formatConfig(loadServerConfig(flags, process.env), flags.json === true));
    });

  withServerFlags(
    program.command('backup').description('copy the live SQLite store to FILE, consistently, while servers run; PostgreSQL: prints the pg_dump command'),
  )
    .argument('<file>', 'where to write the backup')
    .option('--force', 'replace FILE if it exists')
    .action((file: string, flags: Force) =>
      explaining(async () => {
        const { backupCommand } = await import('./backup-command.js');
        console.log(await backupCommand(loadServerConfig(flags, process.env).config, file, flags.force === true));
      }),
    );

  withServerFlags(program.command('restore').description('put a backup made by tessera backup in place of the SQLite store (servers stopped)'))
    .argument('<file>', 'the backup')
    .option('--force', 'replace the store that is there')
    .action((file: string, flags: Force) =>
      explaining(async () => {
        const { restoreCommand } = await import('./restore-command.js');
        console.log(await restoreCommand(loadServerConfig(flags, process.env).config, file, flags.force === true));
      }),
    );
}
