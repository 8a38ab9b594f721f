import type { AuditEvent } from './accounts';

const quoted = (name: string | null, id: string) => (name ? `‘${name}’` : id);

/**
 * An audit event as a sentence without its time: "alice revoked token ‘ci deploy’". Names come
 * from the server (actorName, targetName, subjectName); an id stands in only where no name is left.
 */
export function describeEvent(e: AuditEvent): string {
  const actor = e.actorName ?? (e.actorUserId ? e.actorUserId : 'tessera');
  const target = quoted(e.targetName, e.targetId);
  const amount = (verb: string) => {
    const op = e.details.op === 'set' ? `set to ${String(e.details.amount)}` : `${String(e.details.amount)} added`;
    return e.details.amount === undefined ? verb : `${verb} (${op}, now ${String(e.details.credits)})`;
  };
  switch (e.action) {
    case 'bootstrap':
      return 'tessera started for the first time and made the admin user';
    case 'token.create':
      return `${actor} created token ${target}`;
    case 'token.update': {
      const changed = Array.isArray(e.details.changed) ? (e.details.changed as string[]) : [];
      return `${actor} changed token ${target}${changed.length ? ` (${changed.join(', ')})` : ''}`;
    }
    case 'token.revoke':
      if (e.details.by === 'possession') return `Token ${target} was revoked by whoever held its secret`;
      if (e.details.by === 'inactivity')
        return `Token ${target} was revoked: unused for ${String(e.details.inactivityDays)} days (${String(e.details.level)} policy)`;
      return `${actor} revoked token ${target}`;
    case 'token.rotate':
      return `${actor} rotated token ${target} (a new secret; the old one ends after its grace period)`;
    case 'token.delete':
      return `${actor} deleted token ${target}`;
    case 'token.credits':
      return amount(`${actor} changed the credits of token ${target}`);
    case 'pool.credits':
      return amount(`${actor} changed the credit pool of ${e.targetName ?? e.targetId}`);
    case 'user.create':
      return `${actor} created user ${target}${e.details.role === 'admin' ? ' (an admin)' : ''}`;
    case 'team.create':
      return `${actor} created team ${target}`;
    case 'team.member.add':
      return `${actor} added ${e.subjectName ?? e.subjectUserId ?? 'someone'} to team ${target}${typeof e.details.role === 'string' ? ` as ${e.details.role}` : ''}`;
    case 'session.create':
      return `${actor} signed in to the dashboard with token ${target}`;
    case 'session.delete':
      return `${actor} signed out of the dashboard`;
    case 'policy.update':
      return e.targetType === 'installation' ? `${actor} set the installation's lifecycle policy` : `${actor} set the lifecycle policy of team ${target}`;
    default:
      return `${actor}: ${e.action} on ${target}`;
  }
}
