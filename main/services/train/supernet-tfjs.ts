/**
 * The once-for-all supernet of the `mobilenet` space on tfjs: the fallback when the native libtorch
 * engine (supernet-engine.ts over native/torch/src/supernet.cpp) is not there, or when asked for
 * (`frontier supernet train --backend tfjs`). Slower, but the same supernet: the same weights (names,
 * Keras layouts, initial scales), the same sub-network function — the first N output and input
 * channels of each convolution, batch norm and dense layer, the centre k×k of each depthwise kernel,
 * the first `depth` blocks of each stage, TensorFlow 'same' padding, ReLU6, squeeze-excite with a
 * ReLU then a sigmoid gate, batch norm with ε 1e-3 and the statistics updated as libtorch does
 * (momentum 0.1, unbiased variance; cumulative average while recalibrating) — so weights move
 * between the two engines with `weights()`/`setWeights()` and a sub-network's logits agree.
 *
 * Each shared weight is one tf.Variable; a sub-network's forward pass reads `tf.slice`s of them, so
 * its gradient lands in the slice it used (zero elsewhere) of the shared variable. Training is the
 * native engine's: sandwich rule or uniform sampling, in-place distillation, progressive shrinking,
 * Adam or SGD (Nesterov momentum 0.9) with L2 weight decay and a cosine or constant learning rate,
 * libtorch's per-weight optimizer steps (a weight no sub-network of a step touched is left alone).
 * Batches and sub-networks are functions of (seed, step), so a resumed training continues exactly;
 * they are drawn with Frontier's Rng, not libtorch's generator, so the two engines train on other
 * batch orders. The checkpoint is a file of its own (see writeTfjsCheckpoint): the weights map in
 * Keras layouts and the optimizer state; the native engine's checkpoints are read through the
 * native engine when it is there.
 */
import { existsSync, openSync, readSync, closeSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { Cancelled, errorMessage, NasError } from '../../../shared/errors.js';
import type { Architecture, ModelGraph } from '../../../shared/types/index.js';
import type { CancellationToken } from '../../core/cancellation.js';
import { Rng } from '../../core/rng.js';
import type { MobilenetSpace } from '../../core/spaces/mobilenet.js';
import { activeOf, supernetSpec, type ActiveStage, type SupernetSpec } from '../../core/supernet.js';
import { MapWeights } from '../export/weights.js';
import { chooseBackend, tf } from './backend.js';
import { standaloneSubnet, subnetGraph, type SupernetEngine } from './supernet-api.js';
import { Supernet, type SubnetScoreOptions, type SupernetOptions, type SupernetProgress, type SupernetTrainOptions, type SupernetTrainResult } from './supernet-engine.js';
import { loadTorch, TorchModel, type TorchExamples } from './torch-engine.js';
import { DivergedError } from './trainer.js';

/** The tfjs backends a supernet can run on (the best available when not given). */
export type TfjsSupernetBackend = 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';

export interface TfjsSupernetOptions extends Omit<SupernetOptions, 'device' | 'threads'> {
  readonly backend?: TfjsSupernetBackend;
  /** libtorch options: only 'cpu' is accepted (tfjs runs on its backend). */
  readonly device?: string;
}

const EPSILON = 1e-3;
const BN_MOMENTUM = 0.1; // libtorch's convention (Keras 0.9)
const ADAM = { beta1: 0.9, beta2: 0.999, eps: 1e-7 };
const SGD_MOMENTUM = 0.9;
const TRAIN_KEYS = new Set(['steps', 'batchSize', 'lr', 'optimizer', 'weightDecay', 'schedule', 'sandwich', 'distill', 'progressive', 'seed', 'checkpoint', 'checkpointEvery', 'reportEvery', 'snapshotEvery', 'snapshotPath']);
export const TFJS_CHECKPOINT_MAGIC = 'FRONTIER-SUPERNET-TFJS\n';

/** Hidden channels of an MBConv (as supernet.cpp and mobilenet.ts): max(1, round(cin·e)). */
const hiddenOf = (cin: number, e: number) => Math.max(1, Math.floor(cin * e + 0.5));
const seOf = (cin: number) => Math.max(1, Math.floor(cin / 4));
/** C++ `ostream << double` (6 significant digits), for the signature. */
const num = (v: number) => String(Number(v.toPrecision(6)));

/** The text form of a supernet's spec stored in checkpoints (the native engine's signature(), character for character). */
export function supernetSignature(s: SupernetSpec): string {
  const stages = s.stages.map((st) => ` [c ${st.channels.join(' ')} s ${st.stride} d ${st.depths.join(' ')}]`).join('');
  return `mobilenet-supernet v1 input ${s.input.join('x')} classes ${s.classes} stem ${s.stem}/${s.stemStride} kernels ${s.kernels.join(' ')} expansions ${s.expansions.map(num).join(' ')} se ${s.squeezeExcite ? 1 : 0} stages${stages}`;
}

// ---------------------------------------------------------------------------------------------
// Checkpoint file: TFJS_CHECKPOINT_MAGIC, one line of JSON (CheckpointHeader), then each tensor's float32 values
// (little-endian) in the header's order. Written to <path>.tmp, then renamed.

interface CheckpointHeader {
  readonly format: 'frontier-supernet-tfjs';
  readonly version: 1;
  readonly signature: string;
  readonly step: number;
  /** The optimizer whose state is stored (tensors `opt.m:`, `opt.v:`, `opt.buf:` + weight name) and each weight's step count. */
  readonly optimizer?: { readonly kind: 'adam' | 'sgd'; readonly steps: Readonly<Record<string, number>> };
  readonly tensors: readonly { readonly name: string; readonly length: number }[];
}

export interface TfjsCheckpoint {
  readonly signature: string;
  readonly step: number;
  /** The supernet's weights and statistics, Keras layouts, keyed as `weights()`. */
  readonly weights: ReadonlyMap<string, Float32Array>;
  readonly optimizer?: { readonly kind: 'adam' | 'sgd'; readonly steps: Readonly<Record<string, number>>; readonly state: ReadonlyMap<string, Float32Array> };
}

/** Whether the file is a supernet checkpoint of the tfjs engine (else, presumably, of the native one). */
export function isTfjsCheckpoint(path: string): boolean {
  if (!existsSync(path)) return false;
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(TFJS_CHECKPOINT_MAGIC.length);
    return readSync(fd, b, 0, b.length, 0) === b.length && b.toString('latin1') === TFJS_CHECKPOINT_MAGIC;
  } finally {
    closeSync(fd);
  }
}

