import type { FastifyRequest } from 'fastify';

/**
 * The issuer this server names in its OAuth metadata and its JWTs' `iss`: TESSERA_PUBLIC_URL when
 * set (a cluster behind one name must set it, so every node says the same), else the address the
 * request came to, as Fastify reads it (X-Forwarded-Proto/-Host only from trusted proxies).
 */
export function issuerOf(request: FastifyRequest, publicUrl: string | undefined): string {
  return publicUrl ?? `${request.protocol}://${request.host}`;
}
