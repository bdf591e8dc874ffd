import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeHost } from '../../ipc/compose.js';
import { defaultDbPath } from '../../services/paths.js';
import { serveHttp } from '../../ipc/http-server.js';
import { redisOptions } from '../../services/queue/connection.js';
import { flag, num, parse, str } from '../args.js';
import { DB_OPTION, openStore } from '../common.js';
import type { CliIO } from '../io.js';

export const SERVE_HELP = `Usage: frontier serve [options]

Serves the workbench UI and its API to a browser on this machine. Prints the URL to open; it holds
a random session token, needed by every request. Ctrl-C stops the server (running searches stop
cleanly and can be resumed).

Options:
  --port N         port to listen on (default 0: a free port)
  --host ADDR      interface to bind (default 127.0.0.1, this machine only; 0.0.0.0 exposes it,
                   e.g. on a headless GPU box reached through a tunnel)
  --phones         track phones over adb (starts the adb server if needed) for the Devices screen,
                   where their latency lookup tables can be built ($FRONTIER_BENCHMARK_MODEL: the
                   benchmark_model binary; default: the official build, downloaded once)
  --redis URL      list the evaluation workers announced in this Redis on the Workers screen
                   (redis://[:PASSWORD@]host:6379 or rediss://; the password is never shown);
                   the screen can also be given one
  --assets DIR     built renderer (default: dist/renderer of this installation)
  --db PATH        database file (default: the app-data folder, or $FRONTIER_DB)
  -h, --help       this help
`;

const OPTIONS = { port: { type: 'string' }, host: { type: 'string' }, assets: { type: 'string' }, phones: { type: 'boolean' }, redis: { type: 'string' }, ...DB_OPTION } as const;

export const DEFAULT_ASSETS = fileURLToPath(new URL('../../../dist/renderer/', import.meta.url));

/** Runs until SIGINT/SIGTERM (or `signal` aborts, for tests); returns the exit code. */
export async function serveCommand(argv: readonly string[], io: CliIO, signal?: AbortSignal): Promise<number> {
  const p = parse('serve', argv, OPTIONS);
  if (flag(p, 'help')) {
    io.out(SERVE_HELP);
    return 0;
  }
  const port = num(p, 'port', { integer: true, min: 0 }) ?? 0;
  const host = str(p, 'host') ?? '127.0.0.1';
  const assetsDir = str(p, 'assets') ? resolve(io.cwd, str(p, 'assets') as string) : DEFAULT_ASSETS;
  const dbPath = str(p, 'db') ?? defaultDbPath(io.env);
  const redisUrl = str(p, 'redis');
  if (redisUrl !== undefined) redisOptions(redisUrl); // a malformed URL fails before anything starts
  const store = openStore(io, dbPath);
  const bench = io.env['FRONTIER_BENCHMARK_MODEL'] || undefined;
  const composed = await composeHost(store, dbPath, {
    phones: flag(p, 'phones'),
    ...(bench ? { benchmarkBinary: resolve(io.cwd, bench) } : {}),
    warn: (m) => io.err(`frontier: ${m}\n`),
    ...(redisUrl ? { redisUrl } : {}),
  });
  const nas = composed.nas;
  let http;
  try {
    http = await serveHttp(nas.server, { host, port, assetsDir, log: (m) => io.err(`${m}\n`) });
  } catch (e) {
    await composed.shutdown();
    store.close();
    throw e;
  }
  if (!existsSync(resolve(assetsDir, 'index.html'))) io.err(`frontier: the workbench is not built (${assetsDir}); run 'npm run build:renderer'\n`);
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') io.err(`frontier: listening on ${host}: anyone who can reach it and has the URL's token can use it\n`);
  io.out(`Frontier workbench: ${http.url}\n`);
  await new Promise<void>((done) => {
    const stop = () => done();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    signal?.addEventListener('abort', stop, { once: true });
  });
  io.err('frontier: stopping…\n');
  await composed.shutdown();
  await http.close();
  store.close();
  return 0;
}
