import { createHash, createHmac, randomUUID } from 'node:crypto';

/**
 * Signs requests the way Unleash Edge does, written from its description rather than with
 * tessera's own signing code, so the two can disagree.
 */
export function edgeHeaders(
  clientId: string,
  secretBase64url: string,
  body: string,
  options: { path?: string; timestamp?: string; nonce?: string; contentSha256?: string } = {},
): Record<string, string> {
  const timestamp = options.timestamp ?? new Date().toISOString();
  const nonce = options.nonce ?? randomUUID();
  const bodyHash = createHash('sha256').update(body).digest('hex');
  const canonical = `POST\n${options.path ?? '/edge/issue-token'}\n${timestamp}\n${nonce}\n${bodyHash}`;
  const signature = createHmac('sha256', Buffer.from(secretBase64url, 'base64url')).update(canonical).digest('base64url');
  return {
    authorization: `HMAC ${clientId}:${signature}`,
    'x-timestamp': timestamp,
    'x-nonce': nonce,
    'content-sha256': options.contentSha256 ?? bodyHash,
    'content-type': 'application/json',
  };
}