export function writeTfjsCheckpoint(path: string, c: TfjsCheckpoint): void {
  const all: [string, Float32Array][] = [...c.weights, ...(c.optimizer ? [...c.optimizer.state] : [])];
  const header: CheckpointHeader = {
    format: 'frontier-supernet-tfjs', version: 1, signature: c.signature, step: c.step,
    ...(c.optimizer ? { optimizer: { kind: c.optimizer.kind, steps: c.optimizer.steps } } : {}),
    tensors: all.map(([name, v]) => ({ name, length: v.length })),
  };
  const head = Buffer.from(`${TFJS_CHECKPOINT_MAGIC}${JSON.stringify(header)}\n`, 'utf8');
  const body = all.map(([, v]) => Buffer.from(v.buffer, v.byteOffset, v.byteLength));
  const tmp = `${path}.tmp`;
  try {
    writeFileSync(tmp, Buffer.concat([head, ...body]));
    renameSync(tmp, path);
  } catch (e) {
    throw new NasError('invalid-input', `cannot write the supernet checkpoint ${path}: ${errorMessage(e)}`);
  }
}

/** Reads a tfjs supernet checkpoint; refused (invalid-input) when damaged or, given `signature`, of another supernet. */
export function readTfjsCheckpoint(path: string, signature?: string): TfjsCheckpoint {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new NasError('invalid-input', `cannot read the supernet checkpoint ${path}: ${errorMessage(e)}`);
  }
  if (buf.subarray(0, TFJS_CHECKPOINT_MAGIC.length).toString('latin1') !== TFJS_CHECKPOINT_MAGIC) throw new NasError('invalid-input', `${path} is not a checkpoint of the tfjs supernet engine`);
  const eol = buf.indexOf(10, TFJS_CHECKPOINT_MAGIC.length);
  let h: CheckpointHeader;
  try {
    if (eol < 0) throw new Error('no header');
    h = JSON.parse(buf.subarray(TFJS_CHECKPOINT_MAGIC.length, eol).toString('utf8')) as CheckpointHeader;
    if (h.format !== 'frontier-supernet-tfjs' || h.version !== 1 || !Array.isArray(h.tensors) || typeof h.signature !== 'string' || !Number.isInteger(h.step)) throw new Error('unknown header');
  } catch (e) {
    throw new NasError('invalid-input', `the supernet checkpoint ${path} is damaged: ${errorMessage(e)}`);
  }
  const total = h.tensors.reduce((s, t) => s + t.length * 4, 0);
  if (buf.length !== eol + 1 + total) throw new NasError('invalid-input', `the supernet checkpoint ${path} is damaged: ${buf.length - eol - 1} bytes of values, its header lists ${total}`);
  if (signature !== undefined && h.signature !== signature) throw new NasError('invalid-input', `the checkpoint ${path} is of another supernet (${h.signature}), not of this one (${signature})`);
  const weights = new Map<string, Float32Array>();
  const state = new Map<string, Float32Array>();
  let at = eol + 1;
  for (const t of h.tensors) {
    const v = new Float32Array(t.length);
    Buffer.from(v.buffer).set(buf.subarray(at, at + t.length * 4));
    at += t.length * 4;
    (t.name.startsWith('opt.') ? state : weights).set(t.name, v);
  }
  return { signature: h.signature, step: h.step, weights, ...(h.optimizer ? { optimizer: { ...h.optimizer, state } } : {}) };
}

// ---------------------------------------------------------------------------------------------

interface BlockShape {
  readonly cinMax: number;
  readonly hiddenMax: number;
  readonly seMax: number;
  readonly coutMax: number;
}

/** A batch's statistics of one batch norm, applied to its moving statistics after the forward pass. */
interface StatUpdate {
  readonly id: string;
  readonly c: number;
  readonly n: number;
  readonly mean: tf.Tensor;
  readonly variance: tf.Tensor;
}

type Mode = 'eval' | 'train';

/** Adam or SGD with libtorch's semantics (L2 weight decay added to the gradient; per-weight step counts). */
class Optimizer {
  readonly steps = new Map<string, number>();
  readonly state = new Map<string, tf.Tensor>();

  constructor(
    readonly kind: 'adam' | 'sgd',
    private readonly weightDecay: number,
  ) {}

