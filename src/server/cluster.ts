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
  const port = await portToShare(config.host, config.port);
  const secret = await prepareStore(config);
  const env = { [WORKER_CONFIG]: JSON.stringify({ ...config, port }) };

  let stopping = false;
  let failedToStart = false;
  let announced = false;
  const listening = new Set<Worker>();
  const deaths: number[] = [];

  /** SIGTERM to every live worker; their exit codes once all have exited. */
  const stopWorkers = async () => {
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());
    const exits = workers.map((worker) => once(worker, 'exit') as Promise<[number | null, NodeJS.Signals | null]>);
    for (const worker of workers) worker.process.kill('SIGTERM');
    return Promise.all(exits);
  };

  shutdownOnSignals(
    'tessera',
    ['SIGINT', 'SIGTERM'],
    async () => {
      const codes = await stopWorkers();
      // A signal while a failed start stops the workers: still that failure, already said.
      if (failedToStart) process.exit(1);
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
      // Not a crash to retry: what stopped this one (the database away) stops the others too. It
      // has said why on the shared stderr; a failed start is not a failed shutdown, so the primary
      // stops the rest and exits 1 without a shutdown's report.
      process.stderr.write(`tessera: worker ${worker.process.pid} exited (${how}) while starting; stopping the others\n`);
      failedToStart = true;
      // The admin this start made would otherwise go unshown for good.
      if (secret !== undefined) process.stderr.write(`\n${failedFirstStartNotice(config, secret)}\n\n`);
      void stopWorkers().then(() => process.exit(1));
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
  const stop = shutdownOnSignals(`tessera worker ${process.pid}`, ['SIGTERM'], async () => {
    // A worker whose start failed has nothing to stop, and its error reaches the command, which
    // says it and exits 1: waiting for that keeps a second report with a stack trace out.
    const server = await starting.catch(() => new Promise<never>(() => {}));
    await server.stop();
  });
  process.on('disconnect', () => stop('the primary is gone'));
  const server = await starting;
  process.send!({ tessera: 'listening', signalName: server.changeSignalName } satisfies Listening);
}

/**
 * The port the workers will share, tried by the primary before it forks them: `port` itself, or
 * with 0 one the system picks, fixed here so that a worker replaced after all the others died
 * still listens where the banner said. A port that is taken (or not this user's to open) fails
 * here, once, with the error listening gives; left to the workers, each of them would say it.
 */
async function portToShare(host: string, port: number): Promise<number> {
  const probe = createServer();
  probe.listen(port, host);
  await once(probe, 'listening');
  const address = probe.address();
  probe.close();
  await once(probe, 'close');
  if (typeof address !== 'object' || !address) throw new Error(`cannot listen on ${host}:${port}`);
  return address.port;
}
