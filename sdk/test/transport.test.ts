import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Tessera, TesseraError, type TesseraOptions } from '../src/index.js';

interface Sent {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
}

type Step = Response | Error | 'hang';

/** A fetch that answers from a script, one step per call (the last one repeats), and records what was sent. */
function scriptedFetch(steps: Step[]): { fetch: typeof fetch; sent: Sent[] } {
  const sent: Sent[] = [];
  const fetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    sent.push({
      method: init.method ?? 'GET',
      url: String(input),
      headers: { ...(init.headers as Record<string, string>) },
      body: init.body as string | undefined,
    });
    const step = steps[Math.min(sent.length, steps.length) - 1]!;
    if (step === 'hang') {
      return new Promise((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(init.signal!.reason as Error), { once: true }));
    }
    if (step instanceof Error) throw step;
    return step.clone();
  };
  return { fetch: fetch as typeof globalThis.fetch, sent };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', 'x-request-id': 'req_test', ...headers } });
const apiError = (status: number, code: string, headers: Record<string, string> = {}) =>
  json(status, { error: { code, message: `${code} for the test`, requestId: 'req_test' } }, headers);
const networkError = (code: string) => new TypeError('fetch failed', { cause: Object.assign(new Error(code), { code }) });
const token = { id: 'tok_1', name: 't' };
const verified = { valid: true, code: 'VALID', remaining: '1' };

function client(steps: Step[], options: Partial<TesseraOptions> = {}) {
  const { fetch, sent } = scriptedFetch(steps);
  const tessera = new Tessera({ url: 'http://tessera.test/base/', token: 'tsr_admin', fetch, retry: { baseDelayMs: 1 }, ...options });
  return { tessera, sent };
}