  apply(vars: ReadonlyMap<string, tf.Variable>, grads: ReadonlyMap<string, tf.Tensor>, lr: number): void {
    for (const [name, g0] of grads) {
      const p = vars.get(name) as tf.Variable;
      const t = (this.steps.get(name) ?? 0) + 1;
      this.steps.set(name, t);
      const keep = (key: string, v: tf.Tensor) => {
        this.state.get(key)?.dispose();
        this.state.set(key, tf.keep(v));
      };
      tf.tidy(() => {
        const g = this.weightDecay > 0 ? tf.add(g0, tf.mul(p, this.weightDecay)) : g0;
        if (this.kind === 'adam') {
          const m0 = this.state.get(`opt.m:${name}`);
          const v0 = this.state.get(`opt.v:${name}`);
          const m = m0 ? tf.add(tf.mul(m0, ADAM.beta1), tf.mul(g, 1 - ADAM.beta1)) : tf.mul(g, 1 - ADAM.beta1);
          const v = v0 ? tf.add(tf.mul(v0, ADAM.beta2), tf.mul(tf.square(g), 1 - ADAM.beta2)) : tf.mul(tf.square(g), 1 - ADAM.beta2);
          const bc1 = 1 - ADAM.beta1 ** t;
          const bc2 = 1 - ADAM.beta2 ** t;
          const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(bc2)), ADAM.eps);
          p.assign(tf.sub(p, tf.mul(tf.div(m, denom), lr / bc1)));
          keep(`opt.m:${name}`, m);
          keep(`opt.v:${name}`, v);
        } else {
          const b0 = this.state.get(`opt.buf:${name}`);
          const buf = b0 ? tf.add(tf.mul(b0, SGD_MOMENTUM), g) : tf.clone(g);
          p.assign(tf.sub(p, tf.mul(tf.add(g, tf.mul(buf, SGD_MOMENTUM)), lr)));
          keep(`opt.buf:${name}`, buf);
        }
      });
    }
  }

  restore(c: NonNullable<TfjsCheckpoint['optimizer']>): void {
    if (c.kind !== this.kind) return; // another optimizer's state: start this one afresh
    for (const [k, t] of Object.entries(c.steps)) this.steps.set(k, t);
    for (const [k, v] of c.state) {
      const w = k.slice(k.indexOf(':') + 1);
      this.state.get(k)?.dispose();
      this.state.set(k, tf.tensor(v, this.shapeOf(w)));
    }
  }

  shapeOf: (name: string) => number[] = () => [];

  snapshot(): NonNullable<TfjsCheckpoint['optimizer']> {
    const state = new Map<string, Float32Array>();
    for (const [k, v] of this.state) state.set(k, v.dataSync() as Float32Array);
    return { kind: this.kind, steps: Object.fromEntries(this.steps), state };
  }

  dispose(): void {
    for (const v of this.state.values()) v.dispose();
    this.state.clear();
  }
}

const yieldToEvents = () => new Promise<void>((r) => setImmediate(r));

export class TfjsSupernet implements SupernetEngine {
  readonly spec: SupernetSpec;
  private readonly vars = new Map<string, tf.Variable>();
  private readonly blocks: BlockShape[][] = [];
  private readonly kMax: number;
  private readonly stemStride: number;
  private data?: { train: { x: Float32Array; y: Int32Array }; val: { x: Float32Array; y: Int32Array }; calibration: Float32Array };
  private recalibrating = -1;
  private busy = false;
  private disposed = false;
  private backend?: Promise<unknown>;

  constructor(readonly space: MobilenetSpace, readonly o: TfjsSupernetOptions) {
    if (o.device !== undefined && o.device !== 'cpu') throw new NasError('invalid-input', `the tfjs supernet runs on its tfjs backend, not on device ${o.device} (a libtorch option: use the native engine)`);
    this.stemStride = o.stemStride ?? 1;
    this.spec = supernetSpec(space, o.input, o.classes, this.stemStride);
    const s = this.spec;
    if (s.input.length !== 3 || s.input.some((d) => !Number.isInteger(d) || d < 1)) throw new NasError('invalid-input', 'supernet: the input must be [H, W, C]');
    // Tensors need a backend: a synchronous one until train/evaluate choose the best (tensors move with it).
    if (!tf.engine().backendName) void tf.setBackend('cpu');
    this.kMax = Math.max(...s.kernels);
    const eMax = Math.max(...s.expansions);
    const anyExpand = s.expansions.some((e) => e !== 1);
    const rng = new Rng(o.seed ?? 0);
    const normal = (n: number, std: number) => Float32Array.from({ length: n }, () => rng.normal() * std);
    const add = (name: string, shape: number[], v: Float32Array, trainable = true) => {
      const t = tf.tensor(v, shape, 'float32');
      this.vars.set(name, tf.variable(t, trainable));
      t.dispose();
    };
    // Keras layouts: conv [k, k, in, out], depthwise [k, k, c, 1], dense [in, out].
    const conv = (name: string, k: number, cin: number, cout: number) => add(name, [k, k, cin, cout], normal(k * k * cin * cout, Math.sqrt(2 / (k * k * cin))));
    const bn = (id: string, c: number) => {
      add(`${id}/gamma`, [c], new Float32Array(c).fill(1));
      add(`${id}/beta`, [c], new Float32Array(c));
      add(`${id}/movingMean`, [c], new Float32Array(c), false);
      add(`${id}/movingVariance`, [c], new Float32Array(c).fill(1), false);
    };
    conv('stem.conv/kernel', 3, s.input[2], s.stem);
    bn('stem.bn', s.stem);
    let prevMax = s.stem;
    s.stages.forEach((st, i) => {
      const cMax = Math.max(...st.channels);
      const shapes: BlockShape[] = [];
      for (let j = 0; j < Math.max(...st.depths); j++) {
        const cinMax = j === 0 ? prevMax : cMax;
        const b: BlockShape = { cinMax, coutMax: cMax, hiddenMax: Math.max(cinMax, hiddenOf(cinMax, eMax)), seMax: seOf(cinMax) };
        const id = `s${i + 1}.b${j + 1}`;
        if (anyExpand) {
          conv(`${id}.expand.conv/kernel`, 1, b.cinMax, b.hiddenMax);
          bn(`${id}.expand.bn`, b.hiddenMax);
        }
        add(`${id}.dw.conv/kernel`, [this.kMax, this.kMax, b.hiddenMax, 1], normal(this.kMax * this.kMax * b.hiddenMax, Math.sqrt(2 / (this.kMax * this.kMax))));
        bn(`${id}.dw.bn`, b.hiddenMax);
        if (s.squeezeExcite) {
          conv(`${id}.se.reduce/kernel`, 1, b.hiddenMax, b.seMax);
          add(`${id}.se.reduce/bias`, [b.seMax], new Float32Array(b.seMax));
          conv(`${id}.se.expand/kernel`, 1, b.seMax, b.hiddenMax);
          add(`${id}.se.expand/bias`, [b.hiddenMax], new Float32Array(b.hiddenMax));
        }
        conv(`${id}.project.conv/kernel`, 1, b.hiddenMax, b.coutMax);
        bn(`${id}.project.bn`, b.coutMax);
        shapes.push(b);
      }
      this.blocks.push(shapes);
      prevMax = cMax;
    });
    const limit = Math.sqrt(6 / (prevMax + s.classes));
    add('head.logits/kernel', [prevMax, s.classes], Float32Array.from({ length: prevMax * s.classes }, () => (rng.next() * 2 - 1) * limit));
    add('head.logits/bias', [s.classes], new Float32Array(s.classes));
  }

