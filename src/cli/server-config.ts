import { resolve } from 'node:path';

export interface ServerConfig {
  host: string;
  port: number;
  dataDir: string;
  /** postgres://… selects PostgreSQL; otherwise SQLite in dataDir. */
  databaseUrl: string | undefined;
  bootstrapToken: string | undefined;
  logLevel: string;
  trustProxy: boolean;
  /** Verified tokens (and unknown ones) are served from memory for at most this long. */
  cacheTtlMs: number;
  cacheMaxEntries: number;
  secretKey: string | undefined;
  /** `clientId:base64urlSecret[,…]`: Unleash Edge clients that sign their requests. */
  edgeClients: string | undefined;
  edgeConfigTokenLimit: number;
}

export interface ServerFlags {
  host?: string;
  port?: string;
  dataDir?: string;
  databaseUrl?: string;
  logLevel?: string;
}

/** Flags win over environment variables, which win over defaults. */
export function serverConfig(flags: ServerFlags, env: NodeJS.ProcessEnv): ServerConfig {
  const portText = flags.port ?? env.PORT ?? '8420';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new Error(`invalid port: ${portText}`);
  return {
    host: flags.host ?? env.HOST ?? '127.0.0.1',
    port,
    dataDir: resolve(flags.dataDir ?? env.TESSERA_DATA_DIR ?? './data'),
    databaseUrl: flags.databaseUrl ?? (env.DATABASE_URL || undefined),
    bootstrapToken: env.TESSERA_BOOTSTRAP_TOKEN || undefined,
    logLevel: flags.logLevel ?? env.LOG_LEVEL ?? 'info',
    trustProxy: env.TESSERA_TRUST_PROXY === '1' || env.TESSERA_TRUST_PROXY === 'true',
    cacheTtlMs: nonNegativeInteger('TESSERA_CACHE_TTL_MS', env.TESSERA_CACHE_TTL_MS, 10_000),
    cacheMaxEntries: nonNegativeInteger('TESSERA_CACHE_MAX_ENTRIES', env.TESSERA_CACHE_MAX_ENTRIES, 100_000),
    secretKey: env.TESSERA_SECRET_KEY || undefined,
    edgeClients: env.TESSERA_EDGE_CLIENTS || undefined,
    edgeConfigTokenLimit: nonNegativeInteger('TESSERA_EDGE_CONFIG_TOKEN_LIMIT', env.TESSERA_EDGE_CONFIG_TOKEN_LIMIT, 100),
  };
}

function nonNegativeInteger(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  if (!/^\d+$/.test(text)) throw new Error(`${name} must be a whole number, got "${text}"`);
  return Number(text);
}

/** Where the data lives, for people: never prints a database password. */
export function describeStore(config: ServerConfig): string {
  if (!config.databaseUrl) return `SQLite ${resolve(config.dataDir, 'tessera.db')}`;
  const url = new URL(config.databaseUrl);
  return `PostgreSQL ${url.hostname}:${url.port || 5432}${url.pathname}`;
}
