import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { generateSecret } from '../../src/core/secret.js';
import { buildApp } from '../../src/http/app.js';
import { VerifyConnections } from '../../src/http/verify-connections.js';
import { VerifyResponder } from '../../src/http/verify-responder.js';
import { startHarness, type Harness } from '../support/app-harness.js';

/** One answer as read off the wire: its whole text, status line to the end of the body. */
interface Wire {
  answers: string[];
  /** The server closed the connection. */
  closed: boolean;
}

/** Splits raw HTTP/1.1 answers (Content-Length framed, or read to the close when unframed). */
function splitAnswers(text: string, closed: boolean): string[] {
  const answers: string[] = [];
  let at = 0;
  while (at < text.length) {
    const headEnd = text.indexOf('\r\n\r\n', at);
    if (headEnd < 0) break;
    const head = text.slice(at, headEnd);
    const length = /\r\ncontent-length: (\d+)/i.exec(head);
    const informational = /^HTTP\/1\.1 1\d\d /.test(head);
    if (!length && !informational && !closed) break;
    const end = informational ? headEnd + 4 : length ? headEnd + 4 + Number(length[1]) : text.length;
    if (end > text.length) break;
    answers.push(text.slice(at, end));
    at = end;
  }
  return answers;
}

/**
 * Writes `parts` over one connection, `gapMs` apart, and reads until `count` answers have come
 * or the server closes (or 3 s pass). Text is sent and read as latin1: byte for byte.
 */
function exchange(url: string, parts: string[], count: number, gapMs = 0): Promise<Wire> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    let text = '';
    let closed = false;
    const socket = connect(Number(port), '127.0.0.1');
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ answers: splitAnswers(text, closed), closed });
    };
    const timer = setTimeout(done, 3000);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (splitAnswers(text, false).length >= count) done();
    });
    socket.on('close', () => {
      closed = true;
      done();
    });
    socket.on('error', reject);
    void (async () => {
      for (const [i, part] of parts.entries()) {
        if (i > 0 && gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
        if (!socket.destroyed) socket.write(part, 'latin1');
      }
    })();
  });
}

/**
 * What differs between two servers' answers taken out: the date and the request ids, and with
 * them the length of a body that names its request (once checked against the body itself).
 */
const comparable = (answers: string[]) =>
  answers.map((answer) => {
    const length = /\r\ncontent-length: (\d+)\r\n/i.exec(answer);
    if (length) assert.equal(Buffer.byteLength(answer.slice(answer.indexOf('\r\n\r\n') + 4), 'latin1'), Number(length[1]));
    return answer
      .replace(/^Date: .*$/im, 'Date: <date>')
      .replace(/req_[A-Za-z0-9_-]+/g, '<request id>')
      .replace(/^(content-length): \d+$/im, '$1: <length>');
  });

const verify = (body: string, extra: string[] = []) =>
  `POST /v1/verify HTTP/1.1\r\nHost: tessera\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra.map((l) => `${l}\r\n`).join('')}\r\n${body}`;
const verifyToken = (token: string, extra: string[] = []) => verify(JSON.stringify({ token }), extra);
const healthz = 'GET /healthz HTTP/1.1\r\nHost: tessera\r\n\r\n';
const unknownToken = () => generateSecret('tsr', (n) => randomBytes(n));
const codeOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).code as string;

/** An app over the harness's services, listening, with a count of the requests Node's HTTP server parsed. */
async function listening(h: Harness, verifyFastPath: 'socket' | false) {
  const app = await buildApp(h.services, { verifyFastPath });
  const parsedByNode = { count: 0 };
  app.server.prependListener('request', () => void parsedByNode.count++);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url, parsedByNode };
}

