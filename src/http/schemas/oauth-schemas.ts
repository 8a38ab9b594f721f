import { Type, type Static } from 'typebox';

/** What a refusal of an OAuth endpoint looks like (RFC 6749 §5.2): the route scope's error shape (oauth/oauth-errors.ts). */
export const OAuthErrorResponse = Type.Object(
  {
    error: Type.String({ description: 'An RFC 6749 / 7009 error code: invalid_request, invalid_client, unauthorized_client, …' }),
    error_description: Type.Optional(Type.String()),
  },
  { description: 'An OAuth error (RFC 6749 §5.2). A 401 comes with WWW-Authenticate.' },
);

/**
 * The form fields of introspection and revocation. Fields these endpoints do not know are
 * ignored, as RFC 6749 §3.2 has a server do; a field given twice is refused (oauth/form-body.ts).
 * The token may be longer than any tessera secret: a JWT, say, which is simply not active here.
 */
const TokenFields = {
  token: Type.String({ minLength: 1, maxLength: 4096, description: 'The token asked about: a tessera secret.' }),
  token_type_hint: Type.Optional(
    Type.String({
      maxLength: 64,
      description: 'access_token or refresh_token; any other is ignored (tessera has one kind of token and finds it without a hint).',
    }),
  ),
};

export const IntrospectBody = Type.Object(TokenFields, { additionalProperties: true });
export type IntrospectBody = Static<typeof IntrospectBody>;

export const RevokeBody = Type.Object(TokenFields, { additionalProperties: true });
export type RevokeBody = Static<typeof RevokeBody>;

/** RFC 7662 §2.2, and tessera's own fields beside them. An inactive token is `{"active": false}` and nothing else. */
export const IntrospectionResponse = Type.Object(
  {
    active: Type.Boolean(),
    scope: Type.Optional(Type.String({ description: "The token's scopes, space-separated." })),
    client_id: Type.Optional(Type.String({ description: "The token's id." })),
    sub: Type.Optional(Type.String({ description: "The token's id." })),
    exp: Type.Optional(
      Type.Integer({ description: 'When it stops being valid (expires, or ends its rotation grace), in seconds since the epoch; absent when it does not.' }),
    ),
    iat: Type.Optional(Type.Integer({ description: 'When it was made, in seconds since the epoch.' })),
    iss: Type.Optional(Type.String({ description: 'This server, as its metadata names it.' })),
    token_type: Type.Optional(Type.Literal('Bearer')),
    tessera_token_type: Type.Optional(Type.String({ description: 'api, personal, resource, …' })),
    name: Type.Optional(Type.String()),
    owner: Type.Optional(Type.String({ description: 'The id of the user the token belongs to.' })),
    team: Type.Optional(Type.String({ description: "The team's id, for a team's token." })),
  },
  { description: 'RFC 7662 §2.2. Anything but a valid tessera token, to this caller, is exactly {"active": false}.' },
);
export type IntrospectionResponse = Static<typeof IntrospectionResponse>;

export const RevokeResponse = Type.Null({
  description: 'Always 200 with an empty body (RFC 7009 §2.2): whether the token existed, was revoked already, or was left alone is not said.',
});

/** RFC 8414 §2. */
export const AuthorizationServerMetadata = Type.Object({
  issuer: Type.String(),
  token_endpoint: Type.String(),
  token_endpoint_auth_methods_supported: Type.Array(Type.String()),
  jwks_uri: Type.String(),
  introspection_endpoint: Type.String(),
  introspection_endpoint_auth_methods_supported: Type.Array(Type.String()),
  revocation_endpoint: Type.String(),
  revocation_endpoint_auth_methods_supported: Type.Array(Type.String()),
  grant_types_supported: Type.Array(Type.String()),
  response_types_supported: Type.Array(Type.String()),
  service_documentation: Type.String(),
});
export type AuthorizationServerMetadata = Static<typeof AuthorizationServerMetadata>;
