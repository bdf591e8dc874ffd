import type { ModelGraph, Sample } from '../../../shared/types/index.js';
import { customGraph } from '../graph/custom.js';
import type { CustomLayer, CustomSpace } from '../spaces/custom.js';
import { roundFilters } from './mobilenet-scaled.js';

/** Layer ops whose `filters` a width multiplier scales (a layer without its own filters keeps its input's). */
const WIDE = new Set(['Conv2D', 'SeparableConv2D', 'MBConv']);

/**
 * The layers of a space document's architecture under a width multiplier: each convolution's
 * explicit filters `roundFilters(f, w, divisor)`; Dense units, pools and the rest unchanged. A space
 * document has no notion of a stage to deepen, so custom architectures scale in width and
 * resolution only.
 */
export function scaledCustomLayers(space: CustomSpace, sample: Sample, width: number, divisor: number): CustomLayer[] {
  return space.layers(sample).map((l) => (WIDE.has(l.op) && l.params.filters !== undefined ? { ...l, params: { ...l.params, filters: roundFilters(l.params.filters, width, divisor) } } : l));
}

/**
 * The model of a space document's architecture at width w for inputs `input` (already at the scaled
 * resolution): customGraph over the scaled layers, without the document's fixed input size (the
 * resolution is what scaling changes).
 */
export function scaledCustomGraph(space: CustomSpace, sample: Sample, input: readonly [number, number, number], classes: number, width: number, divisor: number): ModelGraph {
  const layers = scaledCustomLayers(space, sample, width, divisor);
  const { input: _fixed, ...spec } = space.spec;
  // customGraph reads only `spec` (name, input) and `layers` of its space.
  const view = { spec, layers: () => layers } as unknown as CustomSpace;
  return customGraph(view, sample, input, classes);
}
