import { dirname, resolve } from 'node:path';
import { closest, readConfigFile, type ConfigFileValues } from './config-file.js';
import { LOG_LEVELS, SETTINGS, type Setting } from './config-settings.js';
import { serverConfig, type ServerConfig, type ServerFlags } from './server-config.js';

/** Where a setting's value came from. */
export type SettingSource = 'flag' | 'env' | 'file' | 'default';

export interface SettingOrigin {
  source: SettingSource;
  /** How the source names it: `--port`, `PORT`, `tessera.json: port`; the variable for a default. */
  label: string;
}

export interface LoadedServerConfig {
  config: ServerConfig;
  /** Each setting's origin, by its config file key. */
  origins: Record<string, SettingOrigin>;
  /** The config file read (absolute), if any. */
  file: string | undefined;
}

/** The flags of the server commands, with `--config`. */
export interface ConfigFlags extends ServerFlags {
  config?: string;
}

const KEYS = SETTINGS.map((s) => s.key);
const BY_KEY = new Map(SETTINGS.map((s) => [s.key, s]));

/**
 * The server's configuration from its layers: flags over environment variables over the config
 * file (`--config`, else TESSERA_CONFIG) over defaults. An empty variable counts as unset, as it
 * does for the server's defaults. Every value is checked on its own first, so an error names the
 * setting where it came from (`--port`, `PORT`, `tessera.json: port`).
 */
export function loadServerConfig(flags: ConfigFlags, env: NodeJS.ProcessEnv): LoadedServerConfig {
  const path = flags.config ?? (env.TESSERA_CONFIG || undefined);
  const file = path === undefined ? {} : readConfigFile(path);
  for (const key of Object.keys(file)) {
    if (!BY_KEY.has(key)) throw new Error(`${path}: unknown setting "${key}" (the closest known one is "${closest(key, KEYS)}")`);
  }
  const texts: Record<string, string> = {};
  const origins: Record<string, SettingOrigin> = {};
  for (const s of SETTINGS) {
    const chosen = choose(s, flags, env, file, path);
    origins[s.key] = chosen.origin;
    if (chosen.text === undefined) continue;
    texts[s.env] = chosen.text;
    check(s, chosen.text, chosen.origin.label);
  }
  try {
    return { config: serverConfig({}, texts), origins, file: path === undefined ? undefined : resolve(path) };
  } catch (error) {
    throw new Error(relabel((error as Error).message, origins), { cause: error });
  }
}

function choose(
  s: Setting,
  flags: ConfigFlags,
  env: NodeJS.ProcessEnv,
  file: ConfigFileValues,
  path: string | undefined,
): { origin: SettingOrigin; text?: string } {
  const flagValue = s.flag ? (flags as Record<string, unknown>)[s.key] : undefined;
  if (typeof flagValue === 'string') return { origin: { source: 'flag', label: s.flag! }, text: flagValue };
  const envValue = env[s.env];
  if (envValue !== undefined && envValue !== '') return { origin: { source: 'env', label: s.env }, text: envValue };
  const value = file[s.key];
  if (path !== undefined && value !== undefined && value !== null) {
    const label = `${path}: ${s.key}`;
    return { origin: { source: 'file', label }, text: fileText(s, value, dirname(resolve(path)), label) };
  }
  return { origin: { source: 'default', label: s.env } };
}

/** A file's JSON value as the text its variable would hold; a value of the wrong JSON type is refused. */
function fileText(s: Setting, value: unknown, fileDir: string, label: string): string {
  const wrong = (what: string) => new Error(`${label} must be ${what}, got ${JSON.stringify(value)}`);
  switch (s.kind) {
    case 'integer':
      if (typeof value !== 'number') throw wrong('a number');
      return String(value);
    case 'string':
      if (typeof value !== 'string') throw wrong('a string');
      return value;
    case 'path':
      // Relative to the file, not to wherever the server happens to be started.
      if (typeof value !== 'string') throw wrong('a string (a path, relative to the config file)');
      return value === '' ? value : resolve(fileDir, value);
    case 'on-off':
      if (typeof value === 'boolean') return value ? 'on' : 'off';
      if (typeof value !== 'string') throw wrong('true or false');
      return value;
    case 'one-zero':
      if (typeof value === 'boolean') return value ? '1' : '0';
      if (typeof value !== 'string') throw wrong('true or false');
      return value;
    case 'proxies':
      if (typeof value === 'number' || typeof value === 'string') return String(value);
      if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join(',');
      throw wrong('a number of proxies or a list of addresses and CIDR ranges');
    case 'json-text':
      if (typeof value === 'string') return value;
      if (typeof value === 'object') return JSON.stringify(value);
      throw wrong('a JSON object or its text');
  }
}

/** Checks one setting's value alone, so that its error names where the value came from. */
function check(s: Setting, text: string, label: string): void {
  if (s.key === 'logLevel' && !(LOG_LEVELS as readonly string[]).includes(text)) {
    throw new Error(`${label} must be one of ${LOG_LEVELS.join(', ')}, got "${text}"`);
  }
  if (s.key === 'databaseUrl' && !/^postgres(ql)?:\/\//.test(text)) {
    throw new Error(`${label} must start with postgres:// or postgresql://`);
  }
  try {
    serverConfig({}, { [s.env]: text });
  } catch (error) {
    const message = (error as Error).message;
    // A rule between two settings (a lease longer than a timeout) is judged with all of them, after.
    if (SETTINGS.some((other) => other !== s && replaceName(message, other.env, '') !== message)) return;
    throw new Error(message.includes(s.env) ? replaceName(message, s.env, label) : `${label}: ${message}`, { cause: error });
  }
}

/** A message about variables, with each one set by a flag or the file named as it was set. */
function relabel(message: string, origins: Record<string, SettingOrigin>): string {
  let named = message;
  for (const s of SETTINGS) {
    const origin = origins[s.key]!;
    if (origin.source === 'flag' || origin.source === 'file') named = replaceName(named, s.env, origin.label);
  }
  return named;
}

function replaceName(message: string, name: string, label: string): string {
  return message.replace(new RegExp(`(?<![A-Z0-9_])${name}(?![A-Z0-9_])`, 'g'), label);
}
