import type { ArchGraph } from '../../shared/ipc/contract.js';
import type { ModelGraph } from '../../shared/types/index.js';
import { buildGraph, type GraphOptions } from './graph/index.js';
import type { SearchSpace } from './search-space.js';
import { CustomSpace } from './spaces/custom.js';

/** A tensor shape as shown: `14×14×32`, or `10` for a vector. */
export const shapeText = (s: readonly number[]): string => s.join('×');

/** The input a study's models see, when the study spec says it; `unknown` says why not. */
export type GraphInput = { readonly options: GraphOptions; readonly source: string } | { readonly unknown: string };

/** The shape of the last node of the model graph in scope `prefix` (`prefix` itself or `prefix.…`). */
function lastIn(model: ModelGraph, prefix: string): readonly number[] | undefined {
  for (let i = model.nodes.length - 1; i >= 0; i--) {
    const n = model.nodes[i]!;
    if (n.id === prefix || n.id.startsWith(`${prefix}.`)) return n.shape;
  }
  return undefined;
}

/**
 * The drawn architecture (`architectureGraph`) with each node's output shape, inferred from the
 * model graph built for the study's input: a block's shape is its last op's; a block lowered to
 * nothing (an identity) keeps its input's. The NAS-Bench-201 cell is drawn once but runs at each
 * of the three stages, so its nodes carry the shape at every stage. Without a known input the
 * graph comes back with `shapes` saying so and no node shapes (never a guess).
 */
export function withShapes(graph: ArchGraph, space: SearchSpace, sample: readonly number[], input: GraphInput): ArchGraph {
  if ('unknown' in input) return { ...graph, shapes: input.unknown };
  let model: ModelGraph;
  try {
    model = buildGraph(space, space.freeze(sample), input.options);
  } catch {
    return { ...graph, shapes: `shapes unknown: this architecture builds no model for ${input.source}` };
  }
  const inShape = shapeText(model.input);
  const outShape = shapeText([model.classes]);
  if (space.id === 'nb201') {
    const stages = ['stem', 'reduce1', 'reduce2'].map((p) => lastIn(model, p));
    if (stages.some((s) => !s)) return { ...graph, shapes: input.source };
    const perStage = stages.map((s) => shapeText(s!)).join(' · ');
    return { ...graph, nodes: graph.nodes.map((n) => ({ ...n, shape: perStage })), shapes: `${input.source}; the cell at stages 1 · 2 · 3` };
  }
  const scopes = blockScopes(space, sample, graph);
  let prev = model.input as readonly number[];
  const nodes = graph.nodes.map((n, i) => {
    if (n.kind === 'input') return { ...n, shape: inShape };
    if (n.kind === 'output') return { ...n, shape: outShape };
    const scope = scopes[i];
    if (scope === undefined) return n;
    prev = lastIn(model, scope) ?? prev;
    return { ...n, shape: shapeText(prev) };
  });
  return { ...graph, nodes, shapes: input.source };
}

/** The model-graph scope of each drawn node (by index): a custom layer's name, a block group's name. */
function blockScopes(space: SearchSpace, sample: readonly number[], graph: ArchGraph): (string | undefined)[] {
  if (space instanceof CustomSpace) {
    const layers = space.layers(space.freeze(sample).sample);
    return graph.nodes.map((n, i) => (n.kind === 'block' ? layers[i - 1]?.name : undefined));
  }
  const groups = graph.nodes.map((n) => {
    const colon = n.label.indexOf(':');
    return n.kind === 'block' && colon > 0 ? n.label.slice(0, colon) : undefined;
  });
  // A group holding others (a mobilenet stage `s1` over its blocks `s1.b1`, …) is drawn before
  // them: its settings, not a tensor of its own.
  return groups.map((g) => (g !== undefined && groups.some((o) => o?.startsWith(`${g}.`)) ? undefined : g));
}