  /** The tfjs backend this supernet computes on (chosen on the first train or evaluate). */
  get backendName(): string {
    return tf.getBackend();
  }

  paramCount(): number {
    let n = 0;
    for (const v of this.vars.values()) n += v.size;
    return n;
  }

  setData(train: TorchExamples, val: TorchExamples): void {
    this.claim();
    const [h, w, c] = this.spec.input;
    const per = h * w * c;
    const check = (d: TorchExamples, what: string) => {
      const n = d.y.length;
      if (d.x.length !== n * per) throw new NasError('invalid-input', `${what} images: ${d.x.length} values for ${n} labels of ${h}×${w}×${c}`);
      const y = Int32Array.from(d.y);
      for (const l of y) if (!(l >= 0 && l < this.spec.classes)) throw new NasError('invalid-input', `${what} label ${l} is not a class of 0…${this.spec.classes - 1}`);
      return { x: d.x, y };
    };
    const tr = check(train, 'training');
    const va = check(val, 'validation');
    if (tr.y.length < 2) throw new NasError('invalid-input', 'a supernet needs at least 2 training examples');
    // A fixed shuffled subset of the training images (up to 4096) for BatchNorm recalibration.
    const order = new Rng(12345).shuffle(Array.from({ length: tr.y.length }, (_, i) => i)).slice(0, 4096);
    const calibration = new Float32Array(order.length * per);
    order.forEach((k, i) => calibration.set(tr.x.subarray(k * per, (k + 1) * per), i * per));
    this.data = { train: tr, val: va, calibration };
  }

  async train(o: SupernetTrainOptions, onProgress: (p: SupernetProgress) => void, token: CancellationToken): Promise<SupernetTrainResult> {
    for (const k of Object.keys(o)) if (!TRAIN_KEYS.has(k)) throw new NasError('invalid-input', `supernet training option '${k}' is not supported by the tfjs engine (only by the native libtorch one)`);
    if (!Number.isInteger(o.steps) || o.steps < 1) throw new NasError('invalid-input', `supernet training needs steps ≥ 1, got ${o.steps}`);
    const c = {
      batchSize: o.batchSize ?? 64, lr: o.lr ?? 3e-3, optimizer: o.optimizer ?? 'adam', weightDecay: o.weightDecay ?? 0,
      cosine: (o.schedule ?? 'cosine') === 'cosine', sandwich: o.sandwich === 'uniform' ? -1 : (o.sandwich ?? 2), seed: o.seed ?? 0,
      distill: o.distill ?? true, progressive: o.progressive ?? true, checkpointEvery: o.checkpointEvery ?? 50, reportEvery: o.reportEvery ?? 10,
      snapshotEvery: o.snapshotEvery ?? 0,
    };
    if (!(Number.isInteger(c.snapshotEvery) && c.snapshotEvery >= 0)) throw new NasError('invalid-input', 'snapshotEvery must be >= 0');
    if (c.snapshotEvery > 0 && !o.snapshotPath?.includes('{step}')) throw new NasError('invalid-input', 'snapshotEvery needs snapshotPath, a file name with {step} in it (each snapshot\'s step)');
    if (!Number.isInteger(c.batchSize) || c.batchSize < 2 || !(c.lr > 0) || !(c.weightDecay >= 0) || !Number.isInteger(c.sandwich) || c.sandwich < -1 || !(c.checkpointEvery >= 1) || !(c.reportEvery >= 1)) {
      throw new NasError('invalid-input', 'supernet train options out of range');
    }
    if (c.optimizer !== 'adam' && c.optimizer !== 'sgd') throw new NasError('invalid-input', `supernet optimizer must be adam or sgd, got ${String(c.optimizer)}`);
    if (token.isCancellationRequested) throw new Cancelled('supernet training cancelled');
    this.claim();
    const data = this.data?.train;
    if (!data) throw new NasError('invalid-input', 'setData(...) first: the supernet has no training data');
    this.busy = true;
    const opt = new Optimizer(c.optimizer, c.weightDecay);
    opt.shapeOf = (name) => (this.vars.get(name) as tf.Variable).shape;
    const started = performance.now();
    try {
      await this.ready();
      const n = data.y.length;
      const bs = Math.min(c.batchSize, n);
      const perEpoch = Math.max(1, Math.floor(n / bs));
      const per = data.x.length / n;
      let step = 0;
      let resumedFrom: number | undefined;
      if (o.checkpoint !== undefined && existsSync(o.checkpoint)) {
        if (!isTfjsCheckpoint(o.checkpoint)) throw new NasError('invalid-input', `the checkpoint ${o.checkpoint} was written by the native libtorch engine: resume it there (--backend torch), or give another checkpoint`);
        const ck = readTfjsCheckpoint(o.checkpoint, supernetSignature(this.spec));
        this.assign(ck.weights);
        if (ck.optimizer) opt.restore(ck.optimizer);
        step = ck.step;
        resumedFrom = step;
      }
      const checkpoint = () => {
        if (o.checkpoint !== undefined) writeTfjsCheckpoint(o.checkpoint, { signature: supernetSignature(this.spec), step, weights: this.weightMap(), optimizer: opt.snapshot() });
      };
      let perm: number[] = [];
      let permEpoch = -1;
      let windowLoss = 0, windowSteps = 0, images = 0, lastLoss = 0;
      while (step < o.steps) {
        if (token.isCancellationRequested) {
          checkpoint();
          throw new Cancelled(`supernet training cancelled at step ${step}${o.checkpoint !== undefined ? ` (checkpoint ${o.checkpoint})` : ''}`);
        }
        const epoch = Math.floor(step / perEpoch);
        const b = step % perEpoch;
        if (epoch !== permEpoch) {
          perm = new Rng(mix(c.seed, epoch + 1)).shuffle(Array.from({ length: n }, (_, i) => i));
          permEpoch = epoch;
        }
        const rng = new Rng(mix(c.seed ^ 0x5bd1e995, step + 7));
        const lr = c.cosine ? (c.lr * (1 + Math.cos((Math.PI * step) / o.steps))) / 2 : c.lr;
        const f = step / o.steps;
        const elastic = !c.progressive ? ALL : f < 0.2 ? 0 : f < 0.4 ? KERNEL : f < 0.6 ? KERNEL | DEPTH : ALL;
        const nets: ActiveStage[][] = [];
        if (c.sandwich < 0) nets.push(this.pick(2, elastic, rng));
        else {
          nets.push(this.pick(0, elastic, rng));
          if (elastic !== 0) {
            nets.push(this.pick(1, elastic, rng));
            for (let k = 0; k < c.sandwich; k++) nets.push(this.pick(2, elastic, rng));
          }
        }
        const xb = new Float32Array(bs * per);
        const yb = new Int32Array(bs);
        for (let i = 0; i < bs; i++) {
          const k = perm[b * bs + i] as number;
          xb.set(data.x.subarray(k * per, (k + 1) * per), i * per);
          yb[i] = data.y[k] as number;
        }
        const loss = this.step(nets, xb, yb, c.distill && c.sandwich >= 0, (grads) => opt.apply(this.vars, grads, lr));
        if (!Number.isFinite(loss)) throw new DivergedError(step, loss); // the last checkpoint stays the one to resume from
        step++;
        images += bs * nets.length;
        windowLoss += loss;
        windowSteps++;
        if (c.snapshotEvery > 0 && step % c.snapshotEvery === 0) writeTfjsCheckpoint((o.snapshotPath as string).replace('{step}', String(step)), { signature: supernetSignature(this.spec), step, weights: this.weightMap() });
        if (step % c.checkpointEvery === 0 || step === o.steps) checkpoint();
        if (step % c.reportEvery === 0 || step === o.steps) {
          lastLoss = windowLoss / windowSteps;
          onProgress({ step, steps: o.steps, loss: lastLoss, lr, seconds: (performance.now() - started) / 1000 });
          windowLoss = 0;
          windowSteps = 0;
        }
        await yieldToEvents(); // a Ctrl-C or a cancel gets in between steps
      }
      if (windowSteps > 0) lastLoss = windowLoss / windowSteps;
      const seconds = (performance.now() - started) / 1000;
      return { steps: step, ...(resumedFrom !== undefined ? { resumedFrom } : {}), loss: lastLoss, seconds, imagesPerSecond: seconds > 0 ? images / seconds : 0 };
    } finally {
      opt.dispose();
      this.busy = false;
    }
  }

