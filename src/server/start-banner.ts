import { describeStore, type ServerConfig } from './server-config.js';

/**
 * What a start tells people, on stderr, in one write, so the JSON log on stdout stays free of
 * secrets: where it listens and how it hears of token changes, and on a first start the admin
 * token, shown this once.
 */
export function startBanner(url: string, config: ServerConfig, secret: string | undefined, signalName: string): string {
  const workers = config.workers > 1 ? `, ${config.workers} workers` : '';
  let banner = `tessera listening on ${url} (${describeStore(config)}${workers}; token changes heard by ${signalName})\n`;
  if (secret !== undefined && config.bootstrapToken === undefined) {
    banner +=
      `\nFirst start: created the admin user and its token. It is shown this once, never again:\n\n    ${secret}\n\n` +
      `Try: curl -H "Authorization: Bearer ${secret}" ${url}/v1/whoami\n\n`;
  } else if (secret !== undefined) {
    banner += 'First start: created the admin user with the token from TESSERA_BOOTSTRAP_TOKEN.\n';
  }
  return banner;
}

/**
 * What a start that failed after its bootstrap made the admin says besides the cause: the admin
 * is in the store now, so no later start makes one or shows a token, and this is the one moment
 * the token can be shown. Whoever lost it anyway has the offline recovery command.
 */
export function failedFirstStartNotice(config: ServerConfig, secret: string): string {
  const made =
    config.bootstrapToken === undefined
      ? `This first start created the admin user and its token before it failed. The token is shown this once, never again:\n\n    ${secret}\n\n`
      : 'This first start created the admin user with the token from TESSERA_BOOTSTRAP_TOKEN before it failed.\n';
  return (
    made +
    'The next start keeps this admin and prints no token. Should the token be lost, `tessera admin token` ' +
    '(with the same --data-dir or DATABASE_URL) issues a new admin token.'
  );
}
