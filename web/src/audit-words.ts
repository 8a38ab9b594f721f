import type { AuditEvent } from './accounts';

const quoted = (name: string | null, id: string) => (name ? `‘${name}’` : id);

const LEAK_DONE: Record<string, string> = {
  revoke: 'revoked by its leak policy',
  disable: 'suspended by its leak policy',
  notify: 'left working (its policy only notifies)',
  rotate: 'rotated by its leak policy (the leaked secret works for a grace period)',
};
const LEAK_POLICY_WORDS: Record<string, string> = { revoke: 'revoke', disable: 'suspend', notify: 'notify only', rotate: 'rotate' };

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
    case 'recovery': {
      // Nobody was signed in: the command names the OS user and host that ran it.
      const by =
        typeof e.details.osUser === 'string' ? ` (run by ${e.details.osUser}${typeof e.details.host === 'string' ? ` on ${e.details.host}` : ''})` : '';
      return `tessera admin token issued admin token ${target} for ${e.subjectName ?? e.subjectUserId ?? 'an admin'}${by}`;
    }
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
    case 'token.disable':
      return e.actorUserId ? `${actor} suspended token ${target}` : `Token ${target} was suspended by its leak policy`;
    case 'token.enable':
      return `${actor} resumed token ${target}`;
    case 'token.leak': {
      const source = { github: 'GitHub secret scanning', gitlab: 'GitLab', report: 'a public report' }[String(e.details.source)] ?? 'a report';
      const where = typeof e.details.url === 'string' ? ` at ${e.details.url}` : '';
      const did = LEAK_DONE[String(e.details.action)] ?? 'was recorded';
      return e.details.repeated === true
        ? `Token ${target} was reported leaked again by ${source}${where} (already handled)`
        : `Token ${target} was reported leaked by ${source}${where} and ${did}`;
    }
    case 'leak-policy.update': {
      const what = LEAK_POLICY_WORDS[String(e.details.action)] ?? String(e.details.action);
      return e.targetType === 'installation'
        ? `${actor} set the installation's default leak policy: ${what}`
        : `${actor} set the leak policy of team ${target}: ${what}`;
    }
    case 'leak-policy.clear':
      return `${actor} cleared the leak policy of team ${target}: it follows the installation's default`;
    case 'user.disable':
      return `${actor} disabled user ${target}${typeof e.details.tokens === 'number' ? ` (${e.details.tokens} tokens stopped)` : ''}`;
    case 'user.enable':
      return `${actor} enabled user ${target}`;
    case 'user.delete':
      return `${actor} deleted user ${target}`;
    case 'team.member.update':
      return `${actor} made ${e.subjectName ?? e.subjectUserId ?? 'someone'} ${typeof e.details.role === 'string' ? `${e.details.role === 'owner' ? 'an' : 'a'} ${e.details.role}` : 'something else'} in team ${target}`;
    case 'team.member.remove':
      return `${actor} removed ${e.subjectName ?? e.subjectUserId ?? 'someone'} from team ${target}`;
    case 'webhook.create':
      return `${actor} created webhook ${target}`;
    case 'webhook.update':
      return `${actor} changed webhook ${target}`;
    case 'webhook.delete':
      return `${actor} deleted webhook ${target}`;
    case 'webhook.rotate':
      return `${actor} rotated the signing secret of webhook ${target}`;
    case 'webhook.test':
      return `${actor} sent a test event to webhook ${target}`;
    case 'webhook.redeliver':
      return `${actor} redelivered an event to webhook ${target}`;
    case 'token.import':
      return `${actor} imported ${String(e.details.imported)} tokens (${String(e.details.skipped)} already there)`;
    case 'policy.update':
      return e.targetType === 'installation' ? `${actor} set the installation's lifecycle policy` : `${actor} set the lifecycle policy of team ${target}`;
    default:
      return `${actor}: ${e.action} on ${target}`;
  }
}
