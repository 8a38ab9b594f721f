import type { Kysely, Selectable } from 'kysely';
import { type MembershipRecord, type TeamRecord, type TeamRole, type UserRecord, type UserRole } from '../../core/account.js';
import type { AccountStore } from '../account-store.js';
import type { Page, PageQuery } from '../page.js';
import { millis, withConflict } from './driver/conflicts.js';
import type { Database, TeamMembersTable, TeamsTable, UsersTable } from './schema.js';

export class SqlAccountStore implements AccountStore {
  constructor(private readonly db: Kysely<Database>) {}

  async createUser(user: Omit<UserRecord, 'numId' | 'disabledAt'>): Promise<UserRecord> {
    const row = await withConflict('user', () =>
      this.db
        .insertInto('users')
        .values({ id: user.id, name: user.name, name_key: null, email: user.email, role: user.role, created_at: user.createdAt, disabled_at: null })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    return userFrom(row);
  }

  async findUser(id: string): Promise<UserRecord | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && userFrom(row);
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
    await withConflict('membership', () => this.db.insertInto('team_members').values(memberRow(membership)).execute());
  }

  async findRole(teamId: string, userId: string): Promise<TeamRole | undefined> {
    const row = await this.db.selectFrom('team_members').select('role').where('team_id', '=', teamId).where('user_id', '=', userId).executeTakeFirst();
    return row?.role as TeamRole | undefined;
  }

  async listMembers(teamId: string): Promise<MembershipRecord[]> {
    const rows = await this.db.selectFrom('team_members').selectAll().where('team_id', '=', teamId).orderBy('created_at').orderBy('user_id').execute();
    return rows.map((r: Selectable<TeamMembersTable>) => ({
      teamId: r.team_id,
      userId: r.user_id,
      role: r.role as TeamRole,
      createdAt: millis(r.created_at),
    }));
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
