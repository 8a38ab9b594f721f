import type { FastifyRequest } from 'fastify';

/**
 * The credential a request presents: `Authorization: Bearer <t>`, a bare
 * `Authorization: <t>` (Unleash clients send it so), or `?token=<t>` (Vida).
 */
export function credentialOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization?.trim();
  if (header) {
    const match = /^bearer\s+(.+)$/i.exec(header);
    return (match ? match[1]! : header).trim();
  }
  const query = request.query as Record<string, unknown> | undefined;
  return typeof query?.token === 'string' && query.token !== '' ? query.token : undefined;
}