  /**
   * One optimizer step on the given sub-networks and batch, from a fresh optimizer state (the first
   * is trained on the labels; with `distill`, the others on its softened outputs). Returns the mean
   * loss and, when asked, each shared weight's summed gradient (the sandwich's building block).
   */
  trainStep(nets: readonly Architecture[], x: Float32Array, y: ArrayLike<number>, o: { lr: number; optimizer?: 'adam' | 'sgd'; distill?: boolean; gradients?: boolean }): { loss: number; gradients?: Map<string, Float32Array> } {
    this.claim();
    if (nets.length === 0) throw new NasError('invalid-input', 'trainStep needs at least one sub-network');
    const active = nets.map((a) => this.active(a));
    const opt = new Optimizer(o.optimizer ?? 'adam', 0);
    let gradients: Map<string, Float32Array> | undefined;
    try {
      const loss = this.step(active, x, Int32Array.from(y), o.distill ?? false, (grads) => {
        if (o.gradients) gradients = new Map([...grads].map(([k, g]) => [k, g.dataSync() as Float32Array]));
        opt.apply(this.vars, grads, o.lr);
      });
      return { loss, ...(gradients ? { gradients } : {}) };
    } finally {
      opt.dispose();
    }
  }

  async evaluate(a: Architecture, o: SubnetScoreOptions = {}, token?: CancellationToken): Promise<{ accuracy: number; loss: number }> {
    const active = this.active(a);
    if (token?.isCancellationRequested) throw new Cancelled();
    this.claim();
    const d = this.data;
    if (!d) throw new NasError('invalid-input', 'setData(...) first: the supernet has no data');
    const batches = o.calibrationBatches ?? 8;
    const calBatch = o.calibrationBatchSize ?? 128;
    if (!(Number.isInteger(batches) && batches >= 0) || !(Number.isInteger(calBatch) && calBatch >= 2)) throw new NasError('invalid-input', 'calibrationBatches >= 0 and calibrationBatchSize >= 2');
    this.busy = true;
    try {
      await this.ready();
      if (batches > 0) await this.recalibrate(active, d.calibration, batches, calBatch, token);
      const per = d.val.x.length / Math.max(1, d.val.y.length);
      const n = o.valLimit !== undefined && o.valLimit >= 0 ? Math.min(o.valLimit, d.val.y.length) : d.val.y.length;
      if (n === 0) return { accuracy: 0, loss: 0 };
      let correct = 0, lossSum = 0;
      for (let i = 0; i < n; i += 500) {
        if (token?.isCancellationRequested) throw new Cancelled();
        const m = Math.min(500, n - i);
        const yb = d.val.y.subarray(i, i + m);
        const [pred, loss] = tf.tidy(() => {
          const logits = this.forward(tf.tensor4d(d.val.x.subarray(i * per, (i + m) * per), [m, ...this.spec.input]), active, 'eval', []);
          const ce = tf.sum(crossEntropy(logits, tf.tensor1d(yb, 'int32'), this.spec.classes));
          return [tf.argMax(logits, 1).dataSync(), ce.dataSync()[0] as number];
        });
        for (let k = 0; k < m; k++) if (pred[k] === yb[k]) correct++;
        lossSum += loss;
        await yieldToEvents();
      }
      return { accuracy: correct / n, loss: lossSum / n };
    } finally {
      this.busy = false;
    }
  }

