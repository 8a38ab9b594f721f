import { request, type IncomingHttpHeaders } from 'node:http';
import { waitFor } from './wait-for.js';

/** One block of a text/event-stream as a client sees it: an event, or a comment (a heartbeat). */
export interface StreamBlock {
  event?: string;
  id?: string;
  data?: string;
  comment?: string;
  /** When it arrived (Date.now()). */
  at: number;
}

/**
 * A Server-Sent Events reader for tests, over a connection of its own: it keeps every block as
 * it arrives and the last event id as an EventSource would. A few lines of the spec's parsing
 * (fields `id`, `event`, `data`, comments), enough for what tessera writes.
 */
export class EventStreamClient {
  readonly blocks: StreamBlock[] = [];
  /** The text received, all of it, for asserting what is not in it. */
  text = '';
  lastEventId: string | undefined;
  ended = false;
  #buffer = '';
  #abort: () => void = () => {};

  private constructor(
    readonly status: number,
    readonly headers: IncomingHttpHeaders,
  ) {}

  /** Opens `url` with `token`; resolves once the answer's headers are in (an error answer is read whole into `text`). */
  static open(url: string, token: string, headers: Record<string, string> = {}): Promise<EventStreamClient> {
    return new Promise((resolve, reject) => {
      const req = request(url, { agent: false, headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', ...headers } }, (res) => {
        const client = new EventStreamClient(res.statusCode ?? 0, res.headers);
        client.#abort = () => req.destroy();
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => client.#receive(chunk));
        res.on('close', () => (client.ended = true));
        res.on('error', () => (client.ended = true));
        resolve(client);
      });
      req.on('error', reject);
      req.end();
    });
  }

  /** The events (blocks with data) of this kind received so far. */
  events(name?: string): StreamBlock[] {
    return this.blocks.filter((b) => b.data !== undefined && (name === undefined || b.event === name));
  }

  /** Waits until `count` events of this kind have arrived; returns them. */
  async waitForEvents(name: string, count: number, ms = 5_000): Promise<StreamBlock[]> {
    return waitFor(
      `${count} "${name}" event(s) (have ${this.events(name).length})`,
      () => (this.events(name).length >= count ? this.events(name) : undefined),
      ms,
    );
  }

  async waitForEnd(ms = 5_000): Promise<void> {
    await waitFor('the stream to end', () => (this.ended ? true : undefined), ms);
  }

  close(): void {
    this.#abort();
  }

  #receive(chunk: string): void {
    this.text += chunk;
    this.#buffer += chunk;
    for (let end = this.#buffer.indexOf('\n\n'); end !== -1; end = this.#buffer.indexOf('\n\n')) {
      const lines = this.#buffer.slice(0, end).split('\n');
      this.#buffer = this.#buffer.slice(end + 2);
      const block: StreamBlock = { at: Date.now() };
      for (const line of lines) {
        if (line.startsWith(':')) {
          block.comment = line.slice(1).trim();
          continue;
        }
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'id') block.id = value;
        else if (field === 'event') block.event = value;
        else if (field === 'data') block.data = block.data === undefined ? value : `${block.data}\n${value}`;
      }
      if (block.id !== undefined) this.lastEventId = block.id;
      // A block with data is an event (of type `message` unless named); one with only an id or a comment moves the id.
      if (block.data !== undefined) block.event ??= 'message';
      this.blocks.push(block);
    }
  }
}
