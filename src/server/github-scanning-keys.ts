import { readFileSync } from 'node:fs';
import { parseScanningKeys, type ScanningKey } from '../core/github-secret-scanning.js';
import type { ServerConfig } from './server-config.js';

/**
 * GitHub's secret scanning keys from the operator's file or setting, read once at start: a server
 * that cannot read them does not start, rather than answer GitHub 401 for every report.
 */
export function loadGithubScanningKeys(source: ServerConfig['githubScanningKeys']): ScanningKey[] | undefined {
  if (!source) return undefined;
  const [name, text] =
    'file' in source ? [`TESSERA_GITHUB_SCANNING_KEYS_FILE (${source.file})`, readKeysFile(source.file)] : ['TESSERA_GITHUB_SCANNING_KEYS', source.json];
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
