/**
 * The bare baseline of `npm run bench`: node:http, no framework, run as its own process like
 * `tessera serve`. Each request's body is read and parsed as JSON, as any JSON API must, and
 * one small fixed JSON body answers it; a malformed body gets 400, so the load generator
 * notices when it sends nonsense. What tessera spends beyond this is what its ratio measures.
 */
import { createServer } from 'node:http';

const ANSWER = Buffer.from(JSON.stringify({ valid: true, code: 'VALID' }));
const HEADERS = { 'content-type': 'application/json; charset=utf-8', 'content-length': String(ANSWER.length) };

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    if (chunks.length > 0) {
      try {
        JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        response.writeHead(400).end();
        return;
      }
    }
    response.writeHead(200, HEADERS).end(ANSWER);
  });
});
// As Fastify's default: the load generator's connections stay open between rounds.
server.keepAliveTimeout = 72_000;

const port = Number(process.argv[2] ?? 0);
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  process.stderr.write(`baseline listening on http://127.0.0.1:${bound}\n`);
});
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
