import { Redis } from 'ioredis';
import type { TokenChange } from '../../store/change-log-store.js';
import { decodeChange, encodeChange, type ChangeSignal, type SignalHandlers } from '../../service/change-feed.js';

/**
 * Announces changes with Redis PUBLISH and hears them on a SUBSCRIBE connection of its own,
 * for stores without LISTEN/NOTIFY (distributed SQL engines) or to keep that traffic off the
 * database. Pub/sub keeps nothing for a subscriber that is away: the change log covers that,
 * and the feed reads it when the subscription is back.
 */
export class RedisChangeSignal implements ChangeSignal {
  readonly name = 'redis-pubsub';
  readonly #publisher: Redis;
  readonly #subscriber: Redis;
  #up = false;

  readonly #channel: string;

  /** `logId` (the store's) keeps apart the nodes of different databases that share one Redis. */
  constructor(
    url: string,
    logId: string,
    /** The subscriber's CLIENT SETNAME, so an operator (or a test) can find each node's. */
    connectionName = `tessera-change-subscriber:${process.pid}`,
  ) {
    this.#channel = `tessera:token-changes:${logId}`;
    const options = { maxRetriesPerRequest: 1, connectTimeout: 2000, retryStrategy: (attempt: number) => Math.min(attempt * 50, 1000) };
    this.#publisher = new Redis(url, options);
    this.#subscriber = new Redis(url, { ...options, autoResubscribe: false, connectionName });
    // Failures surface as onDown and failed publishes; unheard, ioredis would print each one.
    this.#publisher.on('error', () => {});
    this.#subscriber.on('error', () => {});
  }

  async publish(changes: readonly TokenChange[]): Promise<void> {
    for (const change of changes) await this.#publisher.publish(this.#channel, encodeChange(change));
  }

  async listen(handlers: SignalHandlers): Promise<void> {
    this.#subscriber.on('message', (channel: string, payload: string) => {
      const change = channel === this.#channel ? decodeChange(payload) : undefined;
      if (change) handlers.onChange(change);
    });
    this.#subscriber.on('ready', () => {
      this.#subscriber.subscribe(this.#channel).then(
        () => {
          this.#up = true;
          handlers.onUp();
        },
        (error: Error) => {
          handlers.onDown(error);
          this.#subscriber.disconnect(true);
        },
      );
    });
    this.#subscriber.on('close', () => {
      if (!this.#up) return;
      this.#up = false;
      handlers.onDown(new Error('the Redis subscription connection closed'));
    });
    if (this.#subscriber.status === 'ready') this.#subscriber.emit('ready');
  }

  async close(): Promise<void> {
    this.#subscriber.removeAllListeners('close');
    this.#subscriber.disconnect();
    this.#publisher.disconnect();
  }
}
