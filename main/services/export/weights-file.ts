import { NasError } from '../../../shared/errors.js';
import type { ModelGraph } from '../../../shared/types/index.js';
import { validateGraphForExport } from './validate.js';
import { MapWeights, weightShapes } from './weights.js';

/**
 * A trained model on disk: its graph and weights in one file (`.fweights`), so an export needs
 * nothing else. Layout: the 8 bytes `FRWEIGHT`, a little-endian uint32 header length, the UTF-8
 * JSON header `{ format: 1, graph, tensors: [{ name: '<nodeId>/<kind>', length }], meta }`, then
 * every tensor's float32 values (little-endian) in header order.
 */
const MAGIC = 'FRWEIGHT';

export interface WeightsFileMeta {
  readonly [k: string]: unknown;
}

export function encodeWeightsFile(graph: ModelGraph, weights: MapWeights, meta: WeightsFileMeta = {}): Uint8Array {
  const tensors: { name: string; length: number }[] = [];
  const parts: Float32Array[] = [];
  for (const node of graph.nodes) {
    for (const [kind, shape] of weightShapes(graph, node)) {
      const v = weights.get(node.id, kind);
      const n = shape.reduce((a, b) => a * b, 1);
      if (!v || v.length !== n) throw new NasError('internal', `weights file: ${node.id}/${kind} has ${v?.length ?? 0} values, expected ${n}`);
      tensors.push({ name: `${node.id}/${kind}`, length: n });
      parts.push(v);
    }
  }
  const header = new TextEncoder().encode(JSON.stringify({ format: 1, graph, tensors, meta }));
  const total = parts.reduce((s, p) => s + p.length * 4, 0);
  const out = new Uint8Array(12 + header.length + total);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(8, header.length, true);
  out.set(header, 12);
  const view = new DataView(out.buffer);
  let at = 12 + header.length;
  for (const p of parts) for (const x of p) {
    view.setFloat32(at, x, true);
    at += 4;
  }
  return out;
}

export interface WeightsFile {
  readonly graph: ModelGraph;
  readonly weights: MapWeights;
  readonly meta: WeightsFileMeta;
}

/** Reads a weights file; `where` names it in errors. Every size is checked against the graph. */
export function decodeWeightsFile(bytes: Uint8Array, where: string): WeightsFile {
  const bad = (why: string): never => {
    throw new NasError('invalid-input', `${where} is not a Frontier weights file: ${why}`);
  };
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) bad('it does not start with FRWEIGHT');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = view.getUint32(8, true);
  if (12 + hlen > bytes.length) bad(`its header claims ${hlen} bytes, the file has ${bytes.length - 12} after the preamble`);
  let header: { format?: unknown; graph?: ModelGraph; tensors?: { name: string; length: number }[]; meta?: WeightsFileMeta };
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(12, 12 + hlen))) as typeof header;
  } catch (e) {
    return bad(`its header is not JSON (${(e as Error).message})`);
  }
  if (header.format !== 1) bad(`unknown format ${JSON.stringify(header.format)}`);
  if (!Array.isArray(header.tensors)) bad('its header lists no tensors');
  try {
    validateGraphForExport(header.graph as ModelGraph, 'weights file');
  } catch (e) {
    bad(`its model graph is malformed (${(e as Error).message})`);
  }
  const graph = header.graph as ModelGraph;
  const map = new Map<string, Float32Array>();
  let at = 12 + hlen;
  for (const t of header.tensors as { name: string; length: number }[]) {
    if (typeof t?.name !== 'string' || !Number.isSafeInteger(t.length) || t.length < 0) bad('a tensor entry is malformed');
    if (at + t.length * 4 > bytes.length) bad(`it ends inside tensor ${t.name}`);
    const v = new Float32Array(t.length);
    for (let i = 0; i < t.length; i++) v[i] = view.getFloat32(at + i * 4, true);
    at += t.length * 4;
    map.set(t.name, v);
  }
  if (at !== bytes.length) bad(`${bytes.length - at} bytes follow the last tensor`);
  for (const node of graph.nodes) {
    for (const [kind, shape] of weightShapes(graph, node)) {
      const n = shape.reduce((a, b) => a * b, 1);
      if (map.get(`${node.id}/${kind}`)?.length !== n) bad(`${node.id}/${kind} is missing or has the wrong size (expected ${n})`);
    }
  }
  return { graph, weights: new MapWeights(map), meta: header.meta ?? {} };
}
