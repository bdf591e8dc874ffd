// TensorFlow.js graph-model export, loaded back by tf.loadGraphModel with nothing of Frontier's:
// in Node through a file IO handler, and in Chromium from a local HTTP server (tfjs's own bundle);
// outputs compared with the tfjs computation of the same graph and weights (≤ 1e-4).
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGraph } from '../main/core/graph/index.js';
import { Rng } from '../main/core/rng.js';
import { MobilenetSpace } from '../main/core/spaces/mobilenet.js';
import { Nb201Space, parseNb201ArchStr } from '../main/core/spaces/nb201.js';
import { exportTfjs, type TfjsModelFiles } from '../main/services/export/tfjs-model.js';
import { randomWeights } from '../main/services/export/weights.js';
import { tf } from '../main/services/train/backend.js';
import type { ModelGraph } from '../shared/types/index.js';
import { ROOT } from './cli-helpers.js';
import { browserSkipReason, launchChromium } from './e2e/browser.js';
import { allOpsGraph } from './fixtures/all-ops-graph.js';
import { speech1dGraph, speech2dGraph, textGraph, tokenIds } from './fixtures/seq-graphs.js';
import { missingPeer } from './harness/peer.js';
import { runGraphTfjs } from './harness/tfjs-graph.js';

const TOL = 1e-4;
const mobilenet = new MobilenetSpace();
const nb201 = new Nb201Space();

/**
 * Graphs with every op, kernel sizes 3/5/7 with and without squeeze-excite, NB201 cells, and the
 * speech and text graphs of issue #16 (kernelW/strideW; Embedding, LayerNorm, Attention; the text
 * model is fed token ids).
 */
const GRAPHS: [string, () => ModelGraph][] = [
  ['all-ops', allOpsGraph],
  ['mobilenet-a', () => buildGraph(mobilenet, mobilenet.freeze(mobilenet.parse('w1:k3e6se-k5e3/w0.75:k7e1se-k3e3/w0.5:k5e6se/w1:k7e3-k3e6se')), { input: [16, 16, 3], classes: 10 })],
  ['mobilenet-b', () => buildGraph(mobilenet, mobilenet.freeze(mobilenet.parse('w0.5:k5e1-k7e3se/w1:k3e3se/w1:k3e1se/w0.75:k3e6-k5e1')), { input: [16, 16, 3], classes: 10 })],
  ['nb201', () => buildGraph(nb201, nb201.freeze(parseNb201ArchStr('|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|')), { input: [16, 16, 3], classes: 10, nb201: { channels: 8, cellsPerStage: 1 } })],
  ['nb201-zero', () => buildGraph(nb201, nb201.freeze(parseNb201ArchStr('|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|none~0|none~1|none~2|')), { input: [16, 16, 3], classes: 10, nb201: { channels: 8, cellsPerStage: 1 } })],
  ['speech-1d', speech1dGraph],
  ['speech-2d', speech2dGraph],
  ['text', () => textGraph(2)],
];

function inputFor(g: ModelGraph, seed: number, batch = 1): Float32Array {
  if (g.nodes[0]?.op === 'Embedding') return tokenIds(batch, g.input[0], seed);
  const rng = new Rng(seed);
  return Float32Array.from({ length: batch * g.input[0] * g.input[1] * g.input[2] }, () => rng.next() * 2 - 1);
}

function write(dir: string, files: TfjsModelFiles): string {
  writeFileSync(join(dir, 'model.json'), JSON.stringify(files.modelJson));
  writeFileSync(join(dir, files.weightsFile), files.weights);
  return join(dir, 'model.json');
}

/** A file IO handler: reads model.json and its weight files from disk (tfjs-node's file:// in a few lines). */
function fileHandler(modelPath: string): tf.io.IOHandler {
  return {
    async load() {
      const json = JSON.parse(readFileSync(modelPath, 'utf8')) as { modelTopology: object; weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[]; format: string; generatedBy: string; convertedBy: string; signature: object };
      const dir = join(modelPath, '..');
      const bufs = json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dir, p))));
      const all = Buffer.concat(bufs);
      return {
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
        weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
        format: json.format, generatedBy: json.generatedBy, convertedBy: json.convertedBy, signature: json.signature,
      };
    },
  };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs((a[i] as number) - (b[i] as number)));
  return d;
}

async function reference(g: ModelGraph, w: ReturnType<typeof randomWeights>, x: Float32Array, batch: number, softmax: boolean): Promise<Float32Array> {
  const per = g.input[0] * g.input[1] * g.input[2];
  const ref = new Float32Array(batch * g.classes);
  for (let b = 0; b < batch; b++) ref.set(await runGraphTfjs(g, w, x.subarray(b * per, (b + 1) * per), { softmax }), b * g.classes);
  expect(Math.max(...ref) - Math.min(...ref)).toBeGreaterThan(1e-3);
  return ref;
}

