import { isIP } from 'node:net';

/**
 * The block of addresses one client holds as cheaply as one address: an IPv4 address itself, and
 * for IPv6 its /64 (the least a network hands one subscriber). Counting guesses by block keeps a
 * client from stepping around the count with a fresh address of its own per request.
 * IPv4-mapped IPv6 addresses are their IPv4 address; anything else is returned as it is.
 */
export function addressBlock(address: string): string {
  const mapped = address.toLowerCase().startsWith('::ffff:') ? address.slice(7) : undefined;
  if (mapped !== undefined && isIP(mapped) === 4) return mapped;
  if (isIP(address) !== 6) return address;
  const [head = '', tail] = address.toLowerCase().split('::');
  const groups = (text: string | undefined) => (text ? text.split(':') : []);
  const front = groups(head);
  // A trailing dotted IPv4 part holds two groups; only the first four groups matter here.
  const back = groups(tail).flatMap((g) => (g.includes('.') ? ['0', '0'] : [g]));
  const all = tail === undefined ? front.flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])) : [...front, ...Array(8 - front.length - back.length).fill('0'), ...back];
  return `${all.slice(0, 4).map((g) => Number.parseInt(g, 16).toString(16)).join(':')}::/64`;
}
