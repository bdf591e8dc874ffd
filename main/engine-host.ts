/**
 * The search engine's process (house style: engine and training off the UI thread). It owns the
 * store and the studies and serves the contract over one message port; the Electron main process
 * only forwards calls and events. Transport-free: the Electron utility-process entry and the tests'
 * worker thread both hand it a port.
 */
import type { ClientMessage, MessagePortLike, ServerMessage } from '../shared/ipc/messages.js';
import { createNasHost, type NasHost } from './ipc/index.js';
import { serveMessages } from './ipc/server.js';
import { SqliteStore } from './services/sqlite-store.js';

export interface EngineHost {
  readonly host: NasHost;
  /** Stops every running study (resumable), detaches from the port and closes the store. */
  shutdown(): Promise<void>;
}

export function startEngineHost(port: MessagePortLike<ClientMessage, ServerMessage>, opts: { dbPath: string }): EngineHost {
  const store = SqliteStore.open(opts.dbPath);
  const host = createNasHost(store);
  const served = serveMessages(host.server, port);
  let done: Promise<void> | undefined;
  return {
    host,
    shutdown() {
      done ??= (async () => {
        await host.shutdown();
        served.dispose();
        store.close();
      })();
      return done;
    },
  };
}
