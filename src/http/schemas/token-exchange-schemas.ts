import { Type, type Static } from 'typebox';

const GRANT_TYPE_TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

/**
 * An RFC 8693 token exchange request, form-encoded. Only what tessera reads is described; other
 * parameters (`client_id`, say, which OAuth clients send) are ignored, as RFC 6749 §3.2 requires.
 * The grant and token types are checked by the route, so that each gets its own OAuth error.
 */
export const TokenExchangeBody = Type.Object(
  {
    grant_type: Type.String({ minLength: 1, maxLength: 200, description: `\`${GRANT_TYPE_TOKEN_EXCHANGE}\`` }),
    subject_token: Type.String({ minLength: 1, maxLength: 512, description: 'A tessera API key.' }),
    subject_token_type: Type.String({ minLength: 1, maxLength: 200, description: '`urn:ietf:params:oauth:token-type:access_token`' }),
    requested_token_type: Type.Optional(
      Type.String({ maxLength: 200, description: '`urn:ietf:params:oauth:token-type:jwt` (the default) or `…:access_token`; a JWT either way.' }),
    ),
    scope: Type.Optional(Type.String({ maxLength: 4096, description: 'Space-separated scopes, each covered by the key’s; the key’s scopes when not given.' })),
    audience: Type.Optional(
      Type.String({ maxLength: 2048, description: 'The JWT’s `aud`: who it is meant for; the issuer when neither this nor `resource` is given.' }),
    ),
    resource: Type.Optional(Type.String({ maxLength: 2048, description: 'RFC 8707: the URI of the API the JWT is for; also its `aud`.' })),
    actor_token: Type.Optional(Type.String({ maxLength: 4096, description: 'Not supported: delegation is refused with `invalid_request`.' })),
    actor_token_type: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: true },
);
export type TokenExchangeBody = Static<typeof TokenExchangeBody>;

export const TokenExchangeResult = Type.Object({
  access_token: Type.String({ description: 'A JWT signed with EdDSA; verify it against /.well-known/jwks.json.' }),
  issued_token_type: Type.Literal('urn:ietf:params:oauth:token-type:jwt'),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer({ minimum: 1, description: 'Seconds until the JWT expires.' }),
  scope: Type.String(),
});

export const Jwks = Type.Object({
  keys: Type.Array(
    Type.Object({
      kty: Type.String(),
      crv: Type.String(),
      x: Type.String(),
      kid: Type.String(),
      alg: Type.String(),
      use: Type.Literal('sig'),
    }),
  ),
});

export { GRANT_TYPE_TOKEN_EXCHANGE };
