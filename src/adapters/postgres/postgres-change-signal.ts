import pg from 'pg';
import type { TokenChange } from '../../store/change-log-store.js';
import { decodeChange, encodeChange, type ChangeSignal, type SignalHandlers } from '../../service/change-feed.js';

export const CHANGE_CHANNEL = 'tessera_token_changes';
/** The listening connection's name in pg_stat_activity, so an operator (or a test) can find each node's. */
export const listenerApplicationName = (pid = process.pid) => `tessera-change-listener:${pid}`;

const HEARTBEAT_MS = 1_000;
const HEARTBEAT_TIMEOUT_MS = 1_000;
const MAX_BACKOFF_MS = 2_000;

/**
 * Announces changes with PostgreSQL NOTIFY and hears them on one LISTEN connection of its own,
 * which it reconnects with backoff when the server drops it. A heartbeat query finds a
 * connection that died without a word (a network cut): the feed stops trusting its cache then.
 */
export class PostgresChangeSignal implements ChangeSignal {
  readonly name = 'postgres-notify';
  readonly #publisher: pg.Pool;
  #client: pg.Client | undefined;
  #handlers: SignalHandlers | undefined;
  #closed = false;
  #backoffMs = 100;
  #heartbeat: NodeJS.Timeout | undefined;
  #reconnect: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly applicationName = listenerApplicationName(),
  ) {
    this.#publisher = new pg.Pool({ connectionString: url, max: 2 });
    this.#publisher.on('error', () => {});
  }

  async publish(changes: readonly TokenChange[]): Promise<void> {
    if (changes.length === 0) return;
    await this.#publisher.query('select pg_notify($1, payload) from unnest($2::text[]) as payload', [CHANGE_CHANNEL, changes.map(encodeChange)]);
  }

  async listen(handlers: SignalHandlers): Promise<void> {
    this.#handlers = handlers;
    await this.#connect();
    this.#heartbeat = setInterval(() => void this.#checkAlive(), HEARTBEAT_MS);
    this.#heartbeat.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#heartbeat);
    clearTimeout(this.#reconnect);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => {});
    await this.#publisher.end();
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, application_name: this.applicationName, keepAlive: true });
    let lost = false;
    const onLost = (error: Error) => {
      if (lost) return;
      lost = true;
      if (this.#client === client) this.#client = undefined;
      client.end().catch(() => {});
      if (this.#closed) return;
      this.#handlers?.onDown(error);
      this.#scheduleReconnect();
    };
    client.on('error', onLost);
    client.on('end', () => onLost(new Error('the notification connection ended')));
    client.on('notification', (message) => {
      const change = message.channel === CHANGE_CHANNEL && message.payload ? decodeChange(message.payload) : undefined;
      if (change) this.#handlers?.onChange(change);
    });
    try {
      await client.connect();
      await client.query(`listen ${CHANGE_CHANNEL}`);
    } catch (error) {
      onLost(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (this.#closed) {
      await client.end().catch(() => {});
      return;
    }
    this.#client = client;
    this.#backoffMs = 100;
    this.#handlers?.onUp();
  }

  #scheduleReconnect(): void {
    clearTimeout(this.#reconnect);
    this.#reconnect = setTimeout(() => void this.#connect(), this.#backoffMs);
    this.#reconnect.unref();
    this.#backoffMs = Math.min(this.#backoffMs * 2, MAX_BACKOFF_MS);
  }

  async #checkAlive(): Promise<void> {
    const client = this.#client;
    if (!client) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the notification connection stopped answering')), HEARTBEAT_TIMEOUT_MS);
    });
    try {
      await Promise.race([client.query('select 1'), timeout]);
    } catch (error) {
      client.emit('error', error instanceof Error ? error : new Error(String(error)));
    } finally {
      clearTimeout(timer);
    }
  }
}
