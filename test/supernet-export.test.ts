// A trial of a supernet search (`frontier supernet search`) exports like any trial (issue #12:
// "exportable (TFLite of any sub-network, verified as the devices issue does)"): `frontier export`
// cuts the sub-network's weights out of the supernet after BatchNorm recalibration, records them as
// the trial's weights, and the .tflite file, run in the TFLite interpreter itself (WebAssembly),
// computes what the supernet computes for that sub-network on the study's validation images.
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTorch } from '../main/services/train/torch-engine.js';
import { openSupernet } from '../main/services/train/supernet-study.js';
import { cli, json, tempDir } from './cli-helpers.js';
import { missingPeer } from './harness/peer.js';
import { maxAbsDiff } from './harness/tflite-parity.js';
import { runTfliteInWasm, tfliteWebUnavailable } from './harness/tflite-web.js';

const loaded = loadTorch();
const skip = missingPeer('libtorch (the native engine; npm run build:native)', typeof loaded === 'string' ? loaded : undefined)
  || missingPeer('the TFLite WebAssembly interpreter', tfliteWebUnavailable());
const dir = tempDir('frontier-supernet-export-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const db = join(dir, 'f.db');
const ckpt = join(dir, 'net.ckpt');

interface StudyJson { trials: { number: number; key: string; state: string; metrics?: Record<string, number> }[] }

describe.skipIf(skip)('exporting a sub-network of a supernet search', () => {
  it('writes the inherited weights as the trial\'s, and the TFLite file computes the supernet\'s logits', async () => {
    const train = cli(['supernet', 'train', '--steps', '6', '--max-train', '300', '--val', '100', '--batch-size', '16', '--threads', '1', '--out', ckpt, '--db', db]);
    expect(train.code, train.stderr).toBe(0);
    const search = cli(['supernet', 'search', '--supernet', ckpt, '--device', 'local', '--latency-ms', '1000', '--evals', '3', '--json', '--db', db]);
    expect(search.code, search.stderr).toBe(0);
    const study = json<{ best: { study: string }[] }>(search).best[0]?.study as string;
    const listed = cli(['export', study, '--format', 'json', '--db', db]);
    expect(listed.code, listed.stderr).toBe(0);
    const trials = json<StudyJson>(listed).trials.filter((t) => t.state === 'complete');
    expect(trials.length).toBeGreaterThanOrEqual(2);
    // Not the first trial scored: the supernet then holds the statistics of another sub-network, which the cut must not carry.
    const t = trials[trials.length - 1] as StudyJson['trials'][number];

    const out = join(dir, 'sub.tflite');
    const r = cli(['export', study, '--trial', String(t.number), '--format', 'tflite', '--no-softmax', '--out', out, '--db', db]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/cutting trial \d+'s weights out of the supernet/);
    expect(r.stdout).toMatch(/weights: inherited from the supernet \(6 training steps, BatchNorm recalibrated\), val_accuracy 0\.\d{4}/);

    // The reference: the supernet itself, recalibrated for this sub-network, on validation images.
    const { supernet, data } = openSupernet(ckpt);
    try {
      const a = supernet.space.freeze(supernet.space.parse(t.key));
      expect(a.key).toBe(t.key);
      const scored = await supernet.evaluate(a);
      expect(r.stdout).toContain(`val_accuracy ${scored.accuracy.toFixed(4)}`);
      const [h, w, c] = data.val.shape;
      const per = h * w * c;
      const bytes = new Uint8Array(readFileSync(out));
      for (let i = 0; i < 4; i++) {
        const x = data.val.x.slice(i * per, (i + 1) * per);
        const ref = supernet.predict(a, x);
        const got = (await runTfliteInWasm(bytes, x)).output;
        expect(got.length).toBe(ref.length);
        expect(maxAbsDiff(got, ref), `image ${i}`).toBeLessThanOrEqual(1e-4);
      }
    } finally {
      supernet.dispose();
    }

    // A second export reuses the recorded weights (no second cut); a supernet that is gone is named.
    const again = cli(['export', study, '--trial', String(t.number), '--format', 'onnx', '--out', join(dir, 'sub.onnx'), '--db', db]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toMatch(/cutting/);
    const other = trials[0] as StudyJson['trials'][number];
    renameSync(ckpt, `${ckpt}.moved`);
    const gone = cli(['export', study, '--trial', String(other.number), '--format', 'tflite', '--out', join(dir, 'x.tflite'), '--db', db]);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toMatch(/searched the supernet .*net\.ckpt, which is gone/);
    expect(existsSync(join(dir, 'x.tflite'))).toBe(false);
  }, 240_000);
});
