import type { Kysely, Selectable } from 'kysely';
import { userNameKey, type MembershipRecord, type TeamRecord, type TeamRole, type UserRecord, type UserRole } from '../../core/account.js';
import { AppError } from '../../core/errors.js';
import type { AccountStore } from '../account-store.js';
import type { Page, PageQuery } from '../page.js';
import { millis, withConflict } from './driver/conflicts.js';
import { traitsOf, type DialectTraits } from './driver/dialect.js';
import type { Database, SqlDialect, TeamMembersTable, TeamsTable, UsersTable } from './schema.js';

export class SqlAccountStore implements AccountStore {
  readonly #traits: DialectTraits;

  constructor(
    private readonly db: Kysely<Database>,
    dialect: SqlDialect = 'sqlite',
  ) {
    this.#traits = traitsOf(dialect);
  }

  async createUser(user: Omit<UserRecord, 'numId' | 'disabledAt'>): Promise<UserRecord> {
    const nameKey = userNameKey(user.name);
    try {
      const row = await withConflict('user', () =>
        this.db
          .insertInto('users')
          .values({ id: user.id, name: user.name, name_key: nameKey, email: user.email, role: user.role, created_at: user.createdAt, disabled_at: null })
          .returningAll()
          .executeTakeFirstOrThrow(),
      );
      return userFrom(row);
    } catch (error) {
      // Which unique index refused it: the id or email (CONFLICT, as before), else the name (users_name_key).
      if (!(error instanceof AppError && error.code === 'CONFLICT')) throw error;
      const clash = await this.db
        .selectFrom('users')
        .select('id')
        .where((eb) => eb.or([eb('id', '=', user.id), ...(user.email === null ? [] : [eb('email', '=', user.email)])]))
        .executeTakeFirst();
      if (clash) throw error;
      throw new AppError('USER_NAME_TAKEN', 'another user has this name');
    }
  }

