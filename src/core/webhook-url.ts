import { BlockList, isIP } from 'node:net';
import { addressBlock } from './address-block.js';

/**
 * Addresses a webhook must not reach unless the operator allows it (TESSERA_WEBHOOK_ALLOW_PRIVATE):
 * whoever may create a webhook must not make tessera call into its own network (SSRF). Private,
 * loopback, link-local (cloud metadata at 169.254.169.254 and fd00:ec2::254 among them), CGNAT,
 * unspecified, multicast and reserved ranges, in IPv4 and IPv6, IPv4-mapped IPv6 included.
 */
const NOT_PUBLIC = (() => {
  const list = new BlockList();
  for (const [net, prefix] of [
    ['0.0.0.0', 8],
    ['10.0.0.0', 8],
    ['100.64.0.0', 10],
    ['127.0.0.0', 8],
    ['169.254.0.0', 16],
    ['172.16.0.0', 12],
    ['192.0.0.0', 24],
    ['192.0.2.0', 24],
    ['192.88.99.0', 24],
    ['192.168.0.0', 16],
    ['198.18.0.0', 15],
    ['198.51.100.0', 24],
    ['203.0.113.0', 24],
    ['224.0.0.0', 4],
    ['240.0.0.0', 4],
  ] as const) {
    list.addSubnet(net, prefix, 'ipv4');
  }
  for (const [net, prefix] of [
    ['::', 128],
    ['::1', 128],
    ['64:ff9b::', 96],
    ['64:ff9b:1::', 48],
    ['100::', 64],
    ['2001:db8::', 32],
    ['fc00::', 7],
    ['fe80::', 10],
    ['fec0::', 10],
    ['ff00::', 8],
  ] as const) {
    list.addSubnet(net, prefix, 'ipv6');
  }
  return list;
})();

/** Whether `address` (an IP address) is one a webhook may be delivered to without the operator's leave. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (family === 4) return !NOT_PUBLIC.check(address, 'ipv4');
  // An IPv4-mapped IPv6 address, however spelled, reaches its IPv4 address: addressBlock finds it.
  const block = addressBlock(address);
  if (isIP(block) === 4) return isPublicAddress(block);
  return !NOT_PUBLIC.check(address.split('%')[0]!, 'ipv6');
}

/** The longest webhook URL taken. */
export const MAX_WEBHOOK_URL_LENGTH = 2048;

/**
 * Why `text` cannot be a webhook's URL, or undefined: an absolute http(s) URL, no user or password
 * in it (a credential in a URL ends up in logs), no fragment. A host given as an IP address must be
 * public unless `allowPrivate`; a name is checked when it is resolved, at each delivery.
 */
export function webhookUrlProblem(text: string, allowPrivate: boolean): string | undefined {
  if (text.length > MAX_WEBHOOK_URL_LENGTH) return `url: at most ${MAX_WEBHOOK_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'url: not an absolute URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'url: only http and https URLs are delivered to';
  if (url.username || url.password) return 'url: must not carry a user or password';
  if (url.hash) return 'url: must not have a fragment';
  const host = hostOf(url);
  if (host === '') return 'url: has no host';
  if (!allowPrivate) {
    if (isIP(host) !== 0 && !isPublicAddress(host))
      return 'url: a private, loopback, link-local or reserved address is refused (TESSERA_WEBHOOK_ALLOW_PRIVATE)';
    if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.internal') || host.endsWith('.local')) {
      return 'url: a local host name is refused (TESSERA_WEBHOOK_ALLOW_PRIVATE)';
    }
  }
  return undefined;
}

/** The URL's host as an address or name: IPv6 without its brackets, names without a trailing dot. */
export function hostOf(url: URL): string {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return host.replace(/\.$/, '').toLowerCase();
}
