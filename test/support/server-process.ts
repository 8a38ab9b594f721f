import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { servingExecArgv } from '../../src/server/heap-growth.js';

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Everything written to stdout (the JSON log) so far; empty when started with `stdout: 'ignore'`. */
  stdout(): string;
  /** Everything written to stderr (the lines for people) so far. */
  stderr(): string;
  /** The exit code once the process has ended and its output is read (null when a signal ended it). */
  exited: Promise<number | null>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

export interface ProcessOptions {
  /**
   * `'keep'` (the default): stdout is read and kept for `stdout()`. `'ignore'`: it goes to
   * /dev/null, for a server under load whose JSON log would otherwise grow without bound here.
   */
  stdout?: 'keep' | 'ignore';
}

/**
 * Runs `tessera serve` as a real process on a random port and waits until it listens. In `env`,
 * `undefined` removes a variable this process has: the server then runs with its default.
 */
export async function startServerProcess(
  args: string[],
  env: Record<string, string | undefined> = {},
  launcher: readonly string[] = [],
  options: ProcessOptions = {},
): Promise<ServerProcess> {
  // With the V8 flag `npm start` passes, so it runs as a user's would.
  return startListeningProcess(
    [...servingExecArgv([]), MAIN, 'serve', '--port', '0', ...args],
    { DATABASE_URL: '', TESSERA_BOOTSTRAP_TOKEN: '', ...env },
    launcher,
    options,
  );
}

/**
 * Runs a Node script that prints `listening on <url>` to stderr (tessera, a benchmark's
 * baseline) and waits until it does. `launcher` is a command that runs Node for it (the
 * benchmark's `taskset --cpu-list 0`).
 */
export async function startListeningProcess(
  argv: string[],
  env: Record<string, string | undefined> = {},
  launcher: readonly string[] = [],
  options: ProcessOptions = {},
): Promise<ServerProcess> {
  const [command, ...prefix] = [...launcher, process.execPath];
  // spawn leaves out the variables whose value is undefined.
  const child = spawn(command!, [...prefix, '--enable-source-maps', ...argv], {
    env: { ...process.env, ...env },
    stdio: ['ignore', options.stdout === 'ignore' ? 'ignore' : 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
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
