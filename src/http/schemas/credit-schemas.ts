import { Type } from 'typebox';
import { NullableInteger, NullableString } from './common.js';
import { RESERVATION_STATES } from '../../store/credit-store.js';
import { VERIFY_CODES } from '../../core/verify.js';
import { Credits, TokenView } from './token-schemas.js';

export const CreditOpBody = Type.Object(
  {
    op: Type.Union([Type.Literal('add'), Type.Literal('set')], { description: '`add` (a negative amount takes away) or `set`.' }),
    amount: Credits,
  },
  { additionalProperties: false },
);

export const TokenCreditsResponse = Type.Object({ credits: Type.String(), token: TokenView });

export const OwnerParams = Type.Object({
  ownerId: Type.String({ pattern: '^(usr|team)_[0-9a-z]{26}$', description: 'A user id (`usr_…`) or team id (`team_…`).' }),
});

export const PoolView = Type.Object({
  ownerId: Type.String(),
  credits: Type.String(),
  createdAt: Type.Integer(),
  updatedAt: Type.Integer(),
});

export const ReserveBody = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 512 }),
    amount: { ...Credits, description: 'Credits to hold until the call is settled; more than 0.' },
    ttlMs: Type.Integer({ minimum: 1, maximum: 86_400_000, description: 'After this long an unsettled reservation refunds itself.' }),
    ip: Type.Optional(
      Type.String({ format: 'ip', maxLength: 45, description: "The end client's address (IPv4 or IPv6), for IP allowlists and the guessing guard." }),
    ),
  },
  { additionalProperties: false },
);

export const ReserveResult = Type.Object({
  valid: Type.Boolean(),
  code: Type.Enum(VERIFY_CODES),
  reservationId: Type.Optional(Type.String({ description: 'Whoever holds it may commit or release: keep it as safe as the token.' })),
  expiresAt: Type.Optional(Type.Integer()),
  remaining: Type.Optional(Type.String({ description: 'Credits left after the reservation (or when it was refused).' })),
});

export const ReservationParams = Type.Object({ reservationId: Type.String({ pattern: '^res_[A-Za-z0-9_-]{27}$' }) });

export const CommitBody = Type.Object(
  { amount: { ...Credits, description: 'What the call really cost: at most what was reserved; the rest is refunded.' } },
  { additionalProperties: false },
);

export const ReservationView = Type.Object({
  id: Type.String(),
  tokenId: Type.String(),
  poolId: NullableString,
  amount: Type.String(),
  committed: NullableString,
  state: Type.Enum(RESERVATION_STATES),
  expiresAt: Type.Integer(),
  createdAt: Type.Integer(),
  settledAt: NullableInteger,
});