describe('TensorFlow.js export loaded by tf.loadGraphModel in Node', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'frontier-tfjs-export-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const [name, make] of GRAPHS) {
    it(`${name}: logits and probabilities within 1e-4 (batch 2)`, async () => {
      await tf.setBackend('cpu');
      const g = make();
      const w = randomWeights(g, name.length);
      const x = inputFor(g, name.length + 1, 2);
      for (const softmax of [false, true]) {
        const files = exportTfjs(g, w, { softmax });
        const model = await tf.loadGraphModel(fileHandler(write(dir, files)));
        try {
          const y = model.predict(tf.tensor(x, [2, ...g.input])) as tf.Tensor;
          expect(y.shape).toEqual([2, g.classes]);
          const got = y.dataSync();
          y.dispose();
          expect(maxAbsDiff(got, await reference(g, w, x, 2, softmax)), `${name} softmax=${softmax}`).toBeLessThanOrEqual(TOL);
        } finally {
          model.dispose();
        }
      }
    });
  }

  it('BatchNorm is folded into the conv before it, and kept as Mul + AddV2 where it cannot be', () => {
    const files = exportTfjs(allOpsGraph(), randomWeights(allOpsGraph(), 1));
    expect(files.ops.filter((o) => o === 'Conv2D')).toHaveLength(4);
    expect(files.ops.join(' ')).toContain('AddV2 Mul AddV2 Relu'); // res (Add), then res.bn unfolded, then res.act
    expect(files.modelJson.weightsManifest[0]?.paths).toEqual(['weights.bin']);
    expect(files.weights.byteLength).toBe(files.modelJson.weightsManifest[0]?.weights.reduce((n, w) => n + 4 * w.shape.reduce((a, b) => a * b, 1), 0));
  });

  it('a bad graph is refused with the node named', () => {
    const g = allOpsGraph();
    expect(() => exportTfjs({ ...g, nodes: g.nodes.map((n, i) => (i === 3 ? { ...n, op: 'SeparableConv2D' } : n)) }, randomWeights(g, 1))).toThrow(/TensorFlow.js export: node 3 \("dw"\): SeparableConv2D is a composite layer op/);
  });
});

const noBrowser = missingPeer('Chromium', browserSkipReason());
describe.skipIf(noBrowser)('TensorFlow.js export loaded by tf.loadGraphModel in Chromium', () => {
  it('every graph gives the Node reference outputs (≤ 1e-4) in the browser, served over HTTP', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'frontier-tfjs-web-'));
    const cases: { name: string; x: number[]; shape: number[]; ref: number[]; classes: number }[] = [];
    for (const [name, make] of GRAPHS) {
      const g = make();
      const w = randomWeights(g, name.length);
      const x = inputFor(g, name.length + 1, 2);
      const files = exportTfjs(g, w, { softmax: true, weightsFile: `${name}.bin` });
      writeFileSync(join(dir, `${name}.json`), JSON.stringify(files.modelJson));
      writeFileSync(join(dir, `${name}.bin`), files.weights);
      cases.push({ name, x: Array.from(x), shape: [2, ...g.input], ref: Array.from(await reference(g, w, x, 2, true)), classes: g.classes });
    }
    const tfjsBundle = join(ROOT, 'node_modules', '@tensorflow', 'tfjs', 'dist', 'tf.min.js');
    const requests: string[] = [];
    const server: Server = createServer((req, res) => {
      requests.push(req.url ?? '');
      const file = req.url === '/tf.min.js' ? tfjsBundle : req.url === '/' ? '' : join(dir, (req.url ?? '').replace(/^\/+/, '').replace(/\.\./g, ''));
      if (req.url === '/') {
        res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script src="/tf.min.js"></script>');
        return;
      }
      try {
        const body = readFileSync(file);
        res.writeHead(200, { 'content-type': extname(file) === '.json' ? 'application/json' : extname(file) === '.js' ? 'text/javascript' : 'application/octet-stream' }).end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { context, close } = await launchChromium();
    try {
      const page = await context.newPage();
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      await page.goto(`${base}/`);
      const results = await page.evaluate(async (cs) => {
        const tfw = (globalThis as unknown as { tf: typeof tf }).tf;
        const out: { name: string; diff: number; shape: number[]; backend: string; classes: number }[] = [];
        for (const c of cs) {
          const model = await tfw.loadGraphModel(`/${c.name}.json`);
          const y = model.predict(tfw.tensor(c.x, c.shape)) as tf.Tensor;
          const got = await y.data();
          let diff = 0;
          for (let i = 0; i < c.ref.length; i++) diff = Math.max(diff, Math.abs((got[i] as number) - (c.ref[i] as number)));
          out.push({ name: c.name, diff, shape: y.shape, backend: tfw.getBackend(), classes: c.classes });
          model.dispose();
        }
        return out;
      }, cases);
      expect(results.map((r) => r.name)).toEqual(GRAPHS.map(([n]) => n));
      for (const r of results) {
        expect(r.shape, r.name).toEqual([2, r.classes]);
        expect(r.diff, `${r.name} on ${r.backend}`).toBeLessThanOrEqual(TOL);
      }
      // the browser fetched the models from our server
      expect(requests).toContain('/all-ops.json');
      expect(requests).toContain('/all-ops.bin');
    } finally {
      await close();
      await new Promise((r) => server.close(r));
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
