/**
 * The miss floor of `npm run bench` (issue 18): the least a verification that misses every cache
 * can cost. node:http, no framework, run as its own process like `tessera serve`: each request's
 * body is read and parsed as JSON, the presented token hashed with SHA-256 (as tessera's
 * `digestSecret`), the digest looked up with one prepared better-sqlite3 statement
 * (`select * from tokens where digest = ?`, the rows as better-sqlite3 makes them) in the very
 * SQLite file the benchmark seeded for tessera, opened read-only, and a small JSON answer made
 * from the row. No cache, no log, no use count, no checks: what tessera spends beyond this on a
 * miss is what its ratio to the floor measures.
 *
 * `node miss-floor-server.js <tessera.db> [port]`
 */
import { hash } from 'node:crypto';
import { createServer } from 'node:http';
import Database from 'better-sqlite3';

interface TokenRow {
  id: string;
  name: string;
  type: string;
  expires_at: number | null;
}

const path = process.argv[2];
if (!path) throw new Error('usage: miss-floor-server.js <tessera.db> [port]');
const db = new Database(path, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 5000');
const byDigest = db.prepare<[Buffer], TokenRow>('select * from tokens where digest = ?');

const HEADERS = { 'content-type': 'application/json; charset=utf-8' };
const NOT_FOUND = JSON.stringify({ valid: false, code: 'NOT_FOUND' });

function answer(body: string): string | undefined {
  const parsed: unknown = JSON.parse(body);
  const token = (parsed as { token?: unknown } | null)?.token;
  if (typeof token !== 'string') return undefined;
  const row = byDigest.get(hash('sha256', token, 'buffer') as unknown as Buffer);
  if (!row) return NOT_FOUND;
  return JSON.stringify({ valid: true, code: 'VALID', token: { id: row.id, name: row.name, type: row.type, expiresAt: row.expires_at } });
}

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    let text: string | undefined;
    try {
      text = answer(Buffer.concat(chunks).toString('utf8'));
    } catch {
      text = undefined;
    }
    // A body that is not `{"token": "…"}` gets 400, so the load generator notices when it sends nonsense.
    if (text === undefined) response.writeHead(400).end();
    else response.writeHead(200, { ...HEADERS, 'content-length': String(Buffer.byteLength(text)) }).end(text);
  });
});
// As Fastify's default: the load generator's connections stay open between rounds.
server.keepAliveTimeout = 72_000;

const port = Number(process.argv[3] ?? 0);
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  process.stderr.write(`miss floor listening on http://127.0.0.1:${bound}\n`);
});
process.on('SIGTERM', () => {
  server.close(() => {
    db.close();
    process.exit(0);
  });
  server.closeAllConnections();
});