describe('plain verifications read off the socket', () => {
  let h: Harness;
  let socket: Awaited<ReturnType<typeof listening>>;
  let route: Awaited<ReturnType<typeof listening>>;
  let valid: string;
  let revoked: string;

  before(async () => {
    h = await startHarness();
    socket = await listening(h, 'socket');
    route = await listening(h, false);
    const issue = async (name: string) => (await h.request({ method: 'POST', url: '/v1/tokens', as: h.admin, payload: { name } })).json();
    valid = (await issue('valid')).secret;
    const gone = await issue('revoked');
    revoked = gone.secret;
    await h.request({ method: 'POST', url: `/v1/tokens/${gone.token.id}/revoke`, as: h.admin });
  });
  after(async () => {
    await socket.app.close();
    await route.app.close();
    await h.close();
  });

  /** The same bytes to both apps, each over a connection of its own: the socket app's wire and whether Node parsed any of it. */
  const both = async (parts: string[], count: number, gapMs = 0) => {
    const parsed = socket.parsedByNode.count;
    const viaSocket = await exchange(socket.url, parts, count, gapMs);
    const viaRoute = await exchange(route.url, parts, count, gapMs);
    assert.deepEqual(comparable(viaSocket.answers), comparable(viaRoute.answers), parts.join(' | ').slice(0, 300));
    assert.equal(viaSocket.closed, viaRoute.closed, 'both close the connection, or neither');
    return { answers: viaSocket.answers, parsedByNode: socket.parsedByNode.count - parsed };
  };

  it('answers a keep-alive client on the socket, byte for byte as the route, and Node parses none of it', async () => {
    // The last one is not JSON: the route closes the connection after it, and so does the socket.
    const requests = [
      verifyToken(valid),
      verifyToken(revoked),
      verifyToken(unknownToken()),
      verifyToken('made-up'),
      verify(JSON.stringify({ token: valid, cost: 'a lot' })),
      verifyToken(valid, ['Connection: keep-alive', 'X-Trace: a b\tc']),
      verify('{"token":'),
    ];
    const { answers, parsedByNode } = await both([requests.join('')], requests.length);
    assert.equal(answers.length, requests.length);
    assert.equal(parsedByNode, 0);
    assert.deepEqual(
      answers.map((a) => a.split('\r\n')[0]),
      ['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK', 'HTTP/1.1 200 OK', 'HTTP/1.1 200 OK', 'HTTP/1.1 400 Bad Request', 'HTTP/1.1 200 OK', 'HTTP/1.1 400 Bad Request'],
    );
    assert.deepEqual(answers.slice(0, 4).map(codeOf), ['VALID', 'REVOKED', 'NOT_FOUND', 'NOT_FOUND']);
    for (const answer of answers.slice(0, -1)) assert.match(answer, /\r\nConnection: keep-alive\r\nKeep-Alive: timeout=72\r\n\r\n/);
    assert.match(answers.at(-1)!, /\r\nconnection: close\r\n/);
  });

  it('answers one request at a time on one connection as on many', async () => {
    const parsed = socket.parsedByNode.count;
    const first = await exchange(socket.url, [verifyToken(valid), verifyToken(revoked)], 2, 30);
    assert.deepEqual(first.answers.map(codeOf), ['VALID', 'REVOKED']);
    assert.equal(first.closed, false);
    assert.equal(socket.parsedByNode.count, parsed);
  });

  it('hands the connection to Node at its first other request and keeps the answers in order', async () => {
    // The unknown token is looked up in the store: its answer waits while the next requests arrive.
    const requests = [verifyToken(valid), verifyToken(unknownToken()), healthz, verifyToken(valid)];
    const { answers, parsedByNode } = await both([requests.join('')], requests.length);
    assert.equal(answers.length, 4);
    assert.deepEqual([codeOf(answers[0]!), codeOf(answers[1]!), codeOf(answers[3]!)], ['VALID', 'NOT_FOUND', 'VALID']);
    assert.match(answers[2]!, /^HTTP\/1\.1 200 OK\r\n[\s\S]*"status":"ok"/);
    assert.equal(parsedByNode, 2, 'Node parsed the health check and everything after it');
  });

  it('leaves a request split across reads to Node, and the connection with it', async () => {
    const request = verifyToken(valid);
    const cut = request.indexOf('\r\n\r\n') + 4;
    const { answers, parsedByNode } = await both([request.slice(0, cut), request.slice(cut) + verifyToken(valid)], 2, 40);
    assert.deepEqual(answers.map(codeOf), ['VALID', 'VALID']);
    assert.equal(parsedByNode, 2);
  });

  it('answers Connection: close on the socket and closes, as Node does', async () => {
    const { answers, parsedByNode } = await both([verifyToken(valid, ['Connection: close'])], 1);
    assert.equal(parsedByNode, 0);
    assert.match(answers[0]!, /\r\nConnection: close\r\n\r\n/);
  });

  it('leaves every request that is not plain to Node, with the same answers', async () => {
    const body = JSON.stringify({ token: valid });
    const variants: Array<[string, string]> = [
      ['HTTP/1.0', `POST /v1/verify HTTP/1.0\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`],
      ['Expect: 100-continue', verify(body, ['Expect: 100-continue'])],
      ['chunked', `POST /v1/verify HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`],
      ['two lengths', verify(body, [`Content-Length: ${body.length}`])],
      ['leading zero', `POST /v1/verify HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 0${body.length}\r\n\r\n${body}`],
      ['no Host', `POST /v1/verify HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`],
      ['folded header', verify(body, ['X-Long: one', ' two'])],
      ['text/plain', `POST /v1/verify HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`],
      ['trailing space in the type', `POST /v1/verify HTTP/1.1\r\nHost: t\r\nContent-Type: application/json \r\nContent-Length: ${body.length}\r\n\r\n${body}`],
      ['latin1 byte in a header', verify(body, ['X-Name: caf\u00e9'])],
      ['query string', `POST /v1/verify?x=1 HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`],
      ['lower-case method', `post /v1/verify HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`],
    ];
    for (const [name, raw] of variants) {
      const { answers, parsedByNode } = await both([raw], name === 'Expect: 100-continue' ? 2 : 1);
      assert.ok(answers.length >= 1, name);
      // Either Node parsed the request (and Fastify or the request listener answered), or Node refused it itself.
      const fromTessera = answers.some((answer) => answer.includes('\r\nx-request-id: '));
      assert.equal(parsedByNode, fromTessera ? 1 : 0, name);
    }
  });

  it('answers whatever mix of requests and reads a client sends as the route does (property)', async () => {
    const badJson = () => verify('{"token":');
    const request = fc.oneof(
      fc.constant(() => verifyToken(valid)),
      fc.constant(() => verifyToken(revoked)),
      fc.constant(() => verifyToken(unknownToken())),
      fc.constant(badJson),
      fc.constant(() => healthz),
      fc.constant(() => verify(JSON.stringify({ tokens: [valid] })).replace('/v1/verify', '/v1/verify/batch')),
      fc
        .record({ upper: fc.boolean(), extra: fc.stringMatching(/^[ -~]{0,12}$/), keepAlive: fc.boolean() })
        .map(({ upper, extra, keepAlive }) => () => {
          const text = verifyToken(valid, [...(keepAlive ? ['Connection: keep-alive'] : []), `X-Extra: ${extra}`]);
          return upper ? text.replace('Content-Type', 'CONTENT-TYPE') : text;
        }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(request, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 3 }), async (generated, cuts) => {
        // A body that is not JSON is the last one sent: the server closes the connection after
        // it, and a client that went on writing would be reset, losing answers it had not read.
        const notJson = generated.indexOf(badJson);
        const makers = notJson < 0 ? generated : generated.slice(0, notJson + 1);
        const bytes = makers.map((make) => make()).join('');
        // Cut the byte stream at arbitrary points: a cut inside a request sends it in two reads.
        const points = [...new Set(cuts.map((c) => c % bytes.length))].filter((c) => c > 0).sort((a, b) => a - b);
        const parts = [0, ...points].map((start, i) => bytes.slice(start, points[i] ?? bytes.length));
        const { answers } = await both(parts, makers.length, 15);
        assert.equal(answers.length, makers.length);
      }),
      { numRuns: 40 },
    );
  });

  it('answers a thousand pipelined verifications in order', async () => {
    // Sent in one write, they arrive in several reads: the request cut by a read's end, and all
    // after it, are Node's to parse.
    const tokens = Array.from({ length: 1000 }, (_, i) => (i % 3 === 0 ? revoked : valid));
    const wire = await exchange(socket.url, [tokens.map((t) => verifyToken(t)).join('')], 1000);
    assert.deepEqual(wire.answers.map(codeOf), tokens.map((t) => (t === revoked ? 'REVOKED' : 'VALID')));
  });

  it('answers a client that ends its side after its request, then closes', async () => {
    const { port } = new URL(socket.url);
    const text = await new Promise<string>((resolve, reject) => {
      let got = '';
      const client = connect(Number(port), '127.0.0.1', () => client.end(verifyToken(valid)));
      client.setEncoding('latin1');
      client.on('data', (chunk: string) => (got += chunk));
      client.on('close', () => resolve(got));
      client.on('error', reject);
    });
    assert.equal(codeOf(text), 'VALID');
  });
});