  predict(a: Architecture, x: Float32Array): Float32Array {
    const active = this.active(a);
    this.claim();
    const per = this.spec.input[0] * this.spec.input[1] * this.spec.input[2];
    if (x.length === 0 || x.length % per !== 0) throw new NasError('invalid-input', `predict: ${x.length} values are not whole ${this.spec.input.join('×')} images`);
    return tf.tidy(() => this.forward(tf.tensor4d(x, [x.length / per, ...this.spec.input]), active, 'eval', []).dataSync() as Float32Array);
  }

  weights(): MapWeights {
    this.claim();
    return new MapWeights(this.weightMap());
  }

  setWeights(w: ReadonlyMap<string, Float32Array>): void {
    this.claim();
    this.assign(w);
  }

  subnetWeights(a: Architecture): MapWeights {
    const active = this.active(a);
    this.claim();
    const out = new Map<string, Float32Array>();
    const cut = (name: string, begin: number[], size: number[]) => out.set(name, tf.tidy(() => tf.slice(this.v(name), begin, size).dataSync() as Float32Array));
    const bn = (id: string, c: number) => {
      for (const k of ['gamma', 'beta', 'movingMean', 'movingVariance']) cut(`${id}/${k}`, [0], [c]);
    };
    const s = this.spec;
    cut('stem.conv/kernel', [0, 0, 0, 0], [3, 3, s.input[2], s.stem]);
    bn('stem.bn', s.stem);
    let cin = s.stem;
    active.forEach((st, i) => {
      st.blocks.forEach((b, j) => {
        const id = `s${i + 1}.b${j + 1}`;
        const hidden = hiddenOf(cin, b.expansion);
        if (b.expansion !== 1) {
          cut(`${id}.expand.conv/kernel`, [0, 0, 0, 0], [1, 1, cin, hidden]);
          bn(`${id}.expand.bn`, hidden);
        }
        const off = (this.kMax - b.kernel) / 2;
        cut(`${id}.dw.conv/kernel`, [off, off, 0, 0], [b.kernel, b.kernel, hidden, 1]);
        bn(`${id}.dw.bn`, hidden);
        if (b.se) {
          const sq = seOf(cin);
          cut(`${id}.se.reduce/kernel`, [0, 0, 0, 0], [1, 1, hidden, sq]);
          cut(`${id}.se.reduce/bias`, [0], [sq]);
          cut(`${id}.se.expand/kernel`, [0, 0, 0, 0], [1, 1, sq, hidden]);
          cut(`${id}.se.expand/bias`, [0], [hidden]);
        }
        cut(`${id}.project.conv/kernel`, [0, 0, 0, 0], [1, 1, hidden, st.channels]);
        bn(`${id}.project.bn`, st.channels);
        cin = st.channels;
      });
    });
    cut('head.logits/kernel', [0, 0], [cin, s.classes]);
    cut('head.logits/bias', [0], [s.classes]);
    return new MapWeights(out);
  }

  graph(a: Architecture): ModelGraph {
    return subnetGraph(this.space, this.spec, a);
  }

  standalone(a: Architecture, o: { device?: string; threads?: number } = {}): TorchModel {
    return standaloneSubnet(this, a, o);
  }

  /** Loads a checkpoint's weights and statistics: one of this engine, or (through the native engine, when it is there) of libtorch. */
  loadCheckpoint(path: string): number {
    this.claim();
    if (!existsSync(path)) throw new NasError('invalid-input', `no supernet checkpoint at ${path}`);
    if (isTfjsCheckpoint(path)) {
      const ck = readTfjsCheckpoint(path, supernetSignature(this.spec));
      this.assign(ck.weights);
      return ck.step;
    }
    const t = loadTorch();
    if (typeof t === 'string') throw new NasError('device-unavailable', `${path} is a checkpoint of the native libtorch engine, which reads it; here ${t}`);
    const native = new Supernet(this.space, { input: this.o.input, classes: this.o.classes, stemStride: this.stemStride, seed: this.o.seed ?? 0, device: 'cpu', threads: 1 });
    try {
      const step = native.loadCheckpoint(path);
      this.assign(native.weights().map);
      return step;
    } finally {
      native.dispose();
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
    this.data = undefined;
  }

  // -------------------------------------------------------------------------------------------

  private claim(): void {
    if (this.disposed) throw new NasError('invalid-input', 'the supernet is disposed');
    if (this.busy) throw new NasError('invalid-input', 'the supernet is busy (one train or evaluate call at a time)');
  }

  private async ready(): Promise<void> {
    this.backend ??= chooseBackend(this.o.backend, ['torch']);
    await this.backend;
  }

  private v(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) throw new NasError('internal', `tfjs supernet: no weight ${name}`);
    return v;
  }

  private weightMap(): Map<string, Float32Array> {
    return new Map([...this.vars].map(([k, v]) => [k, v.dataSync().slice() as Float32Array]));
  }

  private assign(w: ReadonlyMap<string, Float32Array>): void {
    for (const [name, data] of w) {
      const v = this.vars.get(name);
      if (!v) throw new NasError('invalid-input', `the supernet has no weight ${name}`);
      if (data.length !== v.size) throw new NasError('invalid-input', `weight ${name} has ${data.length} values, the supernet's has ${v.size} [${v.shape.join(', ')}]`);
    }
    for (const [name, data] of w) tf.tidy(() => this.v(name).assign(tf.tensor(data, this.v(name).shape, 'float32')));
  }

