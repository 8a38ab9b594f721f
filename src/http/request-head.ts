/**
 * Reads one HTTP/1.1 request of the plainest form from a buffer, for the socket-level verify
 * path (verify-connections.ts). It is not a general HTTP parser: it recognizes the common case
 * and says `undefined` to everything else, which then goes to Node's own parser. So it accepts
 * only what every parser frames the same way:
 *
 * - the request line exactly `<method> <path> HTTP/1.1`, as the caller expects it;
 * - header lines `name: value` with a token name and a value of visible ASCII, spaces and tabs
 *   that does not end in whitespace (no obsolete line folding, no bare CR or LF, no bytes past
 *   0x7e);
 * - exactly one `Host`, exactly one `Content-Length` of plain digits (no leading zero) within
 *   the limit, at most one of each other header that decides framing or plainness (PlainHeaders),
 *   and no `Transfer-Encoding`, `Expect`, `Upgrade`, or `Connection` other than `keep-alive` or
 *   `close`;
 * - head and body complete in the buffer (a request split across reads is left to Node, which
 *   has the timeouts for slow senders).
 */

/** The headers that decide how a request is framed and whether a verification is plain; absent ones are undefined. */
export interface PlainHeaders {
  host: string | undefined;
  'content-length': string | undefined;
  'content-type': string | undefined;
  'transfer-encoding': string | undefined;
  expect: string | undefined;
  upgrade: string | undefined;
  connection: string | undefined;
  'idempotency-key': string | undefined;
  'x-forwarded-for': string | undefined;
}

/** A request read whole from the buffer. */
export interface RequestHead {
  headers: PlainHeaders;
  /** Where the body starts and ends in the buffer. */
  bodyStart: number;
  bodyEnd: number;
}

/** Node's default cap on a request head (`--max-http-header-size`). */
export const MAX_HEAD_BYTES = 16 * 1024;

// The header block from the request line's CRLF on: each line a token name, a colon, optional
// whitespace and a value that neither starts nor ends with whitespace, then CRLF.
const HEADER_BLOCK = /^\r\n(?:[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[\t ]*(?:[\x21-\x7e](?:[\t\x20-\x7e]*[\x21-\x7e])?)?\r\n)*$/;
const NAMES = ['host', 'content-length', 'content-type', 'transfer-encoding', 'expect', 'upgrade', 'connection', 'idempotency-key', 'x-forwarded-for'] as const;
const NEEDLES = NAMES.map((name) => `\r\n${name}:`);
const DIGITS = /^[1-9][0-9]{0,8}$/;
const CRLF_CRLF = Buffer.from('\r\n\r\n');

/**
 * The request starting at `start` when it is a whole, plain `requestLine` request with a body of
 * at most `bodyLimit` bytes; undefined when it is anything else or not all here yet.
 */
export function readRequestHead(buffer: Buffer, start: number, requestLine: string, bodyLimit: number): RequestHead | undefined {
  const lineEnd = start + requestLine.length;
  if (buffer.length < lineEnd + 2 || buffer.toString('latin1', start, lineEnd) !== requestLine) return undefined;
  const headEnd = buffer.indexOf(CRLF_CRLF, lineEnd);
  if (headEnd < 0 || headEnd - start > MAX_HEAD_BYTES) return undefined;
  const block = buffer.toString('latin1', lineEnd, headEnd + 2);
  if (!HEADER_BLOCK.test(block)) return undefined;

  const headers = plainHeaders(block);
  if (!headers || !plainFraming(headers)) return undefined;
  const length = headers['content-length']!;
  if (!DIGITS.test(length) || Number(length) > bodyLimit) return undefined;
  const bodyStart = headEnd + 4;
  const bodyEnd = bodyStart + Number(length);
  return bodyEnd <= buffer.length ? { headers, bodyStart, bodyEnd } : undefined;
}

/** The headers that matter, found by name in a valid block; undefined when one of them comes twice. */
function plainHeaders(block: string): PlainHeaders | undefined {
  // The block is ASCII (HEADER_BLOCK): lower case keeps every offset.
  const lower = block.toLowerCase();
  const values: Array<string | undefined> = [];
  for (const needle of NEEDLES) {
    const at = lower.indexOf(needle);
    if (at < 0) {
      values.push(undefined);
      continue;
    }
    if (lower.indexOf(needle, at + 1) >= 0) return undefined;
    let from = at + needle.length;
    while (block.charCodeAt(from) === 32 || block.charCodeAt(from) === 9) from++;
    values.push(block.slice(from, block.indexOf('\r\n', from)));
  }
  const [host, contentLength, contentType, transferEncoding, expect, upgrade, connection, idempotencyKey, forwardedFor] = values;
  return {
    host,
    'content-length': contentLength,
    'content-type': contentType,
    'transfer-encoding': transferEncoding,
    expect,
    upgrade,
    connection,
    'idempotency-key': idempotencyKey,
    'x-forwarded-for': forwardedFor,
  };
}

function plainFraming(headers: PlainHeaders): boolean {
  const connection = headers.connection?.toLowerCase();
  return (
    headers.host !== undefined &&
    headers['content-length'] !== undefined &&
    headers['transfer-encoding'] === undefined &&
    headers.expect === undefined &&
    headers.upgrade === undefined &&
    (connection === undefined || connection === 'keep-alive' || connection === 'close')
  );
}
