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
 *   the limit, and no `Transfer-Encoding`, `Expect`, `Upgrade`, or `Connection` other than
 *   `keep-alive` or `close`;
 * - head and body complete in the buffer (a request split across reads is left to Node, which
 *   has the timeouts for slow senders).
 */

/** A request read whole from the buffer. */
export interface RequestHead {
  /** Header names in lower case, each seen once (a repeated header makes the request not plain). */
  headers: Record<string, string>;
  /** Where the body starts and ends in the buffer. */
  bodyStart: number;
  bodyEnd: number;
}

/** Node's default cap on a request head (`--max-http-header-size`). */
export const MAX_HEAD_BYTES = 16 * 1024;

// A value neither starts nor ends with whitespace: one with trailing whitespace is left to Node.
const HEADER_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[\t ]*((?:[\x21-\x7e](?:[\t\x20-\x7e]*[\x21-\x7e])?)?)$/;
const DIGITS = /^[1-9][0-9]{0,8}$/;
const CRLF_CRLF = Buffer.from('\r\n\r\n');

/**
 * The request starting at `start` when it is a whole, plain `requestLine` request with a body of
 * at most `bodyLimit` bytes; undefined when it is anything else or not all here yet.
 */
export function readRequestHead(buffer: Buffer, start: number, requestLine: string, bodyLimit: number): RequestHead | undefined {
  const lineEnd = start + requestLine.length;
  if (buffer.length < lineEnd + 2 || buffer.toString('latin1', start, lineEnd) !== requestLine || buffer[lineEnd] !== 13 || buffer[lineEnd + 1] !== 10) {
    return undefined;
  }
  const headEnd = buffer.indexOf(CRLF_CRLF, lineEnd);
  if (headEnd < 0 || headEnd - start > MAX_HEAD_BYTES) return undefined;

  const headers: Record<string, string> = {};
  // The header block between the request line's CRLF and the blank line, one line per CRLF.
  const lines = headEnd > lineEnd ? buffer.toString('latin1', lineEnd + 2, headEnd).split('\r\n') : [];
  for (const line of lines) {
    const match = HEADER_LINE.exec(line);
    if (!match) return undefined;
    const name = match[1]!.toLowerCase();
    if (headers[name] !== undefined) return undefined;
    headers[name] = match[2]!;
  }
  if (!plainFraming(headers)) return undefined;
  const length = headers['content-length']!;
  if (!DIGITS.test(length) || Number(length) > bodyLimit) return undefined;
  const bodyStart = headEnd + 4;
  const bodyEnd = bodyStart + Number(length);
  return bodyEnd <= buffer.length ? { headers, bodyStart, bodyEnd } : undefined;
}

function plainFraming(headers: Record<string, string>): boolean {
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
