/**
 * Entry of the Electron utility process that runs the engine (`utilityProcess.fork`). The database
 * path comes as the first argument. Electron-only: `process.parentPort` exists nowhere else.
 */
import type { ClientMessage, MessagePortLike, ServerMessage } from '../shared/ipc/messages.js';
import { startEngineHost } from './engine-host.js';

interface ParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  off(event: 'message', listener: (e: { data: unknown }) => void): void;
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
if (!parentPort) throw new Error('engine-entry runs only inside an Electron utility process');
const dbPath = process.argv[2];
if (!dbPath) throw new Error('engine-entry needs the database path as its first argument');

const port: MessagePortLike<ClientMessage, ServerMessage> = {
  send: (m) => parentPort.postMessage(m),
  onMessage(listener) {
    const l = (e: { data: unknown }) => listener(e.data as ClientMessage);
    parentPort.on('message', l);
    return () => parentPort.off('message', l);
  },
  close: () => undefined,
};
const engine = startEngineHost(port, { dbPath });
process.on('SIGTERM', () => void engine.shutdown().then(() => process.exit(0)));
