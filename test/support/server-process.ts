import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { servingExecArgv } from '../../src/server/heap-growth.js';

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Everything written to stdout (the JSON log) so far. */
  stdout(): string;
  /** Everything written to stderr (the lines for people) so far. */
  stderr(): string;
  /** The exit code once the process has ended and its output is read (null when a signal ended it). */
  exited: Promise<number | null>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** Runs `tessera serve` as a real process on a random port and waits until it listens. */
export async function startServerProcess(args: string[], env: Record<string, string> = {}, launcher: readonly string[] = []): Promise<ServerProcess> {
  // With the V8 flag `npm start` passes, so it runs as a user's would.
  return startListeningProcess([...servingExecArgv([]), MAIN, 'serve', '--port', '0', ...args], { DATABASE_URL: '', TESSERA_BOOTSTRAP_TOKEN: '', ...env }, launcher);
}

/**
 * Runs a Node script that prints `listening on <url>` to stderr (tessera, a benchmark's
 * baseline) and waits until it does. `launcher` is a command that runs Node for it (the
 * benchmark's `taskset --cpu-list 0`).
 */
export async function startListeningProcess(argv: string[], env: Record<string, string> = {}, launcher: readonly string[] = []): Promise<ServerProcess> {
  const [command, ...prefix] = [...launcher, process.execPath];
  const child = spawn(command!, [...prefix, '--enable-source-maps', ...argv], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  // 'close', not 'exit': it waits until stdout and stderr are read to the end.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 30 s:\n${err}\n${out}`)), 30_000);
    const check = () => {
      const match = /listening on (http:\/\/\S+)/.exec(err);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stderr!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${err}\n${out}`));
    });
  });

  return {
    url,
    child,
    exited,
    stdout: () => out,
    stderr: () => err,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** The admin token a first start prints. */
export function bootstrapSecretIn(text: string): string | undefined {
  return /^\s+(tsr_[0-9A-Za-z]{36})\s*$/m.exec(text)?.[1];
}
