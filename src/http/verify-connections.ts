import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { readRequestHead } from './request-head.js';
import { corkUntilTurnEnds } from './turn-writes.js';
import { VERIFY_PATH, type VerifyCall, type VerifyReply, type VerifyResponder } from './verify-responder.js';

const REQUEST_LINE = `POST ${VERIFY_PATH} HTTP/1.1`;

/** Bytes kept from a client while an answer is awaited, before reading from it pauses. */
const MAX_WAITING_BYTES = 256 * 1024;

/**
 * Plain verifications read straight off the socket, before Node's HTTP server parses them.
 *
 * Node's `http.Server` builds a request and a response stream for every request; for a small
 * JSON POST that machinery costs more than everything tessera does to verify a token (on this
 * machine a bare node:http server spends ~70 µs of CPU on one, a socket reader ~32 µs). So a
 * connection starts here: each request that is whole in what was read and of the plainest form
 * (request-head.ts: `POST /v1/verify HTTP/1.1`, one Content-Length, nothing unusual) and plain
 * as a verification (VerifyResponder.takes) is answered here, in order, with the bytes Node
 * would write. At the first request that is anything else — another route, a request split
 * across reads, a closing server — the connection is handed to Node's HTTP server for good,
 * starting with that request's bytes, and Node and Fastify answer from there on.
 *
 * Answers go out in request order: while one awaits the store, what else the client sends is
 * kept (up to MAX_WAITING_BYTES, then reading pauses) and read after it.
 */
export class VerifyConnections {
  readonly #open = new Set<VerifyConnection>();
  readonly #keepAlive: string;

  constructor(
    readonly responder: VerifyResponder,
    /** The server's keep-alive timeout: idle connections are closed after it, and answers announce it. */
    readonly keepAliveTimeoutMs: number,
  ) {
    this.#keepAlive = `Connection: keep-alive\r\nKeep-Alive: timeout=${Math.floor(keepAliveTimeoutMs / 1000)}\r\n`;
  }

  /** Takes a new connection; `toNode` gives it to Node's HTTP server. */
  accept(socket: Socket, toNode: (socket: Socket) => void): void {
    this.#open.add(new VerifyConnection(this, socket, toNode));
  }

