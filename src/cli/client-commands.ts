import type { Command } from 'commander';
import { registerAuditCommands } from './audit-commands.js';
import { registerCreditCommands } from './credit-commands.js';
import { registerPolicyCommands } from './policy-commands.js';
import { registerTeamCommands } from './team-commands.js';
import { registerTokenCommands } from './token-commands.js';
import { registerUserCommands } from './user-commands.js';
import { registerWebhookCommands } from './webhook-commands.js';

/** The commands that talk to a tessera server over its native API, one module per concept. */
export function registerClientCommands(program: Command): void {
  registerTokenCommands(program);
  registerCreditCommands(program);
  registerUserCommands(program);
  registerTeamCommands(program);
  registerWebhookCommands(program);
  registerPolicyCommands(program);
  registerAuditCommands(program);
}
