import { systemRuntime } from '../service/runtime.js';
import { SigningKeyService, type SigningKeyInfo } from '../service/signing-key-service.js';
import { openStores } from '../store/open-stores.js';
import type { Stores } from '../store/stores.js';
import { claimServerKey } from './secret-key.js';
import { JWKS_MAX_AGE_SECONDS } from '../http/routes/jwks-routes.js';
import { describeStore, type ServerConfig } from './server-config.js';

/**
 * The signing keys of the configured store, with the server key its servers use: a key sealed under
 * another server key would be one no server could open, so a key other than the store's is refused
 * as `tessera serve` refuses it.
 */
async function withSigningKeys<T>(config: ServerConfig, body: (keys: SigningKeyService, stores: Stores) => Promise<T>): Promise<T> {
  const stores = await openStores({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const serverKey = await claimServerKey(config, stores);
    const keys = new SigningKeyService(
      { store: stores.signingKeys, serverKey, runtime: systemRuntime },
      { refreshMs: config.signingKeyRefreshMs, maxTokenLifetimeMs: config.jwtTtlSeconds * 1000 },
    );
    return await body(keys, stores);
  } finally {
    await stores.close();
  }
}

/**
 * By default a rotated-in key signs only once every node has read it (the refresh) and every
 * verifier that honours the key set's Cache-Control has fetched it (its max-age): no verifier meets
 * a JWT whose key it has not been offered.
 */
export function defaultActivationDelayMs(config: Pick<ServerConfig, 'signingKeyRefreshMs'>): number {
  return config.signingKeyRefreshMs + JWKS_MAX_AGE_SECONDS * 1000;
}

/**
 * `tessera signing-keys rotate`: a new key, published at once, signs from `activateInSeconds` on
 * (by default defaultActivationDelayMs); the old one signs until then and stays published until
 * its JWTs have expired.
 */
export async function rotateSigningKey(config: ServerConfig, activateInSeconds?: string): Promise<string> {
  const delayMs = activateInSeconds === undefined ? defaultActivationDelayMs(config) : seconds(activateInSeconds) * 1000;
  return withSigningKeys(config, async (keys) => {
    const { kid, retired, activatedAt } = await keys.rotate(delayMs);
    const when = new Date(activatedAt).toISOString();
    return retired
      ? `${describeStore(config)}: signing key ${kid} is published now and signs from ${when}; ${retired} signs until then, and stays published until its JWTs have expired`
      : `${describeStore(config)}: signing key ${kid} signs from ${when}; there was none before`;
  });
}

function seconds(text: string): number {
  if (!/^\d{1,6}$/.test(text)) throw new Error(`--activate-in takes whole seconds (0 for at once), got "${text}"`);
  return Number(text);
}

/** `tessera signing-keys list`: kid, algorithm, times and state of each key; never its private half. */
export async function listSigningKeys(config: ServerConfig): Promise<string> {
  return withSigningKeys(config, async (keys) => formatKeys(await keys.list()));
}

function formatKeys(keys: SigningKeyInfo[]): string {
  if (keys.length === 0) return 'no signing keys yet: the first exchange (POST /oauth/token) or JWKS request makes one';
  const when = (at: number | null) => (at === null ? '-' : new Date(at).toISOString());
  const rows = [
    ['KID', 'ALG', 'CREATED', 'ACTIVATED', 'RETIRED', 'STATE'],
    ...keys.map((key) => [key.kid, key.alg, when(key.createdAt), when(key.activatedAt), when(key.retiredAt), key.state]),
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
