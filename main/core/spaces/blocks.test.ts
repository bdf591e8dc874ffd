import { describe, expect, it } from 'vitest';
import type { ModelGraph } from '../../../shared/types/index.js';
import { buildGraph } from '../graph/index.js';
import { Rng } from '../rng.js';
import { createSpace } from '../spaces.js';
import { blockFromTrial, checkBlockDef, describeBlock, type BlockLibrary } from './blocks.js';
import { parseSpaceDocument } from './custom.js';
import { MobilenetSpace } from './mobilenet.js';
import { Nb201Space } from './nb201.js';

const SOURCE = `name: src
layers:
  - name: stem
    op: Conv2D
    kernel: 3
    filters: [8, 16]
  - name: body
    repeat: [1, 2]
    op: [Conv2D, SeparableConv2D, MBConv]
    kernel: [3, 5]
    filters: [16, 24]
    expansion: [3, 6]
    se: [false, true]
    connection: [sequential, skip]
  - name: pool
    op: MaxPool
    kernel: 2
    stride: 2
`;

/** The graph with node ids replaced by their position: what the network computes, not what its nodes are called. */
function anonymous(g: ModelGraph) {
  const at = new Map(g.nodes.map((n, i) => [n.id, i]));
  const ref = (id: string) => (id === 'input' ? 'input' : at.get(id));
  return { input: g.input, classes: g.classes, output: ref(g.output), nodes: g.nodes.map((n) => ({ op: n.op, attrs: n.attrs, shape: n.shape, inputs: n.inputs.map(ref) })) };
}

/** A sample of the source space with both body copies active and a mix of choices. */
function sourceTrial() {
  const space = parseSpaceDocument(SOURCE, 'src.yaml');
  const rng = new Rng(11);
  for (;;) {
    const s = space.sample(rng);
    const layers = space.layers(s);
    if (layers.filter((l) => l.layer === 'body').length === 2 && new Set(layers.map((l) => l.op)).size >= 3) return { space, sample: s };
  }
}

const lib = (blocks: Record<string, ReturnType<typeof blockFromTrial>>): BlockLibrary =>
  Object.fromEntries(Object.entries(blocks).map(([name, layers]) => [name, { name, layers }]));

