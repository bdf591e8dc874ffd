/**
 * The search engine's process (house style: engine and training off the UI thread). It owns the
 * store, the studies and the phones, and serves the contract over one message port; the Electron
 * main process only forwards calls and events. Transport-free: the Electron utility-process entry
 * and the tests' worker thread both hand it a port.
 */
import type { ClientMessage, MessagePortLike, ServerMessage } from '../shared/ipc/messages.js';
import { composeHost } from './ipc/compose.js';
import type { NasHost } from './ipc/index.js';
import { serveMessages } from './ipc/server.js';
import { SqliteStore } from './services/sqlite-store.js';

export interface EngineHost {
  readonly host: NasHost;
  /** Stops every running study and profiling job (resumable), detaches from the port, closes the store. */
  shutdown(): Promise<void>;
}

export interface EngineOptions {
  readonly dbPath: string;
  /** Track phones over adb, as the desktop app does (tests turn it off: it starts an adb server). */
  readonly phones: boolean;
  readonly benchmarkBinary?: string;
  readonly warn?: (message: string) => void;
}

export async function startEngineHost(port: MessagePortLike<ClientMessage, ServerMessage>, opts: EngineOptions): Promise<EngineHost> {
  const store = SqliteStore.open(opts.dbPath);
  const composed = await composeHost(store, opts.dbPath, {
    phones: opts.phones,
    ...(opts.benchmarkBinary ? { benchmarkBinary: opts.benchmarkBinary } : {}),
    warn: opts.warn ?? ((m) => process.stderr.write(`frontier engine: ${m}\n`)),
  });
  const served = serveMessages(composed.nas.server, port);
  let done: Promise<void> | undefined;
  return {
    host: composed.nas,
    shutdown() {
      done ??= (async () => {
        await composed.shutdown();
        served.dispose();
        store.close();
      })();
      return done;
    },
  };
}
