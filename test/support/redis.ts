import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

const SERVER_URL = process.env.TESSERA_TEST_REDIS_URL || process.env.REDIS_URL || 'redis://127.0.0.1:6379';

export type RedisTestServer = { url: string; keyPrefix: string; cleanup(): Promise<void> } | { skip: string };

async function withClient<T>(run: (client: Redis) => Promise<T>): Promise<T> {
  let lastError: unknown;
  // The server may be restarting: a few quick attempts before giving up.
  for (let attempt = 0; attempt < 5; attempt++) {
    const client = new Redis(SERVER_URL, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
    // The socket's own error (ECONNREFUSED…) says more than the "Connection is closed" connect rejects with.
    let cause: Error | undefined;
    client.on('error', (error: Error) => (cause ??= error));
    try {
      await client.connect();
      await client.ping();
    } catch (error) {
      lastError = cause ?? error;
      client.disconnect();
      await new Promise((r) => setTimeout(r, 300));
      continue;
    }
    try {
      return await run(client);
    } finally {
      client.disconnect();
    }
  }
  throw lastError;
}

/**
 * The test Redis and a key prefix of its own for one test file, removed by cleanup. When the
 * server cannot be reached the Redis tests skip and say why — unless TESSERA_REQUIRE_REDIS=1
 * (CI), where that is a failure.
 */
export async function redisTestServer(): Promise<RedisTestServer> {
  try {
    await withClient((client) => client.ping());
  } catch (error) {
    const reason = `Redis not reachable at ${redact(SERVER_URL)}: ${(error as Error).message} (set TESSERA_TEST_REDIS_URL)`;
    if (process.env.TESSERA_REQUIRE_REDIS === '1') throw new Error(`TESSERA_REQUIRE_REDIS=1 but ${reason}`, { cause: error });
    return { skip: reason };
  }
  const keyPrefix = `tessera:test:${randomBytes(6).toString('hex')}:`;
  return { url: SERVER_URL, keyPrefix, cleanup: () => deleteKeys(keyPrefix) };
}

/** The keys under a prefix, for tests that look at what the limiter stored. */
export async function redisKeys(prefix: string): Promise<Map<string, { value: string | null; ttlMs: number }>> {
  return withClient(async (client) => {
    const found = new Map<string, { value: string | null; ttlMs: number }>();
    for (const key of await scan(client, prefix)) {
      found.set(key, { value: await client.get(key), ttlMs: await client.pttl(key) });
    }
    return found;
  });
}

/** The Redis server's clock, in ms. */
export async function redisTime(): Promise<number> {
  return withClient(async (client) => {
    const [seconds, micros] = await client.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  });
}

async function deleteKeys(prefix: string): Promise<void> {
  await withClient(async (client) => {
    const keys = await scan(client, prefix);
    if (keys.length > 0) await client.del(...keys);
  });
}

async function scan(client: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
