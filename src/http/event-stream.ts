import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { LoggedChange } from '../store/change-log-store.js';
import type { VerifierSink } from '../service/verifier-feed.js';

/**
 * What a stream may hold unsent before it is cut: a verifier that stops reading is disconnected
 * (it reconnects and resumes from its Last-Event-ID) instead of growing this process's memory.
 */
const MAX_BUFFERED_BYTES = 1024 * 1024;

/**
 * A verifier's change stream written as Server-Sent Events (text/event-stream) on Node's response,
 * in the format docs/sdk.md gives. Every event that moves the stream on carries an `id:`, so a
 * client that reconnects with Last-Event-ID resumes exactly after it; a heartbeat carries one too
 * when changes of tokens the verifier may not see moved it on since the last.
 */
export class EventStream implements VerifierSink {
  #lastId = -1;
  #through = 0;

  constructor(
    private readonly raw: ServerResponse,
    headers: OutgoingHttpHeaders = {},
  ) {
    raw.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      // nginx buffers a proxied answer unless told not to: events would arrive late, in bursts.
      'x-accel-buffering': 'no',
    });
    raw.flushHeaders();
  }

  changes(visible: readonly LoggedChange[], through: number): void {
    this.#through = through;
    if (visible.length === 0) return;
    let text = '';
    for (const change of visible) {
      text += `id: ${change.seq}\nevent: change\ndata: {"seq":${change.seq},"digest":"${change.digest.toString('base64url')}","at":${change.at}}\n\n`;
    }
    this.#lastId = visible[visible.length - 1]!.seq;
    this.#write(text);
  }

  reset(latest: number): void {
    this.#event('reset', latest);
  }

  ready(through: number): void {
    this.#event('ready', through);
  }

  heartbeat(through: number): void {
    this.#through = through;
    if (through > this.#lastId) {
      this.#lastId = through;
      // An event, not a bare id: clients (EventSource parsers) dispatch nothing for a block without data.
      this.#write(`: ping\nid: ${through}\nevent: position\ndata: {"seq":${through}}\n\n`);
    } else {
      this.#write(': ping\n\n');
    }
  }

  stale(): void {
    this.#write(`event: stale\ndata: {"seq":${this.#through}}\n\n`);
    this.close();
  }

  close(): void {
    if (!this.raw.writableEnded) this.raw.end();
  }

  /** An event that moves the stream to `seq`. */
  #event(name: string, seq: number): void {
    this.#through = seq;
    this.#lastId = seq;
    this.#write(`id: ${seq}\nevent: ${name}\ndata: {"seq":${seq}}\n\n`);
  }

  #write(text: string): void {
    if (this.raw.writableEnded || this.raw.destroyed) return;
    this.raw.write(text);
    if (this.raw.writableLength > MAX_BUFFERED_BYTES) this.raw.destroy();
  }
}
