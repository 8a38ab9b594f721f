import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const NGINX = '/usr/sbin/nginx';
export const CADDY = '/usr/bin/caddy';

/** Where docs/gateways.md places tessera and the upstream in its examples; the tests put their own ports there. */
export const DOC_TESSERA = '127.0.0.1:7070';
export const DOC_UPSTREAM = '127.0.0.1:9000';

const GATEWAYS_MD = fileURLToPath(new URL('../../../docs/gateways.md', import.meta.url));

/**
 * Why a gateway's tests cannot run (its binary is missing), or undefined when they can. With
 * TESSERA_REQUIRE_GATEWAYS=1 (CI) a missing binary is a failure, not a skip.
 */
export function gatewayMissing(name: string, binary: string): string | undefined {
  if (existsSync(binary)) return undefined;
  const reason = `${name} is not installed at ${binary} (apt-get install ${name})`;
  if (process.env.TESSERA_REQUIRE_GATEWAYS === '1') throw new Error(`TESSERA_REQUIRE_GATEWAYS=1 but ${reason}`);
  return reason;
}

/** The configuration block docs/gateways.md marks `<!-- gateway-config: name -->`, as the page shows it. */
export function documentedConfig(name: string): string {
  const text = readFileSync(GATEWAYS_MD, 'utf8');
  const marker = `<!-- gateway-config: ${name} -->`;
  const at = text.indexOf(marker);
  if (at === -1) throw new Error(`docs/gateways.md has no ${marker}`);
  const block = /```[a-z]*\n([\s\S]*?)```/.exec(text.slice(at + marker.length));
  if (!block) throw new Error(`docs/gateways.md: no code block after ${marker}`);
  return block[1]!;
}

/** The documented block with the tests' addresses in place of the page's. */
export function withAddresses(config: string, tessera: string, upstream: string): string {
  return config.replaceAll(DOC_TESSERA, tessera).replaceAll(DOC_UPSTREAM, upstream);
}

export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface Gateway {
  url: string;
  /** The gateway's process (nginx runs as one, with master_process off). */
  pid: number;
  stop(): Promise<void>;
  /** What the gateway wrote to its error log and stderr, for failures. */
  logs(): string;
}

/** Waits until something accepts HTTP requests at `url`, or the process ends. */
async function waitUntilListening(url: string, child: ChildProcess, logs: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}:\n${logs()}`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`gateway did not listen at ${url} in 20 s:\n${logs()}`);
}

function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  dir: string,
  errorLog?: string,
): { child: ChildProcess; logs: () => string; stop: () => Promise<void> } {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const logs = () => out + (errorLog && existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : '');
  return {
    child,
    logs,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Where a documented nginx block that needs both contexts says which of its lines go in `server { }`; those before go in `http { }`. */
const NGINX_SERVER_PART = '# in server { }:';

/**
 * Real nginx, in the foreground, with every path of its own in a temporary directory, serving
 * `block`: the body of a server block, or (docs/gateways.md's keepalive block) lines for the http
 * block, then `# in server { }:`, then the server block's.
 */
export async function startNginx(block: string): Promise<Gateway> {
  const split = block.indexOf(NGINX_SERVER_PART);
  const http = split < 0 ? '' : block.slice(0, split);
  const server = split < 0 ? block : block.slice(split + NGINX_SERVER_PART.length);
  const dir = mkdtempSync(join(tmpdir(), 'tessera-nginx-'));
  const port = await freePort();
  const temp = (name: string) => join(dir, name);
  const conf = `daemon off;
master_process off;
pid ${temp('nginx.pid')};
error_log ${temp('error.log')} warn;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path ${temp('client_body')};
    proxy_temp_path ${temp('proxy')};
    fastcgi_temp_path ${temp('fastcgi')};
    uwsgi_temp_path ${temp('uwsgi')};
    scgi_temp_path ${temp('scgi')};
${http}
    server {
        listen 127.0.0.1:${port};
${server}
    }
}
`;
  writeFileSync(temp('nginx.conf'), conf);
  const proc = run(NGINX, ['-c', temp('nginx.conf'), '-p', dir, '-e', temp('error.log')], process.env, dir, temp('error.log'));
  const url = `http://127.0.0.1:${port}`;
  await waitUntilListening(url, proc.child, proc.logs);
  return { url, pid: proc.child.pid!, stop: proc.stop, logs: proc.logs };
}

/** Real Caddy with the documented site block, its admin API off, its storage and HOME in a temporary directory. */
export async function startCaddy(site: string): Promise<Gateway> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-caddy-'));
  const port = await freePort();
  mkdirSync(join(dir, 'home'));
  // The page's site address (`:80`) becomes the test's loopback port.
  const body = site.replace(/^:80 \{/m, `http://127.0.0.1:${port} {`);
  if (body === site) throw new Error('the documented Caddyfile does not start with ":80 {"');
  const caddyfile = `{
	admin off
	auto_https off
	storage file_system ${join(dir, 'storage')}
}
${body}`;
  writeFileSync(join(dir, 'Caddyfile'), caddyfile);
  const env = { ...process.env, HOME: join(dir, 'home'), XDG_DATA_HOME: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'config') };
  const proc = run(CADDY, ['run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'], env, dir);
  const url = `http://127.0.0.1:${port}`;
  await waitUntilListening(url, proc.child, proc.logs);
  return { url, pid: proc.child.pid!, stop: proc.stop, logs: proc.logs };
}
