/**
 * A small protobuf writer for the few ONNX messages an export needs (onnx/onnx.proto, proto2 field
 * numbers as below). Protobuf wire format: each field is a key `(number << 3) | wireType` as a varint,
 * then a varint (wire type 0), 4 little-endian bytes (5: float) or a varint length and the bytes
 * (2: strings, bytes, nested messages). Repeated scalars are written unpacked (proto2's default;
 * parsers accept both forms). Only non-negative integers below 2^53 are written as varints.
 */

const textEncoder = new TextEncoder();

/** Accumulates one message's bytes. */
export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;

  private push(b: Uint8Array): void {
    this.chunks.push(b);
    this.size += b.length;
  }

  private varint(v: number): void {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`protobuf varint must be a non-negative safe integer, got ${v}`);
    const out: number[] = [];
    let x = v;
    while (x >= 0x80) {
      out.push((x % 0x80) | 0x80);
      x = Math.floor(x / 0x80);
    }
    out.push(x);
    this.push(Uint8Array.from(out));
  }

  private key(field: number, wireType: 0 | 2 | 5): void {
    this.varint(field * 8 + wireType);
  }

  /** int32/int64/enum/bool field (wire type 0). */
  int(field: number, v: number): this {
    this.key(field, 0);
    this.varint(v);
    return this;
  }

  /** float field (wire type 5). */
  float(field: number, v: number): this {
    this.key(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.push(b);
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.key(field, 2);
    this.varint(b.length);
    this.push(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, textEncoder.encode(s));
  }

  message(field: number, m: ProtoWriter): this {
    return this.bytes(field, m.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

/** TensorProto.DataType values. */
export const OnnxType = { FLOAT: 1, INT64: 7 } as const;

/** An initializer: a named constant tensor (float32 or int64). */
export interface OnnxTensor {
  readonly name: string;
  readonly dims: readonly number[];
  readonly type: (typeof OnnxType)[keyof typeof OnnxType];
  readonly data: Float32Array | readonly number[];
}

export type OnnxAttr =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly kind: 'string'; readonly value: string };

export interface OnnxNode {
  readonly opType: string;
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs?: Readonly<Record<string, OnnxAttr>>;
}

/** A graph input or output: float32 with a shape whose entries are sizes or symbolic names. */
export interface OnnxValueInfo {
  readonly name: string;
  readonly shape: readonly (number | string)[];
}

export interface OnnxModel {
  readonly opset: number;
  readonly producer: string;
  readonly producerVersion: string;
  readonly docString?: string;
  readonly graphName: string;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: readonly OnnxTensor[];
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  /** ModelProto.metadata_props. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** The IR version that goes with an opset (onnx/helper.py VERSION_TABLE): 13 → 7, 10 → 5. */
export function irVersionFor(opset: number): number {
  return opset >= 13 ? 7 : opset >= 11 ? 6 : opset >= 10 ? 5 : 4;
}

function tensorProto(t: OnnxTensor): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of t.dims) w.int(1, d); // dims
  w.int(2, t.type); // data_type
  w.string(8, t.name); // name
  let raw: Uint8Array;
  if (t.type === OnnxType.FLOAT) {
    const f = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
    raw = new Uint8Array(f.length * 4);
    const v = new DataView(raw.buffer);
    f.forEach((x, i) => v.setFloat32(i * 4, x, true));
  } else {
    const xs = Array.from(t.data);
    raw = new Uint8Array(xs.length * 8);
    const v = new DataView(raw.buffer);
    xs.forEach((x, i) => v.setBigInt64(i * 8, BigInt(x), true));
  }
  w.bytes(9, raw); // raw_data (little-endian)
  return w;
}

/** AttributeProto.AttributeType values. */
const AttrType = { FLOAT: 1, INT: 2, STRING: 3, INTS: 7 } as const;

function attributeProto(name: string, a: OnnxAttr): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  switch (a.kind) {
    case 'float':
      w.float(2, a.value).int(20, AttrType.FLOAT);
      break;
    case 'int':
      w.int(3, a.value).int(20, AttrType.INT);
      break;
    case 'string':
      w.string(4, a.value).int(20, AttrType.STRING);
      break;
    case 'ints':
      for (const v of a.value) w.int(8, v);
      w.int(20, AttrType.INTS);
      break;
  }
  return w;
}

function nodeProto(n: OnnxNode): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name).string(4, n.opType);
  for (const [k, a] of Object.entries(n.attrs ?? {})) w.message(5, attributeProto(k, a));
  return w;
}

function valueInfoProto(v: OnnxValueInfo): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.shape) shape.message(1, typeof d === 'number' ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d));
  const tensorType = new ProtoWriter().int(1, OnnxType.FLOAT).message(2, shape);
  return new ProtoWriter().string(1, v.name).message(2, new ProtoWriter().message(1, tensorType));
}

/** Serialises a ModelProto. */
export function encodeOnnxModel(m: OnnxModel): Uint8Array {
  const g = new ProtoWriter();
  for (const n of m.nodes) g.message(1, nodeProto(n)); // node
  g.string(2, m.graphName); // name
  for (const t of m.initializers) g.message(5, tensorProto(t)); // initializer
  for (const i of m.inputs) g.message(11, valueInfoProto(i)); // input
  for (const o of m.outputs) g.message(12, valueInfoProto(o)); // output
  const w = new ProtoWriter()
    .int(1, irVersionFor(m.opset)) // ir_version
    .string(2, m.producer) // producer_name
    .string(3, m.producerVersion); // producer_version
  if (m.docString) w.string(6, m.docString); // doc_string
  w.message(7, g); // graph
  w.message(8, new ProtoWriter().string(1, '').int(2, m.opset)); // opset_import (default domain)
  for (const [k, v] of Object.entries(m.metadata ?? {})) w.message(14, new ProtoWriter().string(1, k).string(2, v)); // metadata_props
  return w.finish();
}
