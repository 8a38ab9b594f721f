import type { ServiceOptions } from '../../src/service/services.js';
import { startHarness, type Harness } from './app-harness.js';
import { runTessera, type CommandRun as Run } from './tessera-command.js';

export type { CommandRun as Run } from './tessera-command.js';

export interface CliServer {
  h: Harness;
  url: string;
  /** Runs `tessera …` as a real process against the server, as the admin unless `env` says otherwise. */
  tessera(args: string[], env?: Record<string, string>): Promise<Run>;
  /** Runs it and parses its --json output; fails with its stderr when it exits non-zero. */
  json<T = any>(args: string[], env?: Record<string, string>): Promise<T>;
  close(): Promise<void>;
}

/** One harness listening on loopback (its clock set to the real time, as the CLI's is) and a runner for the `tessera` command. */
export async function startCliServer(options: ServiceOptions = {}): Promise<CliServer> {
  const h = await startHarness(undefined, options);
  h.clock.time = Date.now();
  const url = await h.app.listen({ host: '127.0.0.1', port: 0 });
  const tessera: CliServer['tessera'] = (args, env = {}) => runTessera(args, { TESSERA_URL: url, TESSERA_TOKEN: h.admin, ...env });
  return {
    h,
    url,
    tessera,
    async json(args, env) {
      const run = await tessera([...args, '--json'], env);
      if (run.code !== 0) throw new Error(`tessera ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
      return JSON.parse(run.stdout);
    },
    close: () => h.close(),
  };
}

/** Every time-of-day in a text, and whether each carries a zone (ISO 8601 `Z` or ±hh:mm). */
export function timesIn(text: string): Array<{ text: string; zoned: boolean }> {
  return [...text.matchAll(/\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(Z|[+-]\d\d:?\d\d)?/g)].map((m) => ({ text: m[0], zoned: m[1] !== undefined }));
}
