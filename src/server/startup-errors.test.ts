import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { it } from 'node:test';
import pg from 'pg';
import { explainStartupError, FailedAfterBootstrap } from './startup-errors.js';

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
  const error = await client.connect().then(
    () => assert.fail('connected to port 1'),
    (e: unknown) => e,
  );
  assert.match(explainStartupError(error), /^PostgreSQL at 127\.0\.0\.1:1 \(DATABASE_URL\) refused the connection/);
});

it('says how to create a database that does not exist, and passes anything else on as it is', () => {
  const missing = Object.assign(new Error('database "tessera" does not exist'), { code: '3D000' });
  assert.match(explainStartupError(missing), /^database "tessera" does not exist \(DATABASE_URL\): create it first, e\.g\. `createdb <name>`/);
  assert.equal(explainStartupError(new Error('the secret key differs')), 'the secret key differs');
  assert.equal(explainStartupError('plain text'), 'plain text');
});

it('explains the cause of a start that failed after its bootstrap, then adds the notice that shows the new admin token', () => {
  const cause = Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE', address: '127.0.0.1', port: 8420 });
  assert.equal(explainStartupError(new FailedAfterBootstrap(cause, 'the notice')), `${explainStartupError(cause)}\n\nthe notice`);
});
