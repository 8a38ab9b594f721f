import { readFileSync, statSync } from 'node:fs';
import { parseScanningKeys, type ScanningKey } from '../core/github-secret-scanning.js';
import type { ScanningKeyring } from '../service/leak-partners.js';
import type { ServerConfig } from './server-config.js';

/**
 * GitHub's secret scanning keys from the operator's file or setting. Read at start: a server that
 * cannot read them does not start, rather than answer GitHub 401 for every report. A file is read
 * again when a report names a key not in it and the file changed since (GitHub rotated its key and
 * the operator saved the new document); a new file that cannot be read leaves the keys as they
 * were, and says why on `onProblem`.
 */
export function loadGithubScanningKeys(
  source: ServerConfig['githubScanningKeys'],
  onProblem: (message: string) => void = (message) => process.stderr.write(`${message}\n`),
): ScanningKeyring | undefined {
  if (!source) return undefined;
  if ('json' in source) return fixedKeyring(parsed('TESSERA_GITHUB_SCANNING_KEYS', source.json));
  return new FileKeyring(source.file, onProblem);
}

/** Keys that never change (given in the environment, or a test's). */
export function fixedKeyring(keys: readonly ScanningKey[]): ScanningKeyring {
  return { keys, reload: () => {} };
}

class FileKeyring implements ScanningKeyring {
  #keys: readonly ScanningKey[];
  /** The file's modification time and size when it was last read: a reload reads it only when they differ. */
  #stamp: string;
  /** Said once until it changes: reloads come with reports, and a missing file would otherwise be said on each. */
  #problem: string | undefined;

  constructor(
    private readonly path: string,
    private readonly onProblem: (message: string) => void,
  ) {
    this.#stamp = this.#stampNow();
    this.#keys = parsed(this.#name(), readKeysFile(path));
  }

  get keys(): readonly ScanningKey[] {
    return this.#keys;
  }

  reload(): void {
    let stamp: string;
    try {
      stamp = this.#stampNow();
    } catch (error) {
      this.#say(error);
      return;
    }
    if (stamp === this.#stamp) return;
    // Taken before reading, so a file that is bad is read again only once it changes again.
    this.#stamp = stamp;
    try {
      this.#keys = parsed(this.#name(), readKeysFile(this.path));
      this.#problem = undefined;
    } catch (error) {
      this.#say(error);
    }
  }

  #say(error: unknown): void {
    const message = `${(error as Error).message}; keeping the GitHub scanning keys read before`;
    if (message !== this.#problem) this.onProblem(message);
    this.#problem = message;
  }

  #stampNow(): string {
    try {
      const stat = statSync(this.path);
      return `${stat.mtimeMs}:${stat.size}`;
    } catch (error) {
      throw new Error(`TESSERA_GITHUB_SCANNING_KEYS_FILE: cannot read ${this.path}: ${(error as Error).message}`, { cause: error });
    }
  }

  #name(): string {
    return `TESSERA_GITHUB_SCANNING_KEYS_FILE (${this.path})`;
  }
}

function parsed(name: string, text: string): ScanningKey[] {
  try {
    return parseScanningKeys(text);
  } catch (error) {
    throw new Error(`${name}: ${(error as Error).message}`, { cause: error });
  }
}

function readKeysFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`TESSERA_GITHUB_SCANNING_KEYS_FILE: cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
}
