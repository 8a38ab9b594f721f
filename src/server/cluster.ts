import cluster, { type Worker } from 'node:cluster';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { answerClusterMetrics, clusterMetricsOf } from './cluster-metrics.js';
import { servingExecArgv } from './heap-growth.js';
import { restartDelay } from './restart-delay.js';
import { prepareStore, startServer } from './serve.js';
import { listenUrl, type ServerConfig } from './server-config.js';
import { shutdownOnSignals } from './shutdown-on-signals.js';
import { failedFirstStartNotice, startBanner } from './start-banner.js';

/** Where the primary hands its resolved configuration to the workers it forks. */
const WORKER_CONFIG = 'TESSERA_WORKER_CONFIG';

/** What a worker tells its primary once it serves: how it hears of token changes, for the banner. */
interface Listening {
  tessera: 'listening';
  signalName: string;
}

/**
 * The primary of `tessera serve --workers N`: migrates and bootstraps the store once, forks
 * the workers, which share its listening socket, and says it listens once all of them serve.
 * A worker that dies later is replaced, after a delay that grows when they keep dying.
 * SIGTERM or SIGINT stops every worker gracefully and exits 0 when all have.
 */
export async function serveCluster(config: ServerConfig): Promise<void> {
  const secret = await prepareStore(config);
  // Workers that listen on port 0 share one port only while one of them holds it open: resolved
  // once here, a worker replaced after all the others died still listens where the banner said.
  const port = config.port === 0 ? await freePort(config.host) : config.port;
  const env = { [WORKER_CONFIG]: JSON.stringify({ ...config, port }) };

  let stopping = false;
  let failedToStart = false;
  let announced = false;
  const listening = new Set<Worker>();
  const deaths: number[] = [];

  const stop = shutdownOnSignals(
    'tessera',
    ['SIGINT', 'SIGTERM'],
    async () => {
      stopping = true;
      const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());
      const exits = workers.map((worker) => once(worker, 'exit') as Promise<[number | null, NodeJS.Signals | null]>);
      for (const worker of workers) worker.process.kill('SIGTERM');
      const codes = await Promise.all(exits);
      if (failedToStart) {
        // The workers' errors said why; the admin this start made would otherwise go unshown for good.
        if (secret !== undefined) process.stderr.write(`\n${failedFirstStartNotice(config, secret)}\n\n`);
        throw new Error('a worker failed to start');
      }
      const failed = codes.filter(([code]) => code !== 0).length;
      if (failed > 0) throw new Error(`${failed} worker(s) did not shut down cleanly`);
    },
    () => {
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
    },
  );

  cluster.on('message', (worker, message: Listening | { tessera?: undefined }) => {
    if (message.tessera !== 'listening') return;
    listening.add(worker);
    if (announced) process.stderr.write(`tessera: worker ${worker.process.pid} listening in its place\n`);
    else if (listening.size === config.workers) {
      announced = true;
      process.stderr.write(startBanner(listenUrl(config.host, port), config, secret, message.signalName));
    }
  });
  cluster.on('exit', (worker, code, signal) => {
    listening.delete(worker);
    if (stopping) return;
    const how = signal ?? `code ${code}`;
    if (!announced) {
      // Not a crash to retry: what stopped this one (the port taken, the database away) stops the others too.
      process.stderr.write(`tessera: worker ${worker.process.pid} exited (${how}) while starting\n`);
      failedToStart = true;
      stop('a worker failed to start');
      return;
    }
    deaths.push(Date.now());
    const delay = restartDelay(deaths, Date.now());
    process.stderr.write(`tessera: worker ${worker.process.pid} exited (${how}); starting another in ${delay} ms\n`);
    setTimeout(() => {
      if (!stopping) cluster.fork(env);
    }, delay);
  });
  answerClusterMetrics();
  // V8 flags go on the workers' command line (see heap-growth.ts).
  cluster.setupPrimary({ execArgv: servingExecArgv(process.execArgv) });
  for (let i = 0; i < config.workers; i++) cluster.fork(env);
}

/** A worker of `tessera serve --workers N`: serves the store its primary prepared, on the primary's socket. */
export async function serveWorker(): Promise<void> {
  const config = JSON.parse(process.env[WORKER_CONFIG] ?? 'null') as ServerConfig | null;
  if (!config) throw new Error(`a worker needs ${WORKER_CONFIG} from its primary`);
  const starting = startServer(config, { prepared: true, gatherMetrics: clusterMetricsOf });
  // A terminal's Ctrl-C reaches the primary too, which then stops the workers with SIGTERM.
  process.on('SIGINT', () => {});
  const stop = shutdownOnSignals(`tessera worker ${process.pid}`, ['SIGTERM'], async () => (await starting).stop());
  process.on('disconnect', () => stop('the primary is gone'));
  const server = await starting;
  process.send!({ tessera: 'listening', signalName: server.changeSignalName } satisfies Listening);
}

/** A port nobody listens on now, on `host`. */
async function freePort(host: string): Promise<number> {
  const probe = createServer();
  probe.listen(0, host);
  await once(probe, 'listening');
  const address = probe.address();
  probe.close();
  if (typeof address !== 'object' || !address) throw new Error(`cannot find a free port on ${host}`);
  return address.port;
}
