/**
 * One round of load on one server: autocannon in this process, over loopback, for a bounded
 * time. Every request is built before the clock starts (autocannon builds static requests
 * once per connection), so the load generator, which shares the cores with the server, does
 * the same small work per request against the baseline and against tessera.
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

export interface LoadPlan {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  /** One body for every request. */
  body?: string;
  /**
   * Bodies spread over the connections: each connection cycles through its own share, so the
   * whole set is sent before any body comes again (given `offset`, across rounds too).
   */
  bodies?: readonly string[];
}

/** A server under load: its URL, and its process for the RSS and CPU time. */
export interface LoadTarget {
  url: string;
  pid: number;
}

export interface RoundFigures {
  /** autocannon's `requests.average`: the mean of its per-second samples. */
  requestsPerSecond: number;
  requests: number;
  /** Latency in milliseconds. */
  p50: number;
  p99: number;
  /** The server's resident set after the round (VmRSS), and its peak so far (VmHWM), in MB. */
  rssMb: number;
  peakRssMb: number;
  /** The server's CPU time (user and system) during the round per request answered, in µs. */
  cpuUsPerRequest: number;
  durationS: number;
}

export interface RoundOptions {
  connections: number;
  durationS: number;
  /**
   * Where in its slice each connection starts (with `bodies`): pass on `requests / connections`
   * of the previous round so a round goes on where the last one stopped, instead of sending
   * again what the server has just seen.
   */
  offset?: number;
}

/** The server's memory, from /proc (Linux). */
export function memoryOf(pid: number): { rssMb: number; peakRssMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, peakRssMb: kb('VmHWM') / 1024 };
}

/** The CPU time (user and system) the process has used so far, in ms, from /proc (Linux counts it in 1/100 s). */
export function cpuTimeMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // After the command name (in parentheses, and it may hold spaces) come the state, …, utime and stime (fields 14 and 15).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * Requests built for one round, at most: autocannon builds each before the clock starts (about
 * 20 µs apiece here), and a round of tessera sends far fewer. Later rounds go on from the offset.
 */
const MAX_BODIES_PER_ROUND = 40_000;

/** The slice of `bodies` connection `index` of `connections` cycles through: its own share, from `offset` on, at most `limit`. */
export function sliceFor(bodies: readonly string[], index: number, connections: number, offset: number, limit = Infinity): string[] {
  if (bodies.length <= connections) return [bodies[index % bodies.length]!];
  const size = Math.ceil(bodies.length / connections);
  const own = bodies.slice(index * size, (index + 1) * size);
  if (own.length === 0) return [bodies[index % bodies.length]!];
  const at = offset % own.length;
  return [...own.slice(at), ...own.slice(0, at)].slice(0, Math.max(1, limit));
}

/** Runs one round; throws when any answer was not 2xx or any request failed, since such a round measures something else. */
export async function loadRound(target: LoadTarget, plan: LoadPlan, options: RoundOptions): Promise<RoundFigures> {
  const headers = { ...(plan.method === 'POST' ? { 'content-type': 'application/json' } : {}), ...plan.headers };
  let client = 0;
  const bodies = plan.bodies;
  const cpuBefore = cpuTimeMsOf(target.pid);
  const result = await autocannon({
    url: `${target.url}${plan.path}`,
    method: plan.method,
    headers,
    ...(plan.body !== undefined ? { body: plan.body } : {}),
    connections: options.connections,
    duration: options.durationS,
    ...(bodies
      ? {
          setupClient: (c: autocannon.Client) => {
            const slice = sliceFor(bodies, client++, options.connections, options.offset ?? 0, Math.ceil(MAX_BODIES_PER_ROUND / options.connections));
            c.setRequests(slice.map((body) => ({ method: plan.method, path: plan.path, headers: { ...headers }, body })));
          },
        }
      : {}),
  });
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(
      `${plan.method} ${plan.path} on ${target.url}: ${result.non2xx} non-2xx answers ${JSON.stringify(result.statusCodeStats ?? {})}, ` +
        `${result.errors} errors, ${result.timeouts} timeouts out of ${result.requests.total}`,
    );
  }
  return {
    requestsPerSecond: result.requests.average,
    requests: result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ...memoryOf(target.pid),
    cpuUsPerRequest: ((cpuTimeMsOf(target.pid) - cpuBefore) * 1000) / Math.max(result.requests.total, 1),
    durationS: result.duration,
  };
}
