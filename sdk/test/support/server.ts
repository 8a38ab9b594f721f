import { randomBytes } from 'node:crypto';
import { after, before, describe } from 'node:test';
import { generateSecret } from '../../../src/core/secret.js';
import { postgresBackend, sqliteBackend, type ServerBackend } from '../../../test/support/server-backends.js';
import { startServerProcess, type ServerProcess } from '../../../test/support/server-process.js';

/** A `tessera serve` process under test and the first admin's token. */
export interface TestServer {
  url: string;
  /** The bootstrap admin's personal token (`tsr_…`), with every scope. */
  admin: string;
  process: ServerProcess;
}

/**
 * One describe block per store — SQLite, then PostgreSQL — each with a real `tessera serve`
 * process started before its first test and stopped after its last. PostgreSQL skips, saying
 * why, when it cannot be reached, unless TESSERA_REQUIRE_POSTGRES=1.
 */
export async function describeEachServer(title: string, body: (server: TestServer) => void): Promise<void> {
  for (const make of [sqliteBackend, postgresBackend]) {
    const backend: ServerBackend | string = await make();
    const skip = typeof backend === 'string' ? backend : undefined;
    const name = typeof backend === 'string' ? 'postgres' : backend.name;
    describe(`${title} (${name})`, { skip }, () => {
      const server = {} as TestServer;
      before(async () => {
        const b = backend as ServerBackend;
        const admin = generateSecret('tsr', randomBytes);
        const process = await startServerProcess([...b.args, '--log-level', 'warn'], { ...b.env, TESSERA_BOOTSTRAP_TOKEN: admin });
        Object.assign(server, { url: process.url, admin, process });
      });
      after(async () => {
        await server.process?.stop();
        await (backend as ServerBackend).cleanup?.();
      });
      body(server);
    });
  }
}
