import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { API_TYPES_FILE, apiTypesSource } from '../scripts/api-types.js';
import type * as Sdk from '../src/types.js';

it('sdk/src/api-types.ts is what the server’s schemas generate now (else: npm run sdk:types)', async () => {
  const committed = readFileSync(API_TYPES_FILE, 'utf8');
  assert.ok(committed === (await apiTypesSource()), 'sdk/src/api-types.ts is stale: run `npm run sdk:types` and commit it');
});

/** Compiles only when X is a real type: a name whose path or status the schemas no longer have reads as never. */
function defined<X>(..._: [X] extends [never] ? ['is never: its route, status or field is gone from api-types.ts'] : []): void {}

it('every public type of the client names a shape of the generated API types', () => {
  defined<Sdk.Token>();
  defined<Sdk.IssuedToken>();
  defined<Sdk.TokenPage>();
  defined<Sdk.CreateTokenInput>();
  defined<Sdk.UpdateTokenInput>();
  defined<Sdk.RotateTokenInput>();
  defined<Sdk.ListTokensQuery>();
  defined<Sdk.VerifyRequest>();
  defined<Sdk.VerifyResult>();
  defined<Sdk.VerifyCode>();
  defined<Sdk.VerifyBatchRequest>();
  defined<Sdk.TokenCredits>();
  defined<Sdk.CreditPool>();
  defined<Sdk.CreditAmount>();
  defined<Sdk.ReserveRequest>();
  defined<Sdk.ReserveResult>();
  defined<Sdk.Reservation>();
  defined<Sdk.ErrorBody>();
  defined<Sdk.ApiErrorCode>();
});
