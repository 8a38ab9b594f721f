import net from 'node:net';

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
  heldUp: Buffer[];
  heldDown: Buffer[];
}

/**
 * A TCP proxy to stand between a client and a server and fail the way networks do: `refuse`
 * (the server is gone: connections reset, new ones refused) or `stall` (a partition: connections
 * stay open and bytes are held, to be delivered late by `restore`, as TCP would).
 */
export class TcpProxy {
  readonly #server: net.Server;
  readonly #target: { host: string; port: number };
  readonly #pairs = new Set<Pair>();
  #port = 0;
  #stalled = false;

  private constructor(target: { host: string; port: number }) {
    this.#target = target;
    this.#server = net.createServer((client) => this.#connect(client));
  }

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(target);
    await proxy.#listen(0);
    return proxy;
  }

  /** `url` with its host and port replaced by the proxy's. */
  urlFor(url: string): string {
    const proxied = new URL(url);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(this.#port);
    return proxied.toString();
  }

  async refuse(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const pair of this.#pairs) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    this.#pairs.clear();
    await closed;
  }

  stall(): void {
    this.#stalled = true;
  }

  async restore(): Promise<void> {
    if (!this.#server.listening) await this.#listen(this.#port);
    this.#stalled = false;
    for (const pair of this.#pairs) {
      for (const chunk of pair.heldUp.splice(0)) pair.upstream.write(chunk);
      for (const chunk of pair.heldDown.splice(0)) pair.client.write(chunk);
    }
  }

  async close(): Promise<void> {
    if (this.#server.listening) await this.refuse();
  }

  async #listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    this.#port = (this.#server.address() as net.AddressInfo).port;
  }

  #connect(client: net.Socket): void {
    const upstream = net.connect(this.#target.port, this.#target.host);
    const pair: Pair = { client, upstream, heldUp: [], heldDown: [] };
    this.#pairs.add(pair);
    client.on('data', (chunk) => (this.#stalled ? pair.heldUp.push(chunk) : upstream.write(chunk)));
    upstream.on('data', (chunk) => (this.#stalled ? pair.heldDown.push(chunk) : client.write(chunk)));
    const end = () => {
      client.destroy();
      upstream.destroy();
      this.#pairs.delete(pair);
    };
    for (const socket of [client, upstream]) {
      socket.on('close', end);
      socket.on('error', end);
    }
  }
}
