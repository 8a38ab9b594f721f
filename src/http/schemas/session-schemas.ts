import { Type } from 'typebox';
import { UserView } from './account-schemas.js';

export const SignInBody = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 512, description: "A personal token's secret (tsr_…). Only personal tokens sign in." }),
  },
  { additionalProperties: false },
);

export const SessionResponse = Type.Object({
  /** The same view of the user as GET /v1/whoami's `user`. */
  user: UserView,
  scopes: Type.Array(Type.String(), { description: "The signed-in token's management scopes." }),
  csrfToken: Type.String({ description: 'Send it as X-CSRF-Token on every request that changes something.' }),
  expiresAt: Type.Integer({ description: 'When the session ends (ms since the epoch), whatever happens in between.' }),
});