describe('block library in space documents', () => {
  it('a space including a saved block builds the same graph as the trial it was saved from', () => {
    const { space, sample } = sourceTrial();
    const blocks = lib({ best: blockFromTrial(space, sample) });
    const reuse = parseSpaceDocument('name: reuse\nlayers:\n  - name: net\n    block: best\n', 'reuse.yaml', blocks);
    expect(reuse.dims).toEqual([]);
    expect(reuse.count()).toBe(1n);
    const o = { input: [28, 28, 1] as const, classes: 10 };
    const got = buildGraph(reuse, reuse.freeze([]), o);
    const want = buildGraph(space, space.freeze(sample), o);
    expect(anonymous(got)).toEqual(anonymous(want));
    expect(got.nodes.length).toBeGreaterThan(8);
    // The included layers are named after the including layer.
    expect(reuse.layers([]).map((l) => l.name)).toEqual(['net.1', 'net.2', 'net.3', 'net.4']);
  });

  it('saves some layers only, and a choice between saved blocks is one decision with keys that parse back', () => {
    const { space, sample } = sourceTrial();
    const body = blockFromTrial(space, sample, ['body']);
    expect(body.map((l) => l.op)).toEqual(space.layers(sample).filter((l) => l.layer === 'body').map((l) => l.op));
    const blocks = lib({ body, plain: [{ op: 'Conv2D', params: { kernel: 3, filters: 8 }, connection: 'sequential' }] });
    const doc = 'name: mix\nlayers:\n  - name: stem\n    op: Conv2D\n    filters: 8\n  - name: cell\n    repeat: [1, 2]\n    block: [plain, body]\n  - name: head\n    op: GlobalAvgPool\n';
    const mix = parseSpaceDocument(doc, 'mix.yaml', blocks);
    expect(mix.dims.map((d) => d.name)).toEqual(['cell.repeat', 'cell.1.block', 'cell.2.block']);
    // 1 copy: 2 blocks; 2 copies: 2 × 2.
    expect(mix.count()).toBe(6n);
    const s = [1, 1, 0];
    const a = mix.freeze(s);
    expect(a.key).toBe('stem:Conv2D(f8)|cell:[body]>[plain]|head:GlobalAvgPool');
    expect(mix.parse(a.key)).toEqual(a.sample);
    expect(mix.layers(s).map((l) => l.name)).toEqual(['stem', ...body.map((_, j) => `cell.1.${j + 1}`), 'cell.2.1', 'head']);
    expect(() => mix.parse('stem:Conv2D(f8)|cell:[wide]|head:GlobalAvgPool')).toThrow("cell.1 block 'wide' is not allowed (choices: plain, body)");
    expect(() => mix.parse('stem:Conv2D(f8)|cell:Conv2D|head:GlobalAvgPool')).toThrow("'Conv2D' in cell.1 must be a saved block's name in brackets, e.g. [plain]");
  });

  it('a mobilenet trial saved as a block builds the mobilenet network (stem stride included); stages alone', () => {
    const mob = new MobilenetSpace();
    const rng = new Rng(8);
    let sample = mob.sample(rng);
    while (!mob.stages(sample).some((st) => st.blocks.some((b) => b.se)) || !mob.stages(sample).some((st) => st.blocks.length > 1)) sample = mob.sample(rng);
    const all = blockFromTrial(mob, sample, undefined, { stemStride: 2 });
    const reuse = parseSpaceDocument('name: reuse\nlayers:\n  - name: net\n    block: mb\n', 'reuse.yaml', lib({ mb: all }));
    const o = { input: [28, 28, 1] as const, classes: 10 };
    expect(anonymous(buildGraph(reuse, reuse.freeze([]), o))).toEqual(anonymous(buildGraph(mob, mob.freeze(sample), { ...o, mobilenet: { stemStride: 2 } })));
    const s2 = blockFromTrial(mob, sample, ['s2']);
    expect(s2).toEqual(mob.stages(sample)[1]!.blocks.map((b, j) => ({ op: 'MBConv', params: { kernel: b.kernel, stride: j === 0 ? mob.stages(sample)[1]!.stride : 1, filters: mob.stages(sample)[1]!.channels, expansion: b.expansion, se: b.se }, connection: 'sequential' })));
    expect(() => blockFromTrial(mob, sample, ['s9'])).toThrow("the mobilenet space has no layer 's9' (its layers: stem, s1, s2, s3, s4)");
    expect(() => blockFromTrial(new Nb201Space(), [0, 0, 0, 0, 0, 0])).toThrow('blocks are saved from searches of a space document or of mobilenet, whose layers a document can include; the nb201 space has no such layers');
  });

  it('names an unknown block with the saved ones, and what a block layer cannot take', () => {
    const blocks = lib({ resblock: [{ op: 'Identity', params: {}, connection: 'skip' }] });
    const err = (doc: string, b: BlockLibrary = blocks) => {
      try {
        parseSpaceDocument(doc, 'space.yaml', b);
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(err('name: x\nlayers:\n  - name: a\n    block: resblok\n')).toBe("space.yaml:4:12: layers[0].block: unknown block 'resblok' (did you mean 'resblock'? saved blocks: resblock)");
    expect(err('name: x\nlayers:\n  - name: a\n    block: [resblock, zzz]\n')).toBe("space.yaml:4:23: layers[0].block[1]: unknown block 'zzz' (saved blocks: resblock)");
    expect(err('name: x\nlayers:\n  - name: a\n    block: resblock\n', {})).toBe("space.yaml:4:12: layers[0].block: unknown block 'resblock' (no blocks are saved: 'frontier blocks save <study> --trial N --name NAME' saves one)");
    expect(err('name: x\nlayers:\n  - name: a\n    block: resblock\n    op: Conv2D\n    kernel: 3\n')).toBe([
      'space.yaml:5:5: layers[0].op: a block layer takes only name, block and repeat (the saved block fixes its layers\' ops)',
      'space.yaml:6:5: layers[0].kernel: a block layer takes only name, block and repeat (the saved block fixes its layers\' kernel)',
    ].join('\n'));
    // A stored study carries its blocks: without them the document is refused, with them it builds.
    const document = 'name: x\nlayers:\n  - name: a\n    block: resblock\n';
    expect(() => createSpace('custom', { document, source: 's.yaml' })).toThrow(/unknown block 'resblock'/);
    expect(createSpace('custom', { document, source: 's.yaml', blocks }).freeze([]).key).toBe('a:[resblock]');
  });

  it('checks a block read from a file', () => {
    expect(checkBlockDef({ name: 'ok', layers: [{ op: 'MBConv', params: { kernel: 5, expansion: 6, se: true }, connection: 'skip' }] }, 'ok.json').layers).toHaveLength(1);
    expect(() => checkBlockDef({ name: 'a b', layers: [] }, 'f')).toThrow("f: invalid block name 'a b'");
    expect(() => checkBlockDef({ name: 'a', layers: [] }, 'f')).toThrow('f: a block needs a non-empty list of layers');
    expect(() => checkBlockDef({ name: 'a', layers: [{ op: 'Add', params: {}, connection: 'skip' }] }, 'f')).toThrow('f: layer 1: unknown op "Add"');
    expect(() => checkBlockDef({ name: 'a', layers: [{ op: 'MaxPool', params: { filters: 3 }, connection: 'skip' }] }, 'f')).toThrow("f: layer 1: op MaxPool does not accept 'filters'");
    expect(() => checkBlockDef({ name: 'a', layers: [{ op: 'Conv2D', params: { kernel: 0 }, connection: 'skip' }] }, 'f')).toThrow('f: layer 1: kernel must be a positive integer, got 0');
    expect(describeBlock({ name: 'a', layers: [{ op: 'Conv2D', params: { kernel: 3, filters: 8 }, connection: 'sequential' }, { op: 'MBConv', params: { se: true }, connection: 'skip' }] })).toBe('Conv2D(kernel=3, filters=8) > MBConv(se)@skip');
  });
});
