import { NasError } from '../../../shared/errors.js';
import type { Architecture, Dimension, Sample } from '../../../shared/types/index.js';
import type { Rng } from '../rng.js';
import { DimensionalSpace } from '../search-space.js';

/** The five NAS-Bench-201 operations, in the order of the benchmark's `ops` digit codes. */
export const NB201_OPS = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'] as const;
export type Nb201Op = (typeof NB201_OPS)[number];

/** The six edges of the cell as [to, from], in the benchmark's order: 1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2. */
export const NB201_EDGES: readonly (readonly [number, number])[] = [
  [1, 0], [2, 0], [2, 1], [3, 0], [3, 1], [3, 2],
];

const DIMS: readonly Dimension[] = NB201_EDGES.map(([to, from]) => ({ name: `edge${to}<-${from}`, choices: NB201_OPS }));

/**
 * The NAS-Bench-201 cell: a DAG of 4 nodes, one of 5 operations on each of its 6 edges
 * (5^6 = 15,625 cells). Key: the benchmark's `|op~0|+|op~0|op~1|+|op~0|op~1|op~2|` string.
 */
export class Nb201Space extends DimensionalSpace {
  readonly id = 'nb201';
  readonly title = 'NAS-Bench-201 cell (5 ops × 6 edges)';

  constructor() {
    super(DIMS);
  }

  freeze(s: Sample): Architecture {
    this.assertValid(s);
    return { space: this.id, key: nb201ArchStr(s), sample: s.slice() };
  }

  parse(key: string): Sample {
    return parseNb201ArchStr(key);
  }

  /** The benchmark's 6-digit `ops` code of a sample (e.g. `333132`). */
  opsCode(s: Sample): string {
    return s.join('');
  }

  /**
   * A string equal for exactly the cells the benchmark puts in one `iso_id` group (6,466 groups):
   * its own rule (NAS-Bench-201 `to_unique_str(consider_zero=True)`): a `none` edge, or an edge from a
   * node that is exactly zero, contributes `#`; a skip passes its input through; every other op wraps
   * it; each node is the sorted sum of its terms. The test suite checks it against the table's iso_id.
   */
  isomorphismKey(s: Sample): string {
    this.assertValid(s);
    const node: string[] = ['0'];
    let e = 0;
    for (let to = 1; to <= 3; to++) {
      const terms: string[] = [];
      for (let from = 0; from < to; from++) {
        const op = NB201_OPS[s[e++] as number] as Nb201Op;
        const input = node[from] as string;
        if (op === 'none' || input === '#') terms.push('#');
        else terms.push(op === 'skip_connect' ? input : `(${input})@${op}`);
      }
      node.push(terms.sort().join('+'));
    }
    return node[3] as string;
  }

  /**
   * Cells that compute the same function share this key (the isomorphism key): a search need not
   * evaluate more than one of them (the benchmark's tables give them the same figures).
   */
  equivalenceKey(s: Sample): string {
    return this.isomorphismKey(s);
  }

  /** Number of distinct cells up to the benchmark's isomorphism (6,466). */
  countUnique(): number {
    const keys = new Set<string>();
    for (let code = 0; code < 15625; code++) {
      const s: number[] = [];
      for (let i = 5, c = code; i >= 0; i--, c = Math.floor(c / 5)) s[i] = c % 5;
      keys.add(this.isomorphismKey(s));
    }
    return keys.size;
  }
}

/** Operation codes of a dense cell (see sampleNb201Dense): skip, 1×1 and 3×3 convolutions. */
const DENSE_OPS = [1, 2, 3] as const;

/**
 * A uniform draw among the 3^6 = 729 dense NB201 cells: a convolution (1×1, 3×3) or a skip on every
 * edge, no `none` (every node feeds the output) and no pooling (every path but pure skips learns).
 * A structure-only prior for a search's first cells: it reads no accuracy.
 */
export function sampleNb201Dense(rng: Rng): Sample {
  return NB201_EDGES.map(() => DENSE_OPS[rng.int(DENSE_OPS.length)] as number);
}

/** Whether a cell is dense (see sampleNb201Dense). */
export function isNb201Dense(s: Sample): boolean {
  return s.length === NB201_EDGES.length && s.every((v) => (DENSE_OPS as readonly number[]).includes(v));
}

export function nb201ArchStr(s: Sample): string {
  let e = 0;
  const nodes: string[] = [];
  for (let to = 1; to <= 3; to++) {
    const parts: string[] = [];
    for (let from = 0; from < to; from++) parts.push(`${NB201_OPS[s[e++] as number]}~${from}`);
    nodes.push(`|${parts.join('|')}|`);
  }
  return nodes.join('+');
}

export function parseNb201ArchStr(key: string): Sample {
  const bad = (why: string) => new NasError('invalid-sample', `'${key}' is not a NAS-Bench-201 cell: ${why}`);
  const nodes = key.trim().split('+');
  if (nodes.length !== 3) throw bad('expected 3 nodes separated by +');
  const out: number[] = [];
  nodes.forEach((node, i) => {
    if (!node.startsWith('|') || !node.endsWith('|')) throw bad(`node ${i + 1} must be enclosed in |…|`);
    const edges = node.slice(1, -1).split('|');
    if (edges.length !== i + 1) throw bad(`node ${i + 1} needs ${i + 1} edges, has ${edges.length}`);
    edges.forEach((edge, from) => {
      const parts = edge.split('~');
      const [op, src] = parts;
      const code = NB201_OPS.indexOf(op as Nb201Op);
      if (code < 0) throw bad(`unknown op '${op}' (expected one of ${NB201_OPS.join(', ')})`);
      if (parts.length !== 2 || src !== String(from)) throw bad(`edge '${edge}' must come from node ${from} (op~${from})`);
      out.push(code);
    });
  });
  return out;
}
