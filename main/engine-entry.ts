/**
 * Entry of the Electron utility process that runs the engine (`utilityProcess.fork`). The database
 * path comes as the first argument. Electron-only: `process.parentPort` exists nowhere else.
 * Phones are tracked over adb unless FRONTIER_PHONES=0; FRONTIER_BENCHMARK_MODEL names the
 * benchmark_model binary to push (default: the official build, downloaded once).
 */
import type { ClientMessage, MessagePortLike, ServerMessage } from '../shared/ipc/messages.js';
import { startEngineHost } from './engine-host.js';

interface ParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
if (!parentPort) throw new Error('engine-entry runs only inside an Electron utility process');
const dbPath = process.argv[2];
if (!dbPath) throw new Error('engine-entry needs the database path as its first argument');

// Listen at once: calls that arrive while the engine starts (adb can take seconds) wait in a queue.
const early: ClientMessage[] = [];
let deliver: ((m: ClientMessage) => void) | undefined;
parentPort.on('message', (e) => (deliver ? deliver(e.data as ClientMessage) : early.push(e.data as ClientMessage)));
const port: MessagePortLike<ClientMessage, ServerMessage> = {
  send: (m) => parentPort.postMessage(m),
  onMessage(listener) {
    deliver = listener;
    for (const m of early.splice(0)) listener(m);
    return () => {
      deliver = undefined;
    };
  },
  close: () => undefined,
};
const bench = process.env.FRONTIER_BENCHMARK_MODEL;
const engine = await startEngineHost(port, { dbPath, phones: process.env.FRONTIER_PHONES !== '0', ...(bench ? { benchmarkBinary: bench } : {}) });
process.on('SIGTERM', () => void engine.shutdown().then(() => process.exit(0)));