async function failure(call: Promise<unknown>): Promise<TesseraError> {
  const error = await call.then(
    () => assert.fail('the call succeeded'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof TesseraError, String(error));
  return error;
}

describe('requests', () => {
  it('keeps the path prefix, sends the token to the management API only, and JSON bodies', async () => {
    const { tessera, sent } = client([json(200, { token }), json(200, verified)]);
    await tessera.tokens.get('tok/1');
    await tessera.verify({ token: 'tsk_x' });
    assert.equal(sent[0]!.url, 'http://tessera.test/base/v1/tokens/tok%2F1');
    assert.equal(sent[0]!.headers.authorization, 'Bearer tsr_admin');
    assert.equal(sent[1]!.url, 'http://tessera.test/base/v1/verify');
    assert.equal(sent[1]!.headers.authorization, undefined);
    assert.equal(sent[1]!.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(sent[1]!.body!), { token: 'tsk_x' });
  });

  it('puts list filters in the query and follows nextCursor', async () => {
    const { tessera, sent } = client([json(200, { items: [token], nextCursor: 'c1' }), json(200, { items: [token], nextCursor: null })]);
    const ids = [];
    for await (const t of tessera.tokens.list({ limit: 1, status: 'active', teamId: 'team_1' })) ids.push(t.id);
    assert.equal(ids.length, 2);
    assert.deepEqual(
      sent.map((s) => new URL(s.url).search),
      ['?limit=1&status=active&teamId=team_1', '?limit=1&status=active&teamId=team_1&cursor=c1'],
    );
  });

  it('sends a fresh Idempotency-Key with creations, charges and reservations, the caller’s when given, none when false', async () => {
    const { tessera, sent } = client([json(200, verified)]);
    await tessera.tokens.create({ name: 'a' });
    await tessera.credits.add('tok_1', '1');
    await tessera.verify({ token: 'tsk_x' });
    await tessera.reservations.reserve({ token: 'tsk_x', amount: '1', ttlMs: 1000 });
    await tessera.reservations.commit('res_1', '1');
    await tessera.reservations.release('res_1');
    const keys = sent.map((s) => s.headers['idempotency-key']);
    assert.ok(keys.every((k) => typeof k === 'string' && /^[0-9a-f-]{36}$/.test(k)));
    assert.equal(new Set(keys).size, keys.length);

    await tessera.verify({ token: 'tsk_x' }, { idempotencyKey: 'mine' });
    await tessera.verify({ token: 'tsk_x' }, { idempotencyKey: false });
    await tessera.tokens.rotate('tok_1');
    assert.deepEqual(
      sent.slice(-3).map((s) => s.headers['idempotency-key']),
      ['mine', undefined, undefined],
    );
  });
});

describe('retries', () => {
  it('retries a read after 429 and 503, and answers the success', async () => {
    const { tessera, sent } = client([apiError(429, 'RATE_LIMITED', { 'retry-after': '0' }), new Response('busy', { status: 503 }), json(200, { token })]);
    assert.equal((await tessera.tokens.get('tok_1')).id, 'tok_1');
    assert.equal(sent.length, 3);
  });

  it('sends a retried charge with the same key and the same bytes', async () => {
    const { tessera, sent } = client([networkError('ECONNRESET'), apiError(503, 'INTERNAL_ERROR'), json(200, { credits: '2', token })]);
    assert.equal((await tessera.credits.add('tok_1', '1')).credits, '2');
    assert.equal(sent.length, 3);
    assert.equal(new Set(sent.map((s) => s.headers['idempotency-key'])).size, 1);
    assert.equal(new Set(sent.map((s) => s.body)).size, 1);
  });

  it('does not repeat what may have acted: a rotation, a batch, a deletion, a verification without a key', async () => {
    for (const call of [
      (t: Tessera) => t.tokens.rotate('tok_1'),
      (t: Tessera) => t.verifyBatch({ tokens: ['tsk_x'] }),
      (t: Tessera) => t.tokens.delete('tok_1'),
      (t: Tessera) => t.verify({ token: 'tsk_x' }, { idempotencyKey: false }),
    ]) {
      const lost = client([networkError('ECONNRESET'), json(200, {})]);
      const error = await failure(call(lost.tessera));
      assert.deepEqual([error.code, error.status, error.attempts, lost.sent.length], ['NETWORK_ERROR', undefined, 1, 1]);
      assert.match(error.message, /ECONNRESET/);

      const limited = client([apiError(429, 'RATE_LIMITED'), json(200, {})]);
      assert.equal((await failure(call(limited.tessera))).code, 'RATE_LIMITED');
      assert.equal(limited.sent.length, 1);
    }
  });

  it('repeats anything whose connection was refused: it never left', async () => {
    const { tessera, sent } = client([networkError('ECONNREFUSED'), json(201, { token, secret: 'tsk_new' })]);
    assert.equal((await tessera.tokens.rotate('tok_1')).secret, 'tsk_new');
    assert.equal(sent.length, 2);
  });

  it('stops after maxAttempts with the last failure', async () => {
    const { tessera, sent } = client([apiError(503, 'INTERNAL_ERROR')], { retry: { baseDelayMs: 1, maxAttempts: 4 } });
    const error = await failure(tessera.tokens.get('tok_1'));
    assert.deepEqual([error.status, error.attempts, sent.length], [503, 4, 4]);
  });

  it('answers at once when Retry-After asks for longer than maxDelayMs or the time left', async () => {
    const { tessera, sent } = client([apiError(429, 'RATE_LIMITED', { 'retry-after': '60' })]);
    assert.equal((await failure(tessera.tokens.get('tok_1'))).code, 'RATE_LIMITED');
    assert.equal(sent.length, 1);

    const short = client([apiError(429, 'RATE_LIMITED', { 'retry-after': '1' })], { retry: { maxElapsedMs: 500 } });
    await failure(short.tessera.tokens.get('tok_1'));
    assert.equal(short.sent.length, 1);
  });

  it('repeats a keyed call answered 409 only after an attempt of its own was lost (the first may still hold the key)', async () => {
    const raced = client([networkError('ECONNRESET'), apiError(409, 'CONFLICT'), json(200, verified)]);
    assert.equal((await raced.tessera.verify({ token: 'tsk_x' })).code, 'VALID');
    assert.equal(raced.sent.length, 3);

    const conflict = client([apiError(409, 'CONFLICT'), json(200, verified)]);
    assert.equal((await failure(conflict.tessera.reservations.commit('res_1', '1'))).code, 'CONFLICT');
    assert.equal(conflict.sent.length, 1);
  });

  it('turns retries off with retry: false', async () => {
    const { tessera, sent } = client([apiError(503, 'INTERNAL_ERROR'), json(200, { token })], { retry: false });
    assert.equal((await failure(tessera.tokens.get('tok_1'))).status, 503);
    assert.equal(sent.length, 1);
  });
});

describe('timeouts, aborts and answers that are not tessera’s', () => {
  it('times out each attempt and retries what is safe', async () => {
    const { tessera, sent } = client(['hang'], { timeoutMs: 50, retry: { baseDelayMs: 1, maxAttempts: 2 } });
    const error = await failure(tessera.tokens.get('tok_1'));
    assert.deepEqual([error.code, error.attempts, sent.length], ['TIMEOUT', 2, 2]);

    const once = client(['hang']);
    const rotation = await failure(once.tessera.tokens.rotate('tok_1', {}, { timeoutMs: 20 }));
    assert.deepEqual([rotation.code, once.sent.length], ['TIMEOUT', 1]);
  });

  it("stops at the caller's signal, during an attempt or a wait between attempts", async () => {
    const during = client(['hang']);
    const controller = new AbortController();
    const call = during.tessera.tokens.get('tok_1', { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    assert.equal((await failure(call)).code, 'ABORTED');

    const waiting = client([apiError(503, 'INTERNAL_ERROR')], { retry: { baseDelayMs: 60_000, maxDelayMs: 60_000, maxElapsedMs: 120_000 } });
    const later = new AbortController();
    const retried = waiting.tessera.tokens.get('tok_1', { signal: later.signal });
    setTimeout(() => later.abort(), 20);
    const error = await failure(retried);
    assert.deepEqual([error.code, waiting.sent.length], ['ABORTED', 1]);

    assert.equal((await failure(waiting.tessera.tokens.get('tok_1', { signal: AbortSignal.abort() }))).code, 'ABORTED');
  });

  it('reports an answer that is not in the API’s shape as UNEXPECTED_RESPONSE with its status', async () => {
    const { tessera } = client([new Response('<html>Bad Gateway</html>', { status: 502, headers: { 'content-type': 'text/html' } })]);
    const error = await failure(tessera.tokens.get('tok_1'));
    assert.deepEqual([error.code, error.status], ['UNEXPECTED_RESPONSE', 502]);
    assert.match(error.message, /Bad Gateway/);

    const notJson = client([new Response('ok', { status: 200 })]);
    assert.equal((await failure(notJson.tessera.tokens.get('tok_1'))).code, 'UNEXPECTED_RESPONSE');
  });

  it('carries the code, status and request id of an API error', async () => {
    const { tessera } = client([apiError(404, 'TOKEN_NOT_FOUND')]);
    const error = await failure(tessera.tokens.get('tok_1'));
    assert.deepEqual([error.code, error.status, error.requestId, error.attempts], ['TOKEN_NOT_FOUND', 404, 'req_test', 1]);
    assert.ok(error instanceof Error);
  });
});
