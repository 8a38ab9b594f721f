import cluster from 'node:cluster';
import { serveCluster, serveWorker } from './cluster.js';
import { startServer } from './serve.js';
import { loadServerConfig, type ConfigFlags } from './load-server-config.js';
import { shutdownOnSignals } from './shutdown-on-signals.js';
import { startBanner } from './start-banner.js';

/** `tessera serve`: one process, or with --workers N a primary and N workers (each of which runs this too). */
export async function serveCommand(flags: ConfigFlags): Promise<void> {
  if (cluster.isWorker) return serveWorker();
  const { config } = loadServerConfig(flags, process.env);
  if (config.workers > 1) return serveCluster(config);
  const server = await startServer(config);
  process.stderr.write(startBanner(server.url, config, server.secret, server.changeSignalName));
  shutdownOnSignals('tessera', ['SIGINT', 'SIGTERM'], server.stop);
}
