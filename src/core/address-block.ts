import { isIP } from 'node:net';

/**
 * The block of addresses one client holds as cheaply as one address: an IPv4 address itself, and
 * for IPv6 its /64 (the least a network hands one subscriber). Counting guesses by block keeps a
 * client from stepping around the count with a fresh address of its own per request. An
 * IPv4-mapped IPv6 address, however it is spelled, is its IPv4 address; anything that is not an
 * IP address is returned as it is.
 */
export function addressBlock(address: string): string {
  if (isIP(address) !== 6) return address;
  const groups = ipv6Groups(address);
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (mapped) return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (a zone and an embedded IPv4 tail included). */
function ipv6Groups(address: string): number[] {
  const text = address.split('%')[0]!.toLowerCase();
  const part = (side: string) =>
    side === ''
      ? []
      : side.split(':').flatMap((g) => {
          if (!g.includes('.')) return [Number.parseInt(g, 16)];
          const [a = 0, b = 0, c = 0, d = 0] = g.split('.').map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const [head = '', tail] = text.split('::');
  const front = part(head);
  if (tail === undefined) return front;
  const back = part(tail);
  return [...front, ...Array<number>(8 - front.length - back.length).fill(0), ...back];
}
