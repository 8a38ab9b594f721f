import { TOKEN_TYPES } from './token.js';

/**
 * GitLab's Token Revocation API names a finding by its secret detection rule: the rule's
 * `primary_identifier` type and value, joined (`gitleaks_rule_id_` + the rule's name in snake
 * case). These are the names of the rules docs/token-format.md gives for tessera's token kinds;
 * GET …/revocable_token_types lists them, and POST …/revoke_tokens takes no other.
 */
export const GITLAB_TOKEN_TYPES: readonly string[] = TOKEN_TYPES.map((type) => `gitleaks_rule_id_tessera_${type}_token`);

export function isGitlabTokenType(type: string): boolean {
  return GITLAB_TOKEN_TYPES.includes(type);
}
