import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { AttemptResult } from '../../core/webhook.js';
import { hostOf, isPublicAddress, webhookUrlProblem } from '../../core/webhook-url.js';
import type { WebhookRequest, WebhookTransport } from '../../service/webhook-transport.js';

/** What a failed attempt records of the receiver's answer: a short excerpt, never more. */
const ERROR_EXCERPT = 200;

/**
 * POSTs deliveries with node:http(s). Every address the receiver's name resolves to is checked
 * (unless `allowPrivate`), and the socket connects to exactly the addresses checked: the lookup
 * that checks them is the one the connection uses, so a name that resolves differently a moment
 * later (DNS rebinding) cannot slip past. Node's built-in fetch takes no lookup of its own (that
 * needs the undici package's Agent), which is why this is node:http. Redirects are not followed:
 * a 3xx is a failed attempt, so a public URL cannot redirect tessera into a private network.
 */
export class HttpWebhookSender implements WebhookTransport {
  constructor(
    private readonly options: {
      allowPrivate: boolean;
      userAgent?: string;
      /** How names are resolved: dns.lookup when not given (tests pass a fake resolver). */
      resolve?: (hostname: string, family: number, done: (error: Error | null, addresses: LookupAddress[]) => void) => void;
    },
  ) {}

  async send(request: WebhookRequest, timeoutMs: number): Promise<AttemptResult> {
    const problem = webhookUrlProblem(request.url, this.options.allowPrivate);
    if (problem) return { ok: false, statusCode: null, error: problem };
    const url = new URL(request.url);
    const host = hostOf(url);
    if (isIP(host) !== 0 && !this.options.allowPrivate && !isPublicAddress(host)) {
      return { ok: false, statusCode: null, error: `refused: ${host} is not a public address` };
    }
    const options: RequestOptions = {
      method: 'POST',
      headers: {
        ...request.headers,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(request.body)),
        'user-agent': this.options.userAgent ?? 'tessera-webhooks',
      },
      lookup: this.#lookup,
      signal: AbortSignal.timeout(timeoutMs),
      agent: false,
    };
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<AttemptResult>((resolve) => {
      let settled = false;
      const done = (result: AttemptResult) => {
        if (settled) return;
        settled = true;
        resolve(result);
      };
      const req = send(url, options, (res) => {
        const status = res.statusCode ?? 0;
        let excerpt = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (excerpt.length < ERROR_EXCERPT) excerpt += chunk.slice(0, ERROR_EXCERPT - excerpt.length);
        });
        res.on('end', () => {
          const ok = status >= 200 && status < 300;
          done({ ok, statusCode: status, error: ok ? null : `answered ${status}${excerpt ? `: ${excerpt}` : ''}` });
        });
        res.on('error', (error) => done({ ok: false, statusCode: status, error: error.message }));
      });
      req.on('error', (error) => {
        const timedOut = error.name === 'AbortError' || error.name === 'TimeoutError';
        done({ ok: false, statusCode: null, error: timedOut ? `no answer within ${timeoutMs} ms` : error.message });
      });
      req.end(request.body);
    });
  }

  /** dns.lookup, refusing the whole answer if any address is not public (unless allowed). */
  readonly #lookup: LookupFunction = (hostname, options, callback) => {
    const resolve = this.options.resolve ?? ((name, family, done) => dnsLookup(name, { all: true, family, hints: options.hints ?? 0 }, done));
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : Number(options.family ?? 0) || 0;
    resolve(hostname, family, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const refused = this.options.allowPrivate ? undefined : addresses.find((a) => !isPublicAddress(a.address));
      if (refused || addresses.length === 0) {
        const why = refused ? `refused: ${hostname} resolves to ${refused.address}, not a public address` : `${hostname} has no address`;
        return callback(Object.assign(new Error(why), { code: 'EWEBHOOKADDRESS' }), '', 0);
      }
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}