  async findUser(id: string): Promise<UserRecord | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && userFrom(row);
  }

  async setUserDisabled(id: string, at: number | null, now: number): Promise<{ user: UserRecord; tokenIds: string[] } | undefined> {
    return this.db.transaction().execute(async (tx) => {
      let user = await this.#lockAdmins(tx, id);
      if (!user) return undefined;
      if ((at === null) !== (user.disabledAt === null)) {
        if (at !== null && (await this.#isLastAdmin(tx, user))) throw lastAdmin();
        await tx.updateTable('users').set({ disabled_at: at }).where('id', '=', id).execute();
        user = { ...user, disabledAt: at };
      }
      // Also when the user's row was already so: a token issued since, or an earlier call's tokens.
      const tokens = await tx
        .updateTable('tokens')
        .set({ owner_disabled_at: user.disabledAt, updated_at: now })
        .where('owner_user_id', '=', id)
        .where('owner_disabled_at', user.disabledAt === null ? 'is not' : 'is', null)
        .returning('id')
        .execute();
      return { user, tokenIds: tokens.map((token) => token.id) };
    });
  }

  async deleteUser(id: string, now: number): Promise<{ tokenIds: string[] } | undefined> {
    return this.db.transaction().execute(async (tx) => {
      const user = await this.#lockAdmins(tx, id);
      if (!user) return undefined;
      // Every team they belong to, whatever their role, is locked as setMemberRole and removeMember
      // lock a team: between the check below and the deletion no one makes them a team's only
      // owner (promoted, then the owner steps down). Their teams cannot grow meanwhile: addMember
      // locks their row first. Users before teams, teams by id, in every method: no deadlock.
      const teams = await tx.selectFrom('team_members').select('team_id').where('user_id', '=', id).orderBy('team_id').execute();
      for (const { team_id } of teams) await this.#lockTeam(tx, team_id);
      if (user.disabledAt === null && (await this.#isLastAdmin(tx, user))) throw lastAdmin();
      if (await this.#soleOwner(tx, user.id)) throw lastOwner();
      const tokens = await tx
        .updateTable('tokens')
        .set({ revoked_at: now, updated_at: now })
        .where('owner_user_id', '=', id)
        .where((eb) => eb.or([eb('revoked_at', 'is', null), eb('revoked_at', '>', now)]))
        .returning('id')
        .execute();
      await tx.deleteFrom('team_members').where('user_id', '=', id).execute();
      await tx.deleteFrom('users').where('id', '=', id).execute();
      return { tokenIds: tokens.map((token) => token.id) };
    });
  }

  /** Whether the user is the only owner of some team. */
  async #soleOwner(db: Kysely<Database>, userId: string): Promise<boolean> {
    const team = await db
      .selectFrom('team_members as mine')
      .select('mine.team_id')
      .where('mine.user_id', '=', userId)
      .where('mine.role', '=', 'owner')
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('team_members as other')
              .select('other.user_id')
              .whereRef('other.team_id', '=', 'mine.team_id')
              .where('other.role', '=', 'owner')
              .where('other.user_id', '<>', userId),
          ),
        ),
      )
      .executeTakeFirst();
    return team !== undefined;
  }

  /**
   * The user, with every admin row locked (PostgreSQL; SQLite's writer lock holds the rest): two
   * admins disabling or deleting each other at once cannot both see the other still enabled.
   */
  async #lockAdmins(tx: Kysely<Database>, id: string): Promise<UserRecord | undefined> {
    await this.#traits.lockForUpdate(tx.selectFrom('users').select('id').where('role', '=', 'admin')).execute();
    const row = await this.#traits.lockForUpdate(tx.selectFrom('users').selectAll().where('id', '=', id)).executeTakeFirst();
    return row && userFrom(row);
  }

  async #isLastAdmin(db: Kysely<Database>, user: UserRecord): Promise<boolean> {
    if (user.role !== 'admin') return false;
    const other = await db
      .selectFrom('users')
      .select('id')
      .where('role', '=', 'admin')
      .where('disabled_at', 'is', null)
      .where('id', '<>', user.id)
      .limit(1)
      .executeTakeFirst();
    return other === undefined;
  }

  /** Serializes changes to one team's owners (PostgreSQL; SQLite has one writer). */
  async #lockTeam(tx: Kysely<Database>, teamId: string): Promise<void> {
    await this.#traits.lockForUpdate(tx.selectFrom('teams').select('id').where('id', '=', teamId)).execute();
  }

  async #owners(db: Kysely<Database>, teamId: string): Promise<number> {
    const row = await db
      .selectFrom('team_members')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('team_id', '=', teamId)
      .where('role', '=', 'owner')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async countUsers(): Promise<number> {
    const row = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async listUsers(query: PageQuery): Promise<Page<UserRecord>> {
    let select = this.db.selectFrom('users').selectAll();
    if (query.cursor !== undefined) select = select.where('id', '<', query.cursor);
    return pageOf(
      await select
        .orderBy('id', 'desc')
        .limit(query.limit + 1)
        .execute(),
      query.limit,
      userFrom,
    );
  }

  async createTeam(team: TeamRecord, owner: MembershipRecord): Promise<void> {
    await withConflict('team', () =>
      this.db.transaction().execute(async (tx) => {
        await tx.insertInto('teams').values({ id: team.id, slug: team.slug, name: team.name, created_at: team.createdAt }).execute();
        await tx.insertInto('team_members').values(memberRow(owner)).execute();
      }),
    );
  }

  async findTeam(ref: { id: string } | { slug: string }): Promise<TeamRecord | undefined> {
    const select = this.db.selectFrom('teams').selectAll();
    const row = await ('id' in ref ? select.where('id', '=', ref.id) : select.where('slug', '=', ref.slug)).executeTakeFirst();
    return row && teamFrom(row);
  }

  async listTeams(query: PageQuery & { memberId?: string }): Promise<Page<TeamRecord>> {
    let select = this.db.selectFrom('teams').selectAll('teams');
    if (query.memberId !== undefined) {
      select = select.innerJoin('team_members', 'team_members.team_id', 'teams.id').where('team_members.user_id', '=', query.memberId);
    }
    if (query.cursor !== undefined) select = select.where('teams.id', '<', query.cursor);
    return pageOf(
      await select
        .orderBy('teams.id', 'desc')
        .limit(query.limit + 1)
        .execute(),
      query.limit,
      teamFrom,
    );
  }

  async addMember(membership: MembershipRecord): Promise<void> {
    await withConflict('membership', () =>
      this.db.transaction().execute(async (tx) => {
        // Locked before the team the insert's foreign key reads, as deleteUser locks users before
        // teams; and a user deleted since the caller found them is a USER_NOT_FOUND, not a failed foreign key.
        const user = await this.#traits.lockForUpdate(tx.selectFrom('users').select('id').where('id', '=', membership.userId)).executeTakeFirst();
        if (!user) throw userNotFound();
        await tx.insertInto('team_members').values(memberRow(membership)).execute();
      }),
    );
  }

  async findRole(teamId: string, userId: string): Promise<TeamRole | undefined> {
    const row = await this.db.selectFrom('team_members').select('role').where('team_id', '=', teamId).where('user_id', '=', userId).executeTakeFirst();
    return row?.role as TeamRole | undefined;
  }

  async removeMember(teamId: string, userId: string): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      await this.#lockTeam(tx, teamId);
      const role = await this.#roleIn(tx, teamId, userId);
      if (role === undefined) return false;
      if (role === 'owner' && (await this.#owners(tx, teamId)) === 1) throw lastOwner();
      await tx.deleteFrom('team_members').where('team_id', '=', teamId).where('user_id', '=', userId).execute();
      return true;
    });
  }

  async setMemberRole(teamId: string, userId: string, role: TeamRole): Promise<MembershipRecord | undefined> {
    return this.db.transaction().execute(async (tx) => {
      await this.#lockTeam(tx, teamId);
      const row = await tx.selectFrom('team_members').selectAll().where('team_id', '=', teamId).where('user_id', '=', userId).executeTakeFirst();
      if (!row) return undefined;
      if (row.role === 'owner' && role !== 'owner' && (await this.#owners(tx, teamId)) === 1) throw lastOwner();
      await tx.updateTable('team_members').set({ role }).where('team_id', '=', teamId).where('user_id', '=', userId).execute();
      return memberFrom({ ...row, role });
    });
  }

  async #roleIn(db: Kysely<Database>, teamId: string, userId: string): Promise<TeamRole | undefined> {
    const row = await db.selectFrom('team_members').select('role').where('team_id', '=', teamId).where('user_id', '=', userId).executeTakeFirst();
    return row?.role as TeamRole | undefined;
  }

  async listMembers(teamId: string): Promise<MembershipRecord[]> {
    const rows = await this.db.selectFrom('team_members').selectAll().where('team_id', '=', teamId).orderBy('created_at').orderBy('user_id').execute();
    return rows.map(memberFrom);
  }
}

