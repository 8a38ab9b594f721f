import { hash } from 'node:crypto';
import { AppError } from './errors.js';
import { jsonDepthProblem } from './json-depth.js';

/** A Vercel Edge Config: a small JSON key-value store read with resource tokens. */
export interface EdgeConfigRecord {
  id: string;
  slug: string;
  ownerUserId: string;
  teamId: string | null;
  items: Record<string, unknown>;
  /** Changes whenever the items change; readers use it as an ETag. */
  digest: string;
  createdAt: number;
  updatedAt: number;
}

export const EDGE_CONFIG_RESOURCE = 'edge-config';

export interface ItemPatch {
  operation: 'create' | 'update' | 'upsert' | 'delete';
  key: string;
  value?: unknown;
}

/** How deep an item's value may nest: the digest's walk is recursive, and the stack is not deep without end. */
export const EDGE_CONFIG_ITEM_MAX_DEPTH = 32;

/** Throws VALIDATION_ERROR, naming the key, for an item an Edge Config does not keep. */
export function assertItemAllowed(key: string, value: unknown): void {
  // Assigned to a plain object, `__proto__` sets the prototype instead of an item, which would vanish.
  if (key === '__proto__') throw new AppError('VALIDATION_ERROR', 'an item may not be keyed "__proto__"');
  const depth = jsonDepthProblem(value, EDGE_CONFIG_ITEM_MAX_DEPTH);
  if (depth) throw new AppError('VALIDATION_ERROR', `item "${key}" ${depth}`);
}

function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const entries = Object.keys(value)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(',')}}`;
}

/** The same items give the same digest, whatever the order of their keys. */
export function edgeConfigDigest(items: Record<string, unknown>): string {
  return hash('sha256', canonical(items), 'hex');
}

/** Applies Vercel's item operations in order; `create` of an existing key and `update` or `delete` of a missing one fail. */
export function applyItemPatches(items: Record<string, unknown>, patches: readonly ItemPatch[]): Record<string, unknown> {
  const next = { ...items };
  for (const { operation, key, value } of patches) {
    assertItemAllowed(key, value);
    const exists = Object.hasOwn(next, key);
    if (operation === 'create' && exists) throw new AppError('CONFLICT', `item "${key}" exists`);
    if ((operation === 'update' || operation === 'delete') && !exists) {
      throw new AppError('VALIDATION_ERROR', `item "${key}" does not exist`);
    }
    if (operation === 'delete') delete next[key];
    else next[key] = value ?? null;
  }
  return next;
}