  private active(a: Architecture): ActiveStage[] {
    const active = activeOf(this.space, a);
    const s = this.spec;
    if (active.length !== s.stages.length) throw new NasError('invalid-input', `sub-network: ${active.length} stages, the supernet has ${s.stages.length}`);
    active.forEach((st, i) => {
      const spec = s.stages[i] as SupernetSpec['stages'][number];
      const where = `sub-network stage ${i + 1}`;
      if (!spec.channels.includes(st.channels)) throw new NasError('invalid-input', `${where}: ${st.channels} channels is not a width choice of the supernet`);
      if (!spec.depths.includes(st.blocks.length)) throw new NasError('invalid-input', `${where}: depth ${st.blocks.length} is not a choice`);
      for (const b of st.blocks) {
        if (!s.kernels.includes(b.kernel) || !s.expansions.includes(b.expansion)) throw new NasError('invalid-input', `${where}: kernel ${b.kernel} / expansion ${b.expansion} is not a choice`);
        if (b.se && !s.squeezeExcite) throw new NasError('invalid-input', `${where}: squeeze-excite is not part of this supernet`);
      }
    });
    return active;
  }

  /** The native engine's `pick`: elastic choices at the largest (mode 0), smallest (1) or random (2), the others at the largest. */
  private pick(mode: 0 | 1 | 2, elastic: number, rng: Rng): ActiveStage[] {
    const choose = <T extends number>(list: readonly T[], isElastic: boolean): T => {
      if (!isElastic || mode === 0) return Math.max(...list) as T;
      if (mode === 1) return Math.min(...list) as T;
      return list[rng.int(list.length)] as T;
    };
    return this.spec.stages.map((st) => {
      const depth = choose(st.depths, (elastic & DEPTH) !== 0);
      const channels = choose(st.channels, (elastic & WIDTH) !== 0);
      const blocks = Array.from({ length: depth }, () => ({
        kernel: choose(this.spec.kernels, (elastic & KERNEL) !== 0),
        expansion: choose(this.spec.expansions, (elastic & EXPANSION) !== 0),
        se: this.spec.squeezeExcite && (!(elastic & EXPANSION) || mode === 0 || (mode === 2 && rng.int(2) === 1)),
      }));
      return { channels, blocks };
    });
  }

  /** Forward and backward of each sub-network on the batch; `apply` gets the summed gradients. Returns the mean loss. */
  private step(nets: readonly ActiveStage[][], xs: Float32Array, ys: Int32Array, distill: boolean, apply: (grads: ReadonlyMap<string, tf.Tensor>) => void): number {
    const trainable = [...this.vars.values()].filter((v) => v.trainable);
    const byVar = new Map([...this.vars].map(([k, v]) => [v.name, k]));
    const grads = new Map<string, tf.Tensor>();
    const x = tf.tensor4d(xs, [ys.length, ...this.spec.input]);
    const y = tf.tensor1d(ys, 'int32');
    let teacher: tf.Tensor | undefined;
    let total = 0;
    try {
      nets.forEach((net, k) => {
        const updates: StatUpdate[] = [];
        const { value, grads: g } = tf.variableGrads(() => {
          const logits = this.forward(x, net, 'train', updates);
          if (k > 0 && distill && teacher) return tf.neg(tf.mean(tf.sum(tf.mul(teacher, tf.logSoftmax(logits)), 1))) as tf.Scalar;
          if (k === 0 && distill) teacher = tf.keep(tf.softmax(logits));
          return tf.mean(crossEntropy(logits, y, this.spec.classes)) as tf.Scalar;
        }, trainable);
        total += value.dataSync()[0] as number;
        value.dispose();
        for (const [varName, gt] of Object.entries(g)) {
          if (!gt) continue;
          const key = byVar.get(varName) as string;
          const prev = grads.get(key);
          if (prev) {
            grads.set(key, tf.add(prev, gt));
            prev.dispose();
            gt.dispose();
          } else grads.set(key, gt);
        }
        this.applyStats(updates);
      });
      const loss = total / nets.length;
      if (Number.isFinite(loss)) apply(grads);
      return loss;
    } finally {
      for (const g of grads.values()) g.dispose();
      teacher?.dispose();
      x.dispose();
      y.dispose();
    }
  }

  /** The moving statistics of each batch norm a forward pass used (libtorch's update; cumulative average while recalibrating). */
  private applyStats(updates: readonly StatUpdate[]): void {
    const m = this.recalibrating >= 0 ? 1 / (this.recalibrating + 1) : BN_MOMENTUM;
    tf.tidy(() => {
      for (const u of updates) {
        const unbiased = tf.mul(u.variance, u.n / Math.max(1, u.n - 1));
        for (const [kind, batch] of [['movingMean', u.mean], ['movingVariance', unbiased]] as const) {
          const v = this.v(`${u.id}/${kind}`);
          const full = v.shape[0] as number;
          const upd = tf.add(tf.mul(tf.slice(v, [0], [u.c]), 1 - m), tf.mul(batch, m));
          v.assign(u.c < full ? tf.concat([upd, tf.slice(v, [u.c], [full - u.c])]) : upd);
        }
      }
    });
    for (const u of updates) {
      u.mean.dispose();
      u.variance.dispose();
    }
  }

