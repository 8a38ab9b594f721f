import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_HEAD_BYTES, readRequestHead } from './request-head.js';

const LINE = 'POST /v1/verify HTTP/1.1';
const LIMIT = 1000;
const BODY = '{"token":"tsr_x"}';

/** A request with `lines` as its header lines (CRLF-joined) and `body` after the blank line. */
function request(lines: string[], body = BODY, requestLine = LINE): string {
  return `${requestLine}\r\n${lines.map((line) => `${line}\r\n`).join('')}\r\n${body}`;
}

const plainLines = (length = Buffer.byteLength(BODY)) => ['Host: tessera', 'Content-Type: application/json', `Content-Length: ${length}`];

const read = (text: string | Buffer, start = 0) => readRequestHead(Buffer.isBuffer(text) ? text : Buffer.from(text, 'latin1'), start, LINE, LIMIT);

describe('readRequestHead', () => {
  it('reads a plain request: header names in lower case, the body where it is', () => {
    const text = request(plainLines());
    const head = read(text);
    const { host, connection } = head!.headers;
    assert.deepEqual({ host, connection, type: head!.headers['content-type'], length: head!.headers['content-length'] }, {
      host: 'tessera',
      connection: undefined,
      type: 'application/json',
      length: String(BODY.length),
    });
    assert.equal(text.slice(head!.bodyStart, head!.bodyEnd), BODY);
    assert.equal(head!.bodyEnd, text.length);
  });

  it('reads the next request where the last one ended', () => {
    const first = request(plainLines());
    const secondBody = '{"token":"tsr_second"}';
    const text = first + request([...plainLines(secondBody.length).slice(0, 2), `Content-Length: ${secondBody.length}`, 'Connection: keep-alive'], secondBody);
    const second = read(text, read(text)!.bodyEnd);
    assert.equal(text.slice(second!.bodyStart, second!.bodyEnd), secondBody);
    assert.equal(second!.headers.connection, 'keep-alive');
  });

  it('reads a value without the whitespace after the colon, whatever the case of the name', () => {
    const head = read(request(['HOST:\t tessera', 'content-TYPE:application/json', `Content-Length:   ${BODY.length}`, 'X-Host: other', 'Idempotency-Key: k 1']));
    assert.equal(head?.headers.host, 'tessera');
    assert.equal(head?.headers['content-type'], 'application/json');
    assert.equal(head?.headers['idempotency-key'], 'k 1');
  });

  it('takes the forms every parser frames alike', () => {
    for (const extra of ['Connection: close', 'Connection: Keep-Alive', 'X-Note: two\twords and more', 'X-Empty:', "X-A!#$%&'*+-.^_`|~9: v", 'Accept:*/*']) {
      assert.ok(read(request([...plainLines(), extra])), extra);
    }
  });

  it('says nothing of a request that is not whole yet', () => {
    const text = request(plainLines());
    for (const cut of [0, 10, LINE.length + 1, text.indexOf('\r\n\r\n') + 2, text.length - 1]) {
      assert.equal(read(text.slice(0, cut)), undefined, `cut at ${cut}`);
    }
  });

  it('leaves every other request line to Node', () => {
    for (const line of ['POST /v1/verify HTTP/1.0', 'post /v1/verify HTTP/1.1', 'POST /v1/verify?x=1 HTTP/1.1', 'POST /v1/verify  HTTP/1.1', 'POST /v1/verify/batch HTTP/1.1', 'GET /v1/verify HTTP/1.1']) {
      assert.equal(read(request(plainLines(), BODY, line)), undefined, line);
    }
    assert.equal(read(request(plainLines()).replace(/\r\n/g, '\n')), undefined, 'bare LF line ends');
  });

  it('leaves framing it does not take plainly to Node', () => {
    const cases: Array<[string, string[]]> = [
      ['no Host', plainLines().slice(1)],
      ['two Hosts', [...plainLines(), 'Host: other']],
      ['no Content-Length', plainLines().slice(0, 2)],
      ['two Content-Lengths', [...plainLines(), `content-length: ${BODY.length}`]],
      ['two Content-Types', [...plainLines(), 'Content-Type: text/plain']],
      ['two Connections', [...plainLines(), 'Connection: keep-alive', 'Connection: close']],
      ['leading zero', [...plainLines().slice(0, 2), `Content-Length: 0${BODY.length}`]],
      ['plus sign', [...plainLines().slice(0, 2), `Content-Length: +${BODY.length}`]],
      ['zero length', [...plainLines().slice(0, 2), 'Content-Length: 0']],
      ['over the limit', [...plainLines().slice(0, 2), `Content-Length: ${LIMIT + 1}`]],
      ['Transfer-Encoding', [...plainLines(), 'Transfer-Encoding: chunked']],
      ['Expect', [...plainLines(), 'Expect: 100-continue']],
      ['Upgrade', [...plainLines(), 'Upgrade: websocket']],
      ['Connection: upgrade', [...plainLines(), 'Connection: upgrade']],
      ['Connection: keep-alive, close', [...plainLines(), 'Connection: keep-alive, close']],
      ['folded header', [...plainLines(), 'X-Long: one', ' two']],
      ['no colon', [...plainLines(), 'X-Broken']],
      ['space before the colon', [...plainLines(), 'X-Spaced : v']],
      ['trailing whitespace', [...plainLines().slice(0, 2), `Content-Length: ${BODY.length} `]],
      ['byte past ASCII', [...plainLines(), 'X-Name: caf\u00e9']],
      ['NUL', [...plainLines(), 'X-Nul: a\u0000b']],
      ['bare CR', [...plainLines(), 'X-Cr: a\rb']],
      ['bare LF', [...plainLines(), 'X-Lf: a\nb']],
      ['DEL', [...plainLines(), 'X-Del: a\u007fb']],
    ];
    for (const [name, lines] of cases) assert.equal(read(request(lines)), undefined, name);
    // The same request without the fault is taken: each case fails for its fault alone.
    assert.ok(read(request(plainLines())));
  });

  it('leaves a head past the size Node allows to Node', () => {
    const padding = 'x'.repeat(MAX_HEAD_BYTES);
    assert.equal(read(request([...plainLines(), `X-Pad: ${padding}`])), undefined);
    assert.ok(read(request([...plainLines(), `X-Pad: ${padding.slice(0, MAX_HEAD_BYTES - 200)}`])));
  });

  it('finds a request inside a larger buffer without reading before its start', () => {
    const text = 'garbage' + request(plainLines());
    assert.equal(read(text), undefined);
    const head = read(text, 'garbage'.length);
    assert.equal(text.slice(head!.bodyStart, head!.bodyEnd), BODY);
  });
});
