import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { after, it } from 'node:test';
import pg from 'pg';
import { openPostgres } from '../store/sql/driver/database.js';
import { explainStartupError, FailedAfterBootstrap } from './startup-errors.js';

/** A TCP server on loopback that does `onConnection` to each connection: PostgreSQL's port with something else behind it. */
async function fakeDatabaseServer(onConnection: (socket: Socket) => void): Promise<{ server: Server; url: string; port: number }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    onConnection(socket);
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  after(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  const { port } = server.address() as { port: number };
  return { server, url: `postgres://postgres@127.0.0.1:${port}/tessera`, port };
}

const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => assert.fail('connected'),
    (e: unknown) => e,
  );

it('says which port is taken and which flag chooses another', async () => {
  const first = createServer().listen(0, '127.0.0.1');
  await once(first, 'listening');
  const { port } = first.address() as { port: number };
  const second = createServer().listen(port, '127.0.0.1');
  const [error] = (await once(second, 'error')) as [Error];
  first.close();
  assert.equal(
    explainStartupError(error),
    `port ${port} on 127.0.0.1 is taken by another process: stop that process, or choose another port with --port <n> (or PORT=<n>)`,
  );
});

it("names DATABASE_URL's address when PostgreSQL refuses the connection", async () => {
  // Port 1 on loopback: nothing listens there.
  const client = new pg.Client({ connectionString: 'postgres://nobody@127.0.0.1:1/none' });
  const error = await failureOf(client.connect());
  assert.match(explainStartupError(error), /^PostgreSQL at 127\.0\.0\.1:1 \(DATABASE_URL\) refused the connection/);
});

it('names the setting the database URL came from: a flag, or the config file', async () => {
  const url = 'postgres://nobody@127.0.0.1:1/none';
  const error = await failureOf(new pg.Client({ connectionString: url }).connect());
  assert.match(explainStartupError(error, { url, setting: '--database-url' }), /^PostgreSQL at 127\.0\.0\.1:1 \(--database-url\) refused the connection/);
  const denied = Object.assign(new Error('password authentication failed for user "app"'), { code: '28P01' });
  assert.equal(
    explainStartupError(denied, { url, setting: 'tessera.json: databaseUrl' }),
    'password authentication failed for user "app" (tessera.json: databaseUrl): check the user and password in it',
  );
});

it('names the host, port and setting when the connection is closed or cut before PostgreSQL answers', async () => {
  // After pg's first message, so that it is the server's close that pg sees, not a failed write.
  const closing = await fakeDatabaseServer((socket) => socket.once('data', () => socket.end()));
  const closed = await failureOf(new pg.Client({ connectionString: closing.url }).connect());
  assert.equal((closed as Error).message, 'Connection terminated unexpectedly');
  assert.match(
    explainStartupError(closed, { url: closing.url, setting: 'DATABASE_URL' }),
    new RegExp(`^PostgreSQL at 127\\.0\\.0\\.1:${closing.port} \\(DATABASE_URL\\) did not answer \\(Connection terminated unexpectedly\\): `),
  );
  const resetting = await fakeDatabaseServer((socket) => socket.once('data', () => socket.resetAndDestroy()));
  const reset = await failureOf(new pg.Client({ connectionString: resetting.url }).connect());
  assert.equal((reset as { code?: string }).code, 'ECONNRESET');
  assert.match(
    explainStartupError(reset, { url: resetting.url, setting: 'DATABASE_URL' }),
    new RegExp(`^PostgreSQL at 127\\.0\\.0\\.1:${resetting.port} \\(DATABASE_URL\\) did not answer`),
  );
});

it("names the host, port and setting when a server that never answers outlasts pg's connect timeout", async () => {
  const { url, port } = await fakeDatabaseServer(() => {});
  const expected = new RegExp(`^PostgreSQL at 127\\.0\\.0\\.1:${port} \\(--database-url\\) did not answer \\(`);
  const fromClient = await failureOf(new pg.Client({ connectionString: url, connectionTimeoutMillis: 50 }).connect());
  assert.equal((fromClient as Error).message, 'timeout expired');
  assert.match(explainStartupError(fromClient, { url, setting: '--database-url' }), expected);
  const pool = new pg.Pool({ connectionString: url, connectionTimeoutMillis: 50 });
  const fromPool = await failureOf(pool.connect());
  await pool.end();
  assert.match(explainStartupError(fromPool, { url, setting: '--database-url' }), expected);
});

it('gives up on a server that never answers after its connect timeout, instead of waiting for the operating system', { timeout: 30_000 }, async () => {
  const { url, port } = await fakeDatabaseServer(() => {});
  const error = await failureOf(openPostgres(url, { attempts: 2, connectTimeoutMs: 50 }));
  assert.match(
    explainStartupError(error, { url, setting: 'DATABASE_URL' }),
    new RegExp(`^PostgreSQL at 127\\.0\\.0\\.1:${port} \\(DATABASE_URL\\) did not answer`),
  );
});

it('names the host, port and setting when the host or its network cannot be reached', () => {
  const url = 'postgres://app@10.255.255.1:6543/tessera';
  for (const code of ['EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT']) {
    const error = Object.assign(new Error(`connect ${code} 10.255.255.1:6543`), { code, errno: -1, syscall: 'connect', address: '10.255.255.1', port: 6543 });
    assert.match(
      explainStartupError(error, { url, setting: '--database-url' }),
      /^PostgreSQL at 10\.255\.255\.1:6543 \(--database-url\) did not answer /,
      code,
    );
  }
  // Without an address on the error (several addresses tried at once), the URL's host and default port.
  const aggregate = Object.assign(new AggregateError([], 'connect ETIMEDOUT'), { code: 'ETIMEDOUT' });
  assert.match(
    explainStartupError(aggregate, { url: 'postgres://app@db.internal/tessera', setting: 'DATABASE_URL' }),
    /^PostgreSQL at db\.internal:5432 \(DATABASE_URL\)/,
  );
});

it('names the missing database, how to create it where the URL points, and the setting the URL came from', () => {
  const missing = Object.assign(new Error('database "tessera_prod" does not exist'), { code: '3D000' });
  const explained = explainStartupError(missing, { url: 'postgres://app:secret@db.internal:6543/tessera_prod', setting: 'tessera.json: databaseUrl' });
  assert.equal(
    explained,
    'database "tessera_prod" does not exist (tessera.json: databaseUrl): create it first, e.g. `createdb -h db.internal -p 6543 -U app tessera_prod`, then start tessera again',
  );
  assert.doesNotMatch(explained, /secret/);
  // A name the shell would split is quoted.
  const odd = Object.assign(new Error('database "my db" does not exist'), { code: '3D000' });
  assert.match(
    explainStartupError(odd, { url: 'postgres://app@db.internal/my%20db', setting: '--database-url' }),
    /`createdb -h db\.internal -p 5432 -U app 'my db'`/,
  );
});

it('passes anything else on as it is', () => {
  assert.equal(explainStartupError(new Error('the secret key differs')), 'the secret key differs');
  assert.equal(explainStartupError('plain text'), 'plain text');
});

it('explains the cause of a start that failed after its bootstrap, then adds the notice that shows the new admin token', () => {
  const cause = Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE', address: '127.0.0.1', port: 8420 });
  assert.equal(explainStartupError(new FailedAfterBootstrap(cause, 'the notice')), `${explainStartupError(cause)}\n\nthe notice`);
});