  /** As `server.closeIdleConnections()`: connections with no answer under way are closed; the others close after it. */
  closeIdle(): void {
    for (const connection of this.#open) connection.closeIfIdle();
  }

  /** As `server.closeAllConnections()`. */
  closeAll(): void {
    for (const connection of this.#open) connection.socket.destroy();
  }

  /**
   * The status line and headers Node writes for `writeHead(status, headers)`, and whether the
   * connection ends after the answer: when the app is closing (the headers say so) or the client
   * asked (`Connection: close`).
   */
  head(call: VerifyCall, reply: VerifyReply, clientCloses: boolean): { head: string; close: boolean } {
    const headers = this.responder.headersOf(call, reply);
    let head = `HTTP/1.1 ${reply.status} ${STATUS_CODES[reply.status]}\r\n`;
    for (const name in headers) head += `${name}: ${headers[name]}\r\n`;
    head += `Date: ${httpDate()}\r\n`;
    if (headers.connection !== undefined) return { head: `${head}\r\n`, close: true };
    if (clientCloses) return { head: `${head}Connection: close\r\n\r\n`, close: true };
    return { head: `${head}${this.#keepAlive}\r\n`, close: false };
  }

  forget(connection: VerifyConnection): void {
    this.#open.delete(connection);
  }
}

class VerifyConnection {
  /** An answer is awaited (a store read or a charge); what arrives meanwhile waits in `#waiting`. */
  #busy = false;
  #waiting: Buffer | undefined;
  /** The client ended its side; the connection ends once the answer under way is written. */
  #ended = false;
  /** Answers are waiting in the socket's buffer for the client to read them: reading is paused until they drain. */
  #draining = false;
  readonly #ip: string;

  constructor(
    readonly owner: VerifyConnections,
    readonly socket: Socket,
    readonly toNode: (socket: Socket) => void,
  ) {
    this.#ip = socket.remoteAddress ?? '';
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('error', this.#onError);
    socket.on('close', this.#onClose);
    socket.setTimeout(owner.keepAliveTimeoutMs, this.#onTimeout);
  }

  closeIfIdle(): void {
    if (!this.#busy) this.socket.destroy();
  }

  readonly #onData = (chunk: Buffer): void => {
    if (!this.#busy) return this.#read(chunk);
    this.#waiting = this.#waiting ? Buffer.concat([this.#waiting, chunk]) : chunk;
    if (this.#waiting.length > MAX_WAITING_BYTES) this.socket.pause();
  };

  readonly #onEnd = (): void => {
    this.#ended = true;
    if (!this.#busy) this.socket.end();
  };

  // A reset or a broken pipe: nothing to answer any more.
  readonly #onError = (): void => {
    this.socket.destroy();
  };

  readonly #onClose = (): void => {
    this.owner.forget(this);
  };

  readonly #onTimeout = (): void => {
    if (!this.#busy) this.socket.destroy();
  };

  readonly #onDrain = (): void => {
    this.#draining = false;
    if (!this.#busy) this.#resume();
  };

  #resume(): void {
    if (this.socket.isPaused() && !this.socket.writableNeedDrain) this.socket.resume();
  }

  /** Answers the whole plain verifications in `buffer` in order; hands the connection to Node at the first other request. */
  #read(buffer: Buffer): void {
    const { responder } = this.owner;
    let at = 0;
    while (at < buffer.length) {
      const request = readRequestHead(buffer, at, REQUEST_LINE, responder.bodyLimit);
      if (!request || !responder.takes(request.headers)) return this.#handOver(buffer.subarray(at));
      at = request.bodyEnd;
      const clientCloses = request.headers.connection?.toLowerCase() === 'close';
      const call = responder.start(this.#ip);
      const reply = responder.answer(call, buffer.toString('utf8', request.bodyStart, request.bodyEnd));
      if (!(reply instanceof Promise)) {
        if (!this.#send(call, reply, clientCloses)) return;
        continue;
      }
      this.#busy = true;
      const rest = buffer.subarray(at);
      void reply.then((answer) => {
        this.#busy = false;
        if (!this.#send(call, answer, clientCloses)) return;
        const waiting = this.#waiting;
        this.#waiting = undefined;
        this.#resume();
        const more = waiting ? Buffer.concat([rest, waiting]) : rest;
        if (more.length > 0) this.#read(more);
        else if (this.#ended) this.socket.end();
      });
      return;
    }
  }

  /** Writes an answer; false when the connection ends with it. */
  #send(call: VerifyCall, reply: VerifyReply, clientCloses: boolean): boolean {
    const { responder } = this.owner;
    if (this.socket.destroyed) return false;
    const { head, close } = this.owner.head(call, reply, clientCloses);
    if (!this.socket.writableCorked) corkUntilTurnEnds(this.socket);
    // A client that sends without reading what it is answered: read no more until it has.
    if (!this.socket.write(head + reply.payload) && !this.#draining) {
      this.#draining = true;
      this.socket.pause();
      this.socket.once('drain', this.#onDrain);
    }
    responder.finished(call, reply.status);
    if (!close) return true;
    this.socket.end();
    return false;
  }

  /**
   * From here on Node's HTTP server reads this connection, starting with `unread`. A client that
   * has already ended its side gets no answer to what it sent last.
   */
  #handOver(unread: Buffer): void {
    const { socket } = this;
    if (this.#ended) {
      socket.end();
      return;
    }
    socket.removeListener('data', this.#onData);
    socket.removeListener('drain', this.#onDrain);
    socket.removeListener('end', this.#onEnd);
    socket.removeListener('error', this.#onError);
    socket.removeListener('close', this.#onClose);
    socket.setTimeout(0);
    socket.removeListener('timeout', this.#onTimeout);
    this.owner.forget(this);
    this.toNode(socket);
    // Given to Node's data listener now, before anything read later: put back into the stream
    // with unshift, they could wait there while Node's parser, which reads the socket's handle
    // directly, took the bytes after them.
    if (unread.length > 0) socket.emit('data', unread);
    if (socket.isPaused()) socket.resume();
  }
}

/** The Date header's text, made once a second as Node makes it. */
let dateSecond = -1;
let dateText = '';
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}
