import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { migrations } from '../../src/store/sql/migrate.js';

const MIGRATIONS_DIR = fileURLToPath(new URL('../../../src/store/sql/migrations/', import.meta.url));

/**
 * The last migration written before rolling upgrades were promised (docs/operations.md#upgrades).
 * Every later one only expands the schema, so the version before it keeps running on it.
 */
const LAST_BEFORE_EXPAND_ONLY = '2026-12-05T1830-webhooks';

/**
 * Migrations that contract the schema after every node stopped using what they remove, each with
 * why that is safe: the release that stopped using it, which must be at least one release before.
 */
const CONTRACTIONS: Record<string, string> = {};

/** What a migration must not do while the previous version may still run: drop, rename or retype. */
const CONTRACTING =
  /dropColumn|dropTable|renameColumn|renameTo|alterColumn|modifyColumn|\bdrop\s+(column|table)\b|\brename\s+(column|to)\b|\balter\s+column\b/i;

describe('migrations', () => {
  it('are listed in the order Kysely applies them: by name', () => {
    const names = Object.keys(migrations('sqlite'));
    assert.deepEqual([...names].sort(), names);
    for (const name of names) assert.match(name, /^\d{4}-\d{2}-\d{2}T\d{4}-[a-z-]+$/);
  });

  it('written since rolling upgrades only expand the schema (no drop, rename or retype) unless listed as a contraction', () => {
    const names = Object.keys(migrations('sqlite'));
    assert.ok(names.includes(LAST_BEFORE_EXPAND_ONLY));
    const later = names.filter((name) => name > LAST_BEFORE_EXPAND_ONLY && !(name in CONTRACTIONS));
    const contracting = later.filter((name) => CONTRACTING.test(readFileSync(`${MIGRATIONS_DIR}${name}.ts`, 'utf8')));
    assert.deepEqual(contracting, [], 'these migrations contract the schema the previous version still uses');
  });

  it('would catch a contracting statement', () => {
    for (const text of [
      "await db.schema.alterTable('tokens').dropColumn('x')",
      'await sql`alter table tokens drop column x`',
      "alterTable('t').renameColumn('a', 'b')",
    ]) {
      assert.match(text, CONTRACTING);
    }
    assert.doesNotMatch("await db.schema.alterTable('tokens').addColumn('x', 'text')", CONTRACTING);
  });
});
