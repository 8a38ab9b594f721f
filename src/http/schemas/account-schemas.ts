import { Type } from 'typebox';
import { TEAM_ROLES, USER_ROLES } from '../../core/account.js';
import { AUDIT_ACTIONS } from '../../core/audit.js';
import { NullableString, orNull, PageQuery, pageOf, TeamQuery } from './common.js';
import { TokenView } from './token-schemas.js';

const Slug = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,47}$', description: 'Lower-case letters, digits and dashes.' });

export const UserView = Type.Object({
  id: Type.String(),
  numId: Type.Integer(),
  name: Type.String(),
  email: NullableString,
  role: Type.Enum(USER_ROLES),
  createdAt: Type.Integer(),
  disabledAt: orNull(Type.Integer(), { description: 'When the user was disabled (POST /v1/users/{id}/disable): all their tokens answer DISABLED.' }),
});

export const TeamView = Type.Object({ id: Type.String(), slug: Type.String(), name: Type.String(), createdAt: Type.Integer() });

export const MembershipView = Type.Object({
  teamId: Type.String(),
  userId: Type.String(),
  role: Type.Enum(TEAM_ROLES),
  createdAt: Type.Integer(),
});

export const CreateUserBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    email: Type.Optional(Type.String({ format: 'email', maxLength: 320 })),
    role: Type.Optional(Type.Enum(USER_ROLES)),
  },
  { additionalProperties: false },
);

export const CreateTeamBody = Type.Object({ slug: Slug, name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) }, { additionalProperties: false });

export const AddMemberBody = Type.Object(
  {
    userId: Type.String({ minLength: 1, maxLength: 64 }),
    role: Type.Optional(Type.Enum(TEAM_ROLES)),
  },
  { additionalProperties: false },
);

export const UserResponse = Type.Object({ user: UserView });
export const OffboardedResponse = Type.Object({
  user: UserView,
  tokens: Type.Integer({ minimum: 0, description: 'How many of their tokens this call changed.' }),
});
export const MemberParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), userId: Type.String({ minLength: 1, maxLength: 64 }) });
export const UpdateMemberBody = Type.Object({ role: Type.Enum(TEAM_ROLES) }, { additionalProperties: false });
export const UserPage = pageOf(UserView);
export const TeamMemberView = Type.Object({
  ...MembershipView.properties,
  name: { ...NullableString, description: "The member's name (null only if the user is gone)." },
});
export const TeamResponse = Type.Object({ team: TeamView, members: Type.Array(TeamMemberView) });
export const TeamPage = pageOf(TeamView);
export const MembershipResponse = Type.Object({ membership: MembershipView });
export const ListQuery = Type.Object({ ...PageQuery });

export const WhoamiResponse = Type.Object({
  user: UserView,
  token: TokenView,
  teams: Type.Array(Type.Object({ team: TeamView, role: Type.Enum(TEAM_ROLES) })),
});

export const AuditEventView = Type.Object({
  id: Type.String(),
  at: Type.Integer(),
  action: Type.Enum(AUDIT_ACTIONS),
  actorUserId: NullableString,
  actorTokenId: NullableString,
  targetType: Type.String(),
  targetId: Type.String(),
  teamId: NullableString,
  subjectUserId: NullableString,
  ip: NullableString,
  requestId: NullableString,
  details: Type.Record(Type.String(), Type.Unknown()),
  actorName: { ...NullableString, description: "The acting user's name." },
  targetName: { ...NullableString, description: "The target's name: a token's, user's or team's (a pool's owner's); a deleted token's as recorded." },
  subjectName: { ...NullableString, description: 'The name of the user whose object it was (or who was added to a team).' },
});

export const AuditQuery = Type.Object({
  ...PageQuery,
  ...TeamQuery,
  targetId: Type.Optional(Type.String({ maxLength: 64 })),
  action: Type.Optional(Type.Enum(AUDIT_ACTIONS)),
  actorUserId: Type.Optional(Type.String({ maxLength: 64, description: 'Only what this user did.' })),
  from: Type.Optional(Type.Integer({ minimum: 0, description: 'Only events at or after this time (ms since the epoch).' })),
  to: Type.Optional(Type.Integer({ minimum: 0, description: 'Only events before this time (ms since the epoch).' })),
});

export const AuditPage = pageOf(AuditEventView);