function pageOf<R, T extends { id: string }>(rows: R[], limit: number, map: (row: R) => T): Page<T> {
  const items = rows.slice(0, limit).map(map);
  return { items, nextCursor: rows.length > limit ? items[items.length - 1]!.id : null };
}

function userFrom(r: Selectable<UsersTable>): UserRecord {
  return {
    id: r.id,
    numId: Number(r.num_id),
    name: r.name,
    email: r.email,
    role: r.role as UserRole,
    createdAt: millis(r.created_at),
    disabledAt: millis(r.disabled_at),
  };
}

function teamFrom(r: Selectable<TeamsTable>): TeamRecord {
  return { id: r.id, slug: r.slug, name: r.name, createdAt: millis(r.created_at) };
}

function memberRow(m: MembershipRecord): TeamMembersTable {
  return { team_id: m.teamId, user_id: m.userId, role: m.role, created_at: m.createdAt };
}

function memberFrom(r: Selectable<TeamMembersTable>): MembershipRecord {
  return { teamId: r.team_id, userId: r.user_id, role: r.role as TeamRole, createdAt: millis(r.created_at) };
}

const lastAdmin = () => new AppError('LAST_ADMIN', 'this would leave no enabled admin: make another user an admin first');
const userNotFound = () => new AppError('USER_NOT_FOUND', 'no such user');
const lastOwner = () => new AppError('LAST_TEAM_OWNER', 'this would leave a team without an owner: make another member its owner first');
