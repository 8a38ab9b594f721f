import { systemRuntime } from '../service/runtime.js';
import { SigningKeyService, type SigningKeyInfo } from '../service/signing-key-service.js';
import { openStores } from '../store/open-stores.js';
import type { Stores } from '../store/stores.js';
import { claimSecretKey } from './serve.js';
import { loadSecretKey } from './secret-key.js';
import { describeStore, type ServerConfig } from './server-config.js';

/**
 * The signing keys of the configured store, with the server key its servers use: a key sealed under
 * another server key would be one no server could open, so a key other than the store's is refused
 * as `tessera serve` refuses it.
 */
async function withSigningKeys<T>(config: ServerConfig, body: (keys: SigningKeyService, stores: Stores) => Promise<T>): Promise<T> {
  const serverKey = loadSecretKey(config.secretKey, config.dataDir);
  const stores = await openStores({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await claimSecretKey(stores, serverKey);
    const keys = new SigningKeyService(
      { store: stores.signingKeys, serverKey, runtime: systemRuntime },
      { refreshMs: config.signingKeyRefreshMs, maxTokenLifetimeMs: config.jwtTtlSeconds * 1000 },
    );
    return await body(keys, stores);
  } finally {
    await stores.close();
  }
}

/** `tessera signing-keys rotate`: a new key signs from now on; the old one stays published until its JWTs have expired. */
export async function rotateSigningKey(config: ServerConfig): Promise<string> {
  return withSigningKeys(config, async (keys) => {
    const { kid, retired } = await keys.rotate();
    const reach = `running servers sign with it within ${config.signingKeyRefreshMs / 1000} s`;
    return retired
      ? `${describeStore(config)}: signing key ${kid} is current (${reach}); ${retired} is retired and stays published until its JWTs have expired`
      : `${describeStore(config)}: signing key ${kid} is current (${reach}); there was none before`;
  });
}

/** `tessera signing-keys list`: kid, algorithm, times and state of each key; never its private half. */
export async function listSigningKeys(config: ServerConfig): Promise<string> {
  return withSigningKeys(config, async (keys) => formatKeys(await keys.list()));
}

function formatKeys(keys: SigningKeyInfo[]): string {
  if (keys.length === 0) return 'no signing keys yet: the first exchange (POST /oauth/token) or JWKS request makes one';
  const when = (at: number | null) => (at === null ? '-' : new Date(at).toISOString());
  const rows = [
    ['KID', 'ALG', 'CREATED', 'RETIRED', 'STATE'],
    ...keys.map((key) => [key.kid, key.alg, when(key.createdAt), when(key.retiredAt), key.current ? 'current' : key.published ? 'published' : 'expired']),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
