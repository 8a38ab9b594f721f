import { Server, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyServerOptions } from 'fastify';
import type { VerifyConnections } from './verify-connections.js';

type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * Node's HTTP server with a socket reader in front of its parser: each new connection goes to
 * `connections()` (verify-connections.ts), when there is one, which hands it to Node's own
 * connection handling when it is not, or no longer, its to answer. Closing idle or all
 * connections covers the reader's too, so Fastify's close does not wait on them.
 */
class TesseraServer extends Server {
  readonly #connections: () => VerifyConnections | undefined;

  constructor(listener: RequestListener, connections: () => VerifyConnections | undefined) {
    super(listener);
    this.#connections = connections;
    const [nodeConnection] = this.listeners('connection') as Array<(socket: Socket) => void>;
    this.removeAllListeners('connection');
    const toNode = (socket: Socket) => nodeConnection!.call(this, socket);
    this.on('connection', (socket: Socket) => {
      const reader = this.#connections();
      if (reader) reader.accept(socket, toNode);
      else toNode(socket);
    });
  }

  override closeIdleConnections(): void {
    super.closeIdleConnections();
    this.#connections()?.closeIdle();
  }

  override closeAllConnections(): void {
    super.closeAllConnections();
    this.#connections()?.closeAll();
  }
}

/** The HTTP server Fastify would make itself (same timeouts), with `listener` in front of its handler. */
export function httpServer(options: FastifyServerOptions, listener: RequestListener, connections: () => VerifyConnections | undefined): Server {
  const server = new TesseraServer(listener, connections);
  server.keepAliveTimeout = options.keepAliveTimeout!;
  server.requestTimeout = options.requestTimeout!;
  server.setTimeout(options.connectionTimeout!);
  if (options.maxRequestsPerSocket! > 0) server.maxRequestsPerSocket = options.maxRequestsPerSocket!;
  return server;
}