  private async recalibrate(a: ActiveStage[], x: Float32Array, batches: number, bs: number, token?: CancellationToken): Promise<void> {
    // Only the statistics this sub-network uses are reset and re-estimated.
    const reset = (id: string, c: number) => {
      for (const [kind, value] of [['movingMean', 0], ['movingVariance', 1]] as const) {
        const v = this.v(`${id}/${kind}`);
        const full = v.shape[0] as number;
        tf.tidy(() => v.assign(c < full ? tf.concat([tf.fill([c], value), tf.slice(v, [c], [full - c])]) : tf.fill([c], value)));
      }
    };
    reset('stem.bn', this.spec.stem);
    let cin = this.spec.stem;
    a.forEach((st, i) =>
      st.blocks.forEach((b, j) => {
        const id = `s${i + 1}.b${j + 1}`;
        const hidden = hiddenOf(cin, b.expansion);
        if (b.expansion !== 1) reset(`${id}.expand.bn`, hidden);
        reset(`${id}.dw.bn`, hidden);
        reset(`${id}.project.bn`, st.channels);
        cin = st.channels;
      }),
    );
    const per = this.spec.input[0] * this.spec.input[1] * this.spec.input[2];
    const n = x.length / per;
    this.recalibrating = 0;
    try {
      for (let k = 0; k < batches && k * bs < n; k++) {
        if (token?.isCancellationRequested) throw new Cancelled();
        const m = Math.min(bs, n - k * bs);
        if (m < 2) break;
        const updates: StatUpdate[] = [];
        tf.tidy(() => {
          this.forward(tf.tensor4d(x.subarray(k * bs * per, (k * bs + m) * per), [m, ...this.spec.input]), a, 'train', updates);
        });
        this.applyStats(updates);
        this.recalibrating++;
        await yieldToEvents();
      }
    } finally {
      this.recalibrating = -1;
    }
  }

  /** Batch norm of the first `c` channels: moving statistics in eval mode, the batch's in training (queued for applyStats). */
  private bn(x: tf.Tensor4D, id: string, c: number, mode: Mode, updates: StatUpdate[]): tf.Tensor4D {
    const p = (kind: string) => first(this.v(`${id}/${kind}`), c);
    if (mode === 'eval') return tf.batchNorm(x, p('movingMean'), p('movingVariance'), p('beta'), p('gamma'), EPSILON);
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    updates.push({ id, c, n: x.size / c, mean: tf.keep(mean), variance: tf.keep(variance) });
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, EPSILON))), p('gamma')), p('beta'));
  }

  /** The sub-network's logits [n, classes] (supernet.cpp's Supernet::forward). */
  private forward(input: tf.Tensor4D, a: readonly ActiveStage[], mode: Mode, updates: StatUpdate[]): tf.Tensor2D {
    const s = this.spec;
    const stride = (v: number): [number, number] => [v, v];
    let x = tf.relu6(this.bn(tf.conv2d(input, this.v('stem.conv/kernel') as tf.Tensor4D, stride(s.stemStride), 'same'), 'stem.bn', s.stem, mode, updates));
    let cin = s.stem;
    a.forEach((st, i) => {
      const cout = st.channels;
      st.blocks.forEach((b, j) => {
        const id = `s${i + 1}.b${j + 1}`;
        const str = j === 0 ? (s.stages[i]?.stride ?? 1) : 1;
        const hidden = hiddenOf(cin, b.expansion);
        let h = x;
        if (b.expansion !== 1) h = tf.relu6(this.bn(tf.conv2d(x, box(this.v(`${id}.expand.conv/kernel`), [0, 0, 0, 0], [1, 1, cin, hidden]), 1, 'valid'), `${id}.expand.bn`, hidden, mode, updates));
        const off = (this.kMax - b.kernel) / 2;
        const dw = box(this.v(`${id}.dw.conv/kernel`), [off, off, 0, 0], [b.kernel, b.kernel, hidden, 1]);
        h = tf.relu6(this.bn(tf.depthwiseConv2d(h, dw, stride(str), 'same'), `${id}.dw.bn`, hidden, mode, updates));
        if (b.se) {
          const sq = seOf(cin);
          let g: tf.Tensor2D = tf.mean(h, [1, 2]);
          g = tf.relu(tf.add(tf.matMul(g, tf.reshape(box(this.v(`${id}.se.reduce/kernel`), [0, 0, 0, 0], [1, 1, hidden, sq]), [hidden, sq])), first(this.v(`${id}.se.reduce/bias`), sq)));
          g = tf.sigmoid(tf.add(tf.matMul(g, tf.reshape(box(this.v(`${id}.se.expand/kernel`), [0, 0, 0, 0], [1, 1, sq, hidden]), [sq, hidden])), first(this.v(`${id}.se.expand/bias`), hidden)));
          h = tf.mul(h, tf.reshape(g, [-1, 1, 1, hidden]));
        }
        h = this.bn(tf.conv2d(h, box(this.v(`${id}.project.conv/kernel`), [0, 0, 0, 0], [1, 1, hidden, cout]), 1, 'valid'), `${id}.project.bn`, cout, mode, updates);
        x = str === 1 && cin === cout ? tf.add(x, h) : h;
        cin = cout;
      });
    });
    const head = this.v('head.logits/kernel');
    return tf.add(tf.matMul(tf.mean(x, [1, 2]) as tf.Tensor2D, cin === head.shape[0] ? (head as tf.Tensor2D) : tf.slice(head, [0, 0], [cin, s.classes])), this.v('head.logits/bias'));
  }
}

/** A slice of a shared 4-D weight (the weight itself when the slice is all of it: no copy). */
function box(v: tf.Tensor, begin: [number, number, number, number], size: [number, number, number, number]): tf.Tensor4D {
  return (v.shape.every((d, i) => d === size[i] && begin[i] === 0) ? v : tf.slice(v, begin, size)) as tf.Tensor4D;
}

/** The first `c` values of a shared vector. */
function first(v: tf.Tensor, c: number): tf.Tensor1D {
  return (v.shape[0] === c ? v : tf.slice(v, [0], [c])) as tf.Tensor1D;
}

/** Per-example cross-entropy of logits [n, classes] against integer labels. */
function crossEntropy(logits: tf.Tensor2D, y: tf.Tensor1D, classes: number): tf.Tensor1D {
  return tf.neg(tf.sum(tf.mul(tf.oneHot(y, classes), tf.logSoftmax(logits)), 1));
}

const KERNEL = 1, DEPTH = 2, EXPANSION = 4, WIDTH = 8, ALL = 15;

/** A 32-bit seed from (seed, k) (a resumed training draws the same batches and sub-networks). */
function mix(seed: number, k: number): number {
  return (Math.imul(seed >>> 0, 0x9e3779b1) + Math.imul(k, 0x85ebca6b) + 0x27d4eb2f) >>> 0;
}
