import { parseCidr } from './ip-allowlist.js';
import { scopesBeyond } from './management-scopes.js';
import { BlockList } from 'node:net';

/** What bounds a personal token's power, besides its owner's: what it may do, until when, from where. */
export interface Bounds {
  scopes: readonly string[];
  expiresAt: number | null;
  ipAllowlist: readonly string[];
}

/**
 * Why a personal token bounded by `holder` may not make (or change, or rotate into) a personal
 * token bounded by `wanted`, or undefined when it may. A token hands on no more than it holds:
 * only scopes it holds, an expiry no later than its own, addresses within its own allowlist. So
 * no token, however it was limited, can mint or reshape a credential that escapes its limits.
 */
export function delegationProblem(holder: Bounds, wanted: Bounds): string | undefined {
  const beyond = scopesBeyond(holder.scopes, wanted.scopes);
  if (beyond.length > 0) return `a token cannot grant scopes it does not hold: ${beyond.join(', ')}`;
  if (holder.expiresAt !== null && (wanted.expiresAt === null || wanted.expiresAt > holder.expiresAt)) {
    return 'a token cannot grant a lifetime past its own expiry';
  }
  if (holder.ipAllowlist.length > 0 && !(wanted.ipAllowlist.length > 0 && wanted.ipAllowlist.every((range) => within(range, holder.ipAllowlist)))) {
    return 'a token cannot grant addresses outside its own IP allowlist';
  }
  return undefined;
}

/** The bounds a token made by `holder` gets for what it leaves out: the holder's own. */
export function inheritedBounds(holder: Bounds, given: Partial<Bounds>): Bounds {
  return {
    scopes: given.scopes ?? holder.scopes,
    expiresAt: given.expiresAt !== undefined ? given.expiresAt : holder.expiresAt,
    ipAllowlist: given.ipAllowlist ?? holder.ipAllowlist,
  };
}

/** Whether every address of `range` lies in one of `ranges`: its first address in one at least as wide. */
function within(range: string, ranges: readonly string[]): boolean {
  const inner = parseCidr(range);
  if (!inner) return false;
  return ranges.some((text) => {
    const outer = parseCidr(text);
    if (!outer || outer.family !== inner.family || outer.prefix > inner.prefix) return false;
    const list = new BlockList();
    list.addSubnet(outer.address, outer.prefix, outer.family);
    return list.check(inner.address, inner.family);
  });
}
