/** A trainer worker thread: runs TrialJobs posted by TrainerPool (see pool.ts for the protocol). */
import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage, NasError } from '../../../shared/errors.js';
import { CancellationTokenSource } from '../../core/cancellation.js';
import type { FromWorker, ToWorker } from './pool.js';
import { runTrial, type TrialHooks } from './trial.js';

const port = parentPort;
if (!port) throw new Error('worker.ts runs only as a worker thread');
/** [0]: 1 while some thread times latency; [1]: threads inside a training/evaluation step. */
const sync = new Int32Array((workerData as { shared: SharedArrayBuffer }).shared);

const hooks: TrialHooks = {
  step: (f) => {
    for (;;) {
      while (Atomics.load(sync, 0) !== 0) Atomics.wait(sync, 0, 1, 100);
      Atomics.add(sync, 1, 1);
      if (Atomics.load(sync, 0) === 0) break;
      Atomics.sub(sync, 1, 1);
      Atomics.notify(sync, 1);
    }
    try {
      return f();
    } finally {
      Atomics.sub(sync, 1, 1);
      Atomics.notify(sync, 1);
    }
  },
  exclusive: async (f) => {
    while (Atomics.compareExchange(sync, 0, 0, 1) !== 0) Atomics.wait(sync, 0, 1, 100);
    for (;;) {
      const inside = Atomics.load(sync, 1);
      if (inside === 0) break;
      Atomics.wait(sync, 1, inside, 100);
    }
    try {
      return await f();
    } finally {
      Atomics.store(sync, 0, 0);
      Atomics.notify(sync, 0);
    }
  },
};

const running = new Map<number, CancellationTokenSource>();
const send = (m: FromWorker) => port.postMessage(m);

port.on('message', (m: ToWorker) => {
  if (m.type === 'cancel') {
    running.get(m.id)?.cancel();
    return;
  }
  const cts = new CancellationTokenSource();
  running.set(m.id, cts);
  runTrial(m.job, (point) => send({ type: 'curve', id: m.id, point }), cts.token, hooks)
    .then((output) => send({ type: 'done', id: m.id, output }))
    .catch((e: unknown) => send({ type: 'error', id: m.id, name: e instanceof Error ? e.name : 'Error', message: errorMessage(e), ...(e instanceof NasError ? { code: e.code } : {}) }))
    .finally(() => {
      running.delete(m.id);
      cts.dispose();
    });
});
send({ type: 'ready' });
