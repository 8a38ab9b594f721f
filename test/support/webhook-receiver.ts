import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request the receiver got, and whether the standardwebhooks library verified it. */
export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** `Webhook.verify`'s answer (the parsed payload), or undefined when it threw. */
  payload: { type: string; timestamp: string; data: Record<string, any> } | undefined;
  verifyError: string | undefined;
  /** The status answered. */
  status: number;
}

/**
 * A real webhook receiver on loopback: every request is verified with the `standardwebhooks`
 * package's `Webhook.verify`, with the secret registered for its path, exactly as a user's
 * receiver would. `answer` decides the status (a down receiver answers 503); `hold` keeps requests
 * open until released (a node killed mid-delivery).
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  readonly #secrets = new Map<string, string[]>();
  answer: (path: string) => number = () => 200;
  /** While set, each request waits for this promise before it is answered. */
  hold: Promise<void> | undefined;
  /** Requests read in full and waiting on `hold`. */
  held = 0;
  /** Every request that waited on `hold`, as it arrived. */
  readonly heldRequests: Received[] = [];
  #server: Server | undefined;
  url = '';

  async start(port = 0): Promise<this> {
    this.#server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        const path = req.url ?? '/';
        const status = this.answer(path);
        let payload: Received['payload'];
        let verifyError: string | undefined = 'no secret registered for this path';
        for (const secret of this.#secrets.get(path) ?? []) {
          try {
            payload = new Webhook(secret).verify(body, req.headers as Record<string, string>) as Received['payload'];
            verifyError = undefined;
            break;
          } catch (error) {
            verifyError = (error as Error).message;
          }
        }
        const entry: Received = { path, headers: req.headers, body, payload, verifyError, status };
        const reply = () => {
          this.received.push(entry);
          res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'down');
        };
        if (this.hold) {
          this.held++;
          this.heldRequests.push(entry);
          void this.hold.then(() => {
            this.held--;
            reply();
          });
        } else reply();
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  /** Verifies requests to `path` with `secret` (several: any of them, as after a rotation). */
  expect(path: string, ...secrets: string[]): void {
    this.#secrets.set(path, secrets);
  }

  /** The delivered (2xx-answered) requests to `path`. */
  deliveredTo(path: string): Received[] {
    return this.received.filter((r) => r.path === path && r.status < 300);
  }

  async close(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }
}
