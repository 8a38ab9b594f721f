import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { whoamiHint } from './admin-token-command.js';
import { loadServerConfig } from './load-server-config.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-admin-token-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const SECRET = 'tsr_secret';

function configFrom(file: object, env: NodeJS.ProcessEnv = {}) {
  const path = join(dir, 'tessera.json');
  writeFileSync(path, JSON.stringify(file));
  return loadServerConfig({ config: path }, env).config;
}

it("names the port serve would listen on: the config file's, under PORT's", () => {
  assert.equal(whoamiHint(configFrom({ port: 9123 }), SECRET), `Try: curl -H "Authorization: Bearer ${SECRET}" http://127.0.0.1:9123/v1/whoami\n`);
  assert.match(whoamiHint(configFrom({ port: 9123 }, { PORT: '9200' }), SECRET), / http:\/\/127\.0\.0\.1:9200\/v1\/whoami\n$/);
});

it('names no port it cannot know: with port 0, serve listens wherever the system gives it one', () => {
  const hint = whoamiHint(configFrom({ port: 0 }), SECRET);
  assert.doesNotMatch(hint, /:0\//);
  assert.equal(
    hint,
    `Try it on the server (its URL is in the line "tessera listening on …"): curl -H "Authorization: Bearer ${SECRET}" <server URL>/v1/whoami\n`,
  );
});

it('names the public URL when there is one: where clients reach the server, not where it listens', () => {
  const hint = whoamiHint(configFrom({ port: 0, publicUrl: 'https://tokens.example.com' }), SECRET);
  assert.equal(hint, `Try: curl -H "Authorization: Bearer ${SECRET}" https://tokens.example.com/v1/whoami\n`);
});
