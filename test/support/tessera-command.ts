import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** dist/src/main.js: the `tessera` command. */
export const TESSERA_MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));

export interface CommandRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `tessera <args>` as a real process to its end. In `env`, `undefined` removes a variable this process has. */
export function runTessera(args: string[], env: Record<string, string | undefined> = {}, cwd?: string): Promise<CommandRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--enable-source-maps', TESSERA_MAIN, ...args],
      { env: { ...process.env, DATABASE_URL: '', TESSERA_BOOTSTRAP_TOKEN: '', ...env }, timeout: 60_000, ...(cwd ? { cwd } : {}) },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** A port nobody listens on now, on loopback. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const address = probe.address();
  probe.close();
  await once(probe, 'close');
  if (typeof address !== 'object' || !address) throw new Error('no free port');
  return address.port;
}
