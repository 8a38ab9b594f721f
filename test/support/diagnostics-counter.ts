import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';

/*
 * Preloaded into a server process with `--import`: a diagnostics_channel subscriber, as
 * OpenTelemetry's HTTP instrumentation is one, that writes a line to stderr for every request
 * Node's HTTP server begins. test/e2e/diagnostics.test.ts counts the lines.
 */
subscribe('http.server.request.start', (message) => {
  const { request } = message as { request: IncomingMessage };
  process.stderr.write(`diagnostics: ${request.method} ${request.url?.split('?')[0]}\n`);
});