describe('socket-read connections when the app closes', () => {
  it('closes idle connections at once, and answers one under way with Connection: close', async () => {
    const h = await startHarness();
    const app = await buildApp(h.services);
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = new URL(url);
    const open = (): Promise<Socket> =>
      new Promise((resolve) => {
        const s = connect(Number(port), '127.0.0.1', () => resolve(s));
        s.on('error', () => {});
      });
    const closedOf = (s: Socket) => new Promise<void>((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve())));

    // One idle connection after an answer on the socket, one whose store read takes 300 ms.
    const idle = await open();
    idle.write(verifyToken(unknownToken()));
    await new Promise((resolve) => idle.once('data', resolve));
    const findByDigest = h.stores.tokens.findByDigest.bind(h.stores.tokens);
    h.stores.tokens.findByDigest = async (digest) => {
      await new Promise((r) => setTimeout(r, 300));
      return findByDigest(digest);
    };
    const busy = await open();
    let answer = '';
    busy.setEncoding('latin1');
    busy.on('data', (chunk: string) => (answer += chunk));
    busy.write(verifyToken(unknownToken()));
    await new Promise((r) => setTimeout(r, 50));

    const closing = app.close().then(() => 'closed');
    const timedOut = new Promise((r) => setTimeout(() => r('still open after 5 s'), 5000).unref());
    assert.equal(await Promise.race([closing, timedOut]), 'closed', 'close does not wait out the keep-alive timeout');
    await closedOf(idle);
    await closedOf(busy);
    assert.match(answer, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\nconnection: close\r\n/);
    assert.equal(codeOf(answer), 'NOT_FOUND');
    await h.services.usage.stop();
  });

  it('closes a connection idle for the keep-alive timeout', async () => {
    const h = await startHarness();
    const responder = new VerifyResponder({ services: h.services, log: h.app.log, requestId: () => 'req_1', trustProxy: false, closing: () => false, bodyLimit: 1000 });
    const connections = new VerifyConnections(responder, 100);
    const server = createServer((s) => connections.accept(s, (handed) => handed.destroy()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const address = server.address() as { port: number };
      const started = Date.now();
      const wire = await exchange(`http://127.0.0.1:${address.port}`, [verifyToken(h.admin)], 5);
      assert.equal(wire.answers.length, 1);
      assert.equal(codeOf(wire.answers[0]!), 'VALID');
      assert.equal(wire.closed, true);
      assert.match(wire.answers[0]!, /Keep-Alive: timeout=0\r\n/);
      assert.ok(Date.now() - started < 2500, 'closed by the timeout, not by the reader giving up');
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await h.close();
    }
  });
});

