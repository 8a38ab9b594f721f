import net from 'node:net';

/**
 * A TCP proxy that loses answers the way a network does: armed with `dropAnswers(n)`, it passes
 * the next n requests to the server whole, and when each answer starts to come back it cuts the
 * client's connection instead of passing it on. The server has acted; the client saw nothing.
 */
export class AnswerDroppingProxy {
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();
  #toDrop = 0;
  #port = 0;
  /** Answers cut off so far. */
  dropped = 0;

  private constructor(target: URL) {
    this.#server = net.createServer((client) => {
      const upstream = net.connect(Number(target.port), target.hostname);
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => {});
      }
      client.on('data', (chunk) => upstream.write(chunk));
      upstream.on('data', (chunk) => {
        if (this.#toDrop > 0) {
          this.#toDrop--;
          this.dropped++;
          client.destroy();
          upstream.destroy();
          return;
        }
        client.write(chunk);
      });
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  }

  static async start(targetUrl: string): Promise<AnswerDroppingProxy> {
    const proxy = new AnswerDroppingProxy(new URL(targetUrl));
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    proxy.#port = (proxy.#server.address() as net.AddressInfo).port;
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** Cuts the connection at the start of each of the next `count` answers. */
  dropAnswers(count: number): void {
    this.#toDrop = count;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
