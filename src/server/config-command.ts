import { SETTINGS, type Setting } from './config-settings.js';
import type { LoadedServerConfig, SettingSource } from './load-server-config.js';

/** What `tessera config` shows in place of a secret. */
export const REDACTED = 'REDACTED';

interface ShownSetting {
  value: string | number | boolean | string[] | null;
  source: SettingSource;
  /** How the source names it (`--port`, `PORT`, `tessera.json: port`); absent for a default. */
  from?: string;
  /** What the server uses in place of an unset value (`file data/secret.key`, `100`). */
  default?: string | number;
}

/** Each setting's effective value, secrets redacted, and where it came from. */
export function effectiveSettings(loaded: LoadedServerConfig): Record<string, ShownSetting> {
  const shown: Record<string, ShownSetting> = {};
  for (const s of SETTINGS) {
    const origin = loaded.origins[s.key]!;
    const value = shownValue(s, s.value(loaded.config));
    // Unset is not "none" when the server falls back to something: a key file, a poll by store.
    const fallback = value === null && s.fallback ? { default: s.fallback(loaded.config) } : {};
    shown[s.key] = { value, source: origin.source, ...(origin.source === 'default' ? {} : { from: origin.label }), ...fallback };
  }
  return shown;
}

/** `tessera config`: one setting a line (key, value, source), or the same as JSON. */
export function formatConfig(loaded: LoadedServerConfig, json: boolean): string {
  const settings = effectiveSettings(loaded);
  if (json) return JSON.stringify({ file: loaded.file ?? null, settings }, null, 2);
  const rows = Object.entries(settings).map(([key, s]) => [
    key,
    s.value === null ? (s.default !== undefined ? `(default: ${s.default})` : '-') : Array.isArray(s.value) ? s.value.join(',') : String(s.value),
    s.source === 'default' ? 'default' : `${s.source} ${s.from}`,
  ]);
  const widths = [0, 1].map((column) => Math.max(...rows.map((row) => row[column]!.length)));
  const header = loaded.file ? `config file: ${loaded.file}\n` : 'config file: none (--config or TESSERA_CONFIG)\n';
  return header + rows.map(([key, value, source]) => `${key!.padEnd(widths[0]!)}  ${value!.padEnd(widths[1]!)}  ${source}`).join('\n');
}

function shownValue(s: Setting, value: unknown): ShownSetting['value'] {
  if (value === undefined || value === null) return null;
  if (s.secret === 'secret') return REDACTED;
  if (s.secret === 'url-password') return redactUrl(String(value));
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(String);
  return JSON.stringify(value);
}

/** A URL without its password, in its userinfo or in a query parameter (PostgreSQL takes `?password=`). */
export function redactUrl(text: string): string {
  if (!URL.canParse(text)) return REDACTED;
  const url = new URL(text);
  if (url.password) url.password = REDACTED;
  for (const name of [...url.searchParams.keys()]) {
    if (/pass|secret|token|key/i.test(name)) url.searchParams.set(name, REDACTED);
  }
  return url.toString();
}
