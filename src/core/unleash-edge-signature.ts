import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Unleash Edge's request signature: base64url(HMAC-SHA256(secret, method, path, time, nonce, body hash)). */
export function edgeSignature(secret: Uint8Array, request: { method: string; path: string; timestamp: string; nonce: string; bodySha256: string }): string {
  const text = [request.method, request.path, request.timestamp, request.nonce, request.bodySha256].join('\n');
  return createHmac('sha256', secret).update(text).digest('base64url');
}

export function sha256Hex(body: string): string {
  return createHash('sha256').update(body).digest('hex');
}

export function signaturesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** `clientId:base64urlSecret[,…]` as in TESSERA_EDGE_CLIENTS. */
export function parseEdgeClients(text: string | undefined): Map<string, Buffer> {
  const clients = new Map<string, Buffer>();
  for (const entry of (text ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const at = entry.indexOf(':');
    const id = entry.slice(0, at);
    const secret = Buffer.from(entry.slice(at + 1), 'base64url');
    if (at <= 0 || secret.length < 16) throw new Error(`TESSERA_EDGE_CLIENTS: "${id || entry}" needs <clientId>:<base64url secret of 16 bytes or more>`);
    clients.set(id, secret);
  }
  return clients;
}
