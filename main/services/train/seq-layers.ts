/**
 * tfjs-layers layers for the sequence ops of the graph IR (shared/types/graph.ts) that tfjs has no
 * layer for in the IR's exact form: Embedding on float ids [L, 1, 1], LayerNorm with max(σ, ε) and
 * multi-head Attention without weights. Weight names follow the IR: `<layer>/embeddings`,
 * `<layer>/gamma`, `<layer>/beta`.
 */
import { tf } from './backend.js';

type Shape = tf.Shape;
const first = (inputs: tf.Tensor | tf.Tensor[]): tf.Tensor => (Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs);

/** Float token ids [N, L, 1, 1] → [N, L, 1, units]; ids are rounded to the nearest integer. */
export class EmbeddingLayer extends tf.layers.Layer {
  static readonly className = 'FrontierEmbedding';
  private table?: tf.LayerVariable;
  readonly vocab: number;
  readonly units: number;
  private readonly seed: number | undefined;

  constructor(args: { name: string; vocab: number; units: number; seed?: number }) {
    super({ name: args.name });
    this.vocab = args.vocab;
    this.units = args.units;
    this.seed = args.seed;
  }
  override build(): void {
    const init = tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, ...(this.seed === undefined ? {} : { seed: this.seed }) });
    this.table = this.addWeight('embeddings', [this.vocab, this.units], 'float32', init);
    this.built = true;
  }
  override computeOutputShape(s: Shape | Shape[]): Shape {
    const x = (Array.isArray(s[0]) ? s[0] : s) as Shape;
    return [x[0] ?? null, x[1] ?? null, 1, this.units];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = first(inputs);
      const [n, l] = x.shape as number[];
      const ids = tf.cast(tf.round(tf.reshape(x, [(n as number) * (l as number)])), 'int32');
      return tf.reshape(tf.gather((this.table as tf.LayerVariable).read(), ids), [n as number, l as number, 1, this.units]);
    });
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), vocab: this.vocab, units: this.units };
  }
  override getClassName(): string {
    return EmbeddingLayer.className;
  }
}
tf.serialization.registerClass(EmbeddingLayer);

/**
 * y = γ(x − μ)/max(σ, ε) + β over the last axis, σ = sqrt(mean((x − μ)²)). max(σ, ε) is computed as
 * sqrt(max(σ², ε²)) (equal, since sqrt is monotone) so that a constant row has a finite gradient.
 */
export class LayerNormLayer extends tf.layers.Layer {
  static readonly className = 'FrontierLayerNorm';
  private gamma?: tf.LayerVariable;
  private beta?: tf.LayerVariable;
  readonly epsilon: number;

  constructor(args: { name: string; epsilon: number }) {
    super({ name: args.name });
    this.epsilon = args.epsilon;
  }
  override build(s: Shape | Shape[]): void {
    const x = (Array.isArray(s[0]) ? s[0] : s) as Shape;
    const c = x[x.length - 1] as number;
    this.gamma = this.addWeight('gamma', [c], 'float32', tf.initializers.ones());
    this.beta = this.addWeight('beta', [c], 'float32', tf.initializers.zeros());
    this.built = true;
  }
  override computeOutputShape(s: Shape | Shape[]): Shape {
    return (Array.isArray(s[0]) ? s[0] : s) as Shape;
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = first(inputs);
      const d = tf.sub(x, tf.mean(x, -1, true));
      const sigma = tf.sqrt(tf.maximum(tf.mean(tf.square(d), -1, true), this.epsilon * this.epsilon));
      return tf.add(tf.mul(tf.div(d, sigma), (this.gamma as tf.LayerVariable).read()), (this.beta as tf.LayerVariable).read());
    });
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
  override getClassName(): string {
    return LayerNormLayer.className;
  }
}
tf.serialization.registerClass(LayerNormLayer);

/**
 * Multi-head scaled dot-product attention of q, k, v [N, L, 1, C]: head h on channels
 * [h·d, (h+1)·d), softmax over keys of q·k/√d, weighted sum of v; heads concatenated in order.
 */
export class AttentionLayer extends tf.layers.Layer {
  static readonly className = 'FrontierAttention';
  readonly heads: number;

  constructor(args: { name: string; heads: number }) {
    super({ name: args.name });
    this.heads = args.heads;
  }
  override computeOutputShape(s: Shape | Shape[]): Shape {
    return (Array.isArray(s[0]) ? s[0] : s) as Shape;
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [q, k, v] = inputs as tf.Tensor[];
      const [n, l, , c] = (q as tf.Tensor).shape as number[];
      const d = (c as number) / this.heads;
      // [N, L, 1, C] → [N, heads, L, d]
      const split = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [n as number, l as number, this.heads, d]), [0, 2, 1, 3]);
      const scores = tf.mul(tf.matMul(split(q as tf.Tensor), split(k as tf.Tensor), false, true), 1 / Math.sqrt(d));
      const out = tf.matMul(tf.softmax(scores, -1), split(v as tf.Tensor));
      return tf.reshape(tf.transpose(out, [0, 2, 1, 3]), [n as number, l as number, 1, c as number]);
    });
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), heads: this.heads };
  }
  override getClassName(): string {
    return AttentionLayer.className;
  }
}
tf.serialization.registerClass(AttentionLayer);
