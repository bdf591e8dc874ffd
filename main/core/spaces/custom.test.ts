import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { Alias } from 'yaml';
import { NasError } from '../../../shared/errors.js';
import { Rng } from '../rng.js';
import { enumerate } from '../search-space.js';
import { parseSpaceDocument, type CustomSpace } from './custom.js';
import { MAX_DOCUMENT_CHARS, validateSpaceDocument } from './space-schema.js';

const TINY = `# a comment
name: tiny
layers:
  - name: stem
    op: Conv2D
    kernel: 3
    filters: [8, 16]
  - name: body
    repeat: [1, 2]
    op: [Conv2D, MBConv, Identity]
    kernel: [3, 5]
    se: [false, true]
    connection: [sequential, skip]
  - name: head
    op: GlobalAvgPool
`;

const TINY_JSON = JSON.stringify({
  name: 'tiny',
  layers: [
    { op: 'Conv2D', name: 'stem', filters: [8, 16], kernel: 3 },
    { name: 'body', se: [false, true], repeat: [1, 2], op: ['Conv2D', 'MBConv', 'Identity'], kernel: [3, 5], connection: ['sequential', 'skip'] },
    { name: 'head', op: 'GlobalAvgPool' },
  ],
}, null, 2);

/** Small documents with repeat gating, op-dependent params and connection choices. */
const SMALL: Record<string, string> = {
  tiny: TINY,
  fixedRepeat: `name: fixed
connections: [sequential, dense]
layers:
  - name: a
    repeat: 2
    op: [MaxPool, AvgPool, Zero]
    kernel: [2, 3]
    stride: 2
`,
  twoGates: `name: gates
input: [8, 8, 1]
layers:
  - name: a
    repeat: [3, 1]
    op: [DepthwiseConv2D, Identity]
    activation: [relu, relu6]
  - name: b
    repeat: [2, 1]
    op: Dense
    units: [4, 8]
`,
};

const space = (text: string, source = 'space.yaml'): CustomSpace => parseSpaceDocument(text, source);

/** The message of the NasError('invalid-space') a document raises. */
function errorOf(text: string, source = 'space.yaml'): string {
  try {
    parseSpaceDocument(text, source);
  } catch (e) {
    expect(e).toBeInstanceOf(NasError);
    expect((e as NasError).code).toBe('invalid-space');
    return (e as Error).message;
  }
  throw new Error('expected the document to be rejected');
}

describe('CustomSpace', () => {
  it('reads YAML and the equivalent JSON to identical spaces', () => {
    const y = space(TINY);
    const j = space(TINY_JSON, 'tiny.json');
    expect(j.dims).toEqual(y.dims);
    expect(j.spec).toEqual(y.spec);
    expect(j.id).toBe('custom:tiny');
    expect(j.count()).toBe(y.count());
    for (const s of enumerate(y)) expect(j.freeze(s).key).toBe(y.freeze(s).key);
  });

  it('names dimensions after layers and repeat copies; fixed values are not dimensions', () => {
    expect(space(TINY).dims.map((d) => d.name)).toEqual([
      'stem.filters', 'body.repeat',
      'body.1.op', 'body.1.kernel', 'body.1.se', 'body.1.connection',
      'body.2.op', 'body.2.kernel', 'body.2.se', 'body.2.connection',
    ]);
    expect(space(TINY).dims[6]).toEqual({ name: 'body.2.op', choices: ['Conv2D', 'MBConv', 'Identity'], activeIf: { dim: 'body.repeat', gte: 2 } });
  });

  for (const [name, text] of Object.entries(SMALL)) {
    it(`${name}: count() is exact, keys are unique and parse inverts freeze`, () => {
      const sp = space(text);
      const all = enumerate(sp);
      expect(sp.count()).toBe(BigInt(all.length));
      const keys = new Set<string>();
      for (const s of all) {
        const { key } = sp.freeze(s);
        keys.add(key);
        expect(sp.parse(key)).toEqual(s);
      }
      expect(keys.size).toBe(all.length);
    });
  }

  it('counts the tiny document by hand', () => {
    // body copy: Conv2D 2 kernels + MBConv 2 kernels × 2 se + Identity 1 = 7, × 2 connections = 14
    expect(space(TINY).count()).toBe(2n * (14n + 14n * 14n));
  });

  it('mutate changes exactly one active decision', () => {
    for (const text of Object.values(SMALL)) {
      const sp = space(text);
      const rng = new Rng(7);
      for (let t = 0; t < 200; t++) {
        const s = sp.sample(rng);
        const m = sp.mutate(s, rng);
        const changed = s.filter((v, i) => sp.isActive(s, i) && sp.isActive(m, i) && v !== m[i]);
        expect(changed).toHaveLength(1);
        expect(sp.freeze(m).key).not.toBe(sp.freeze(s).key);
      }
    }
  });

  it('writes readable keys and lists concrete layers', () => {
    const sp = space(TINY);
    const key = 'stem:Conv2D(k3,f16)|body:MBConv(k5,se)@skip>Identity@sequential|head:GlobalAvgPool';
    const s = sp.parse(key);
    expect(sp.freeze(s).key).toBe(key);
    expect(sp.layers(s)).toEqual([
      { name: 'stem', layer: 'stem', op: 'Conv2D', params: { kernel: 3, filters: 16 }, connection: 'sequential' },
      { name: 'body.1', layer: 'body', op: 'MBConv', params: { kernel: 5, se: true }, connection: 'skip' },
      { name: 'body.2', layer: 'body', op: 'Identity', params: {}, connection: 'sequential' },
      { name: 'head', layer: 'head', op: 'GlobalAvgPool', params: {}, connection: 'sequential' },
    ]);
    expect(sp.freeze(sp.parse('stem:Conv2D(k3,f8)|body:Conv2D(k3)@sequential|head:GlobalAvgPool')).sample).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('rejects bad keys with a readable reason', () => {
    const sp = space(TINY);
    const bad: [string, RegExp][] = [
      ['stem:Conv2D(k3,f16)|head:GlobalAvgPool', /expected 3 layers separated by \|, got 2/],
      ['stem:Conv2D(k3,f12)|body:Identity@skip|head:GlobalAvgPool', /stem filters 12 is not allowed \(choices: 8, 16\)/],
      ['stem:Conv2D(k5,f8)|body:Identity@skip|head:GlobalAvgPool', /stem kernel 5 is not allowed \(fixed to 3\)/],
      ['stem:Conv2D(k3,f8)|body:Identity>Identity>Identity|head:GlobalAvgPool', /layer 'body' repeat 3 is not allowed \(choices: 1, 2\)/],
      ['stem:Conv2D(k3,f8)|body:Identity(k3)|head:GlobalAvgPool', /unexpected 'k3' in body\.1/],
      ['stem:Conv2D(k3,f8)|body:Conv9(k3)|head:GlobalAvgPool', /unknown op 'Conv9' in body\.1/],
      ['stem:Conv2D(k3,f8)|body:MaxPool(k3)|head:GlobalAvgPool', /body\.1 op 'MaxPool' is not allowed/],
      ['stem:Conv2D(f8)|body:Identity|head:GlobalAvgPool', /stem is missing its kernel/],
      ['stem:Conv2D(k3,f8)|body:Identity@dense|head:GlobalAvgPool', /body\.1 connection 'dense' is not allowed/],
      ['stem:Conv2D(k3,f8)|trunk:Identity|head:GlobalAvgPool', /layer 2 must start with 'body:'/],
      ['stem:Conv2D[k3]|body:Identity|head:GlobalAvgPool', /must look like Op\(params\)@connection/],
    ];
    for (const [key, why] of bad) {
      expect(() => sp.parse(key), key).toThrow(why);
      try {
        sp.parse(key);
      } catch (e) {
        expect((e as NasError).code).toBe('invalid-sample');
      }
    }
  });

  it('resolves YAML anchors and aliases', () => {
    const sp = space(`name: a\nlayers:\n  - {name: x, op: Conv2D, kernel: &k [3, 5]}\n  - {name: y, op: Conv2D, kernel: *k}\n`);
    expect(sp.dims.map((d) => d.choices)).toEqual([[3, 5], [3, 5]]);
  });

  it('an alias takes the latest anchor of its name before it (anchors may be redefined)', () => {
    const layers = Array.from({ length: 3 }, (_, i) => `  - {name: l${i}, op: Conv2D, filters: &a [${i + 1}, ${i + 10}], kernel: *a}`).join('\n');
    expect(space(`name: a\nlayers:\n${layers}\n`).dims.map((d) => d.choices)).toEqual([[1, 10], [1, 10], [2, 11], [2, 11], [3, 12], [3, 12]]);
  });

  it('an alias with no anchor before it is named', () => {
    expect(errorOf('name: x\nlayers: *nope\n')).toBe('space.yaml:2:9: layers: expected a list of layers, got alias *nope with no anchor before it');
    expect(errorOf('name: x\nlayers:\n  - {name: a, op: Conv2D, kernel: *k}\n  - {name: b, op: Conv2D, kernel: &k 3}\n')).toBe(
      'space.yaml:3:35: layers[0].kernel: expected a positive integer, got alias *k with no anchor before it',
    );
  });

  it('resolves many aliases without walking the document once per alias (3,000 aliases took 21 s)', () => {
    // Work counter, not a stopwatch: yaml's Alias.resolve searches the whole document per call.
    const resolve = vi.spyOn(Alias.prototype, 'resolve');
    try {
      const layers = Array.from({ length: 200 }, (_, i) => `  - {name: l${i}, op: Conv2D, filters: ${i === 0 ? '&f [8, 16]' : '*f'}}`).join('\n');
      expect(space(`name: a\nlayers:\n${layers}\n`).count()).toBe(2n ** 200n);
      expect(resolve).not.toHaveBeenCalled();
    } finally {
      resolve.mockRestore();
    }
  });

  it('parses the example documents in resources/spaces', () => {
    for (const file of ['tiny-cnn.yaml', 'resnet-like.json']) {
      const sp = space(readFileSync(new URL(`../../../resources/spaces/${file}`, import.meta.url), 'utf8'), file);
      expect(sp.count()).toBeGreaterThan(1n);
      const s = sp.sample(new Rng(1));
      expect(sp.parse(sp.freeze(s).key)).toEqual(s);
    }
  });
});

describe('space document errors', () => {
  it('reports YAML syntax errors at the parser position', () => {
    expect(errorOf('name: x\nlayers:\n  - name: a\n    op: [Conv2D, MaxPool\n  - name: b\n')).toBe(
      'space.yaml:5:3: syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]',
    );
    expect(errorOf('{\n  "name": "x",\n  "layers": [\n    { "name": "a" "op": "Conv2D" }\n  ]\n}\n', 'space.json')).toMatch(/^space\.json:4:15: syntax error: /);
  });

  it('reports a missing layers field and an empty document', () => {
    expect(errorOf('name: x\ntitle: t\n')).toBe('space.yaml:1:1: layers: required field is missing');
    expect(errorOf('')).toBe('space.yaml:1:1: (root): expected a mapping with fields name and layers, got nothing');
    expect(errorOf('name: x\nlayers: []\n')).toBe('space.yaml:2:9: layers: a space needs at least one layer');
    expect(errorOf('name: x\nlayers:\n  - name: a\n')).toBe('space.yaml:3:5: layers[0].op: required field is missing');
  });

  it('reports empty choice lists and duplicate choices', () => {
    expect(errorOf('name: x\nlayers:\n  - name: a\n    op: Conv2D\n    filters: []\n')).toBe(
      'space.yaml:5:14: layers[0].filters: empty choice list (give at least one value)',
    );
    expect(errorOf('{"name": "x", "layers": [{"name": "a", "op": "Conv2D", "kernel": [3, 3]}]}', 'a.json')).toBe(
      'a.json:1:70: layers[0].kernel[1]: duplicate choice 3',
    );
  });

  it('reports duplicate layer names and duplicate fields', () => {
    expect(errorOf('name: x\nlayers:\n  - name: a\n    op: Conv2D\n  - name: a\n    op: Identity\n')).toBe(
      "space.yaml:5:11: layers[1].name: duplicate layer name 'a' (first used by layers[0])",
    );
    expect(errorOf('name: x\nlayers:\n  - name: a\n    op: Conv2D\n    op: MaxPool\n')).toBe(
      'space.yaml:5:5: layers[0].op: duplicate field (first given on line 4)',
    );
  });

  it('reports unknown fields with a suggestion for near misses', () => {
    expect(errorOf('name: x\nlayers:\n  - name: a\n    op: Conv2D\n    kernal: 3\n    foo: 1\n')).toBe([
      "space.yaml:5:5: layers[0].kernal: unknown field 'kernal' (did you mean 'kernel'?)",
      "space.yaml:6:5: layers[0].foo: unknown field 'foo' (expected one of name, op, repeat, connection, kernel, filters, stride, expansion, se, units, activation, block)",
    ].join('\n'));
    expect(errorOf('name: x\nconnection: skip\nlayers:\n  - {name: a, op: Conv2D}\n')).toBe(
      "space.yaml:2:1: connection: unknown field 'connection' (did you mean 'connections'?)",
    );
  });

  it('reports unknown ops', () => {
    expect(errorOf('name: x\nlayers:\n  - name: a\n    op: Conv9x9\n  - name: b\n    op: [conv2d, Identity]\n')).toBe([
      "space.yaml:4:9: layers[0].op: unknown op 'Conv9x9' (expected one of Conv2D, DepthwiseConv2D, SeparableConv2D, MBConv, MaxPool, AvgPool, GlobalAvgPool, Identity, Zero, Dense, BatchNorm, ReLU, ReLU6)",
      "space.yaml:6:10: layers[1].op[0]: unknown op 'conv2d' (did you mean 'Conv2D'?)",
    ].join('\n'));
  });

  it('reports params the op does not accept; with an op choice, params go to the ops that accept them', () => {
    expect(errorOf('name: x\nlayers:\n  - name: a\n    op: MaxPool\n    filters: 16\n  - name: b\n    op: [MaxPool, Identity]\n    units: [10]\n  - name: c\n    op: [Conv2D, Identity]\n    kernel: [3, 5]\n')).toBe([
      "space.yaml:5:5: layers[0].filters: op MaxPool does not accept 'filters' (it accepts kernel, stride)",
      "space.yaml:8:5: layers[1].units: none of the ops MaxPool, Identity accepts 'units'",
    ].join('\n'));
    expect(errorOf('name: x\nlayers:\n  - {name: a, op: Zero, kernel: 3}\n')).toBe(
      "space.yaml:3:25: layers[0].kernel: op Zero does not accept 'kernel' (it accepts no params)",
    );
  });

  it('reports wrong types, in document order', () => {
    expect(errorOf('name: x\nlayers:\n  - name: a\n    op: Conv2D\n    kernel: "3"\n    filters: [16, many]\n    activation: ReLU\n  - name: b\n    op: MBConv\n    se: yes\n    expansion: 0\n')).toBe([
      "space.yaml:5:13: layers[0].kernel: expected a positive integer, got string '3'",
      "space.yaml:6:19: layers[0].filters[1]: expected a positive integer, got string 'many'",
      "space.yaml:7:17: layers[0].activation: unknown activation 'ReLU' (did you mean 'relu'?)",
      "space.yaml:10:9: layers[1].se: expected true or false, got string 'yes'",
      'space.yaml:11:16: layers[1].expansion: expected a positive number, got 0',
    ].join('\n'));
    expect(errorOf('name: x\ninput: [28, 28]\nlayers: {a: 1}\n')).toBe([
      'space.yaml:2:8: input: expected [height, width, channels], got 2 values',
      'space.yaml:3:9: layers: expected a list of layers, got a mapping',
    ].join('\n'));
  });

  it('reports repeat values that are not positive integers', () => {
    expect(errorOf('name: x\nlayers:\n  - name: a\n    op: Conv2D\n    repeat: [0, 2, 1.5, 100]\n')).toBe([
      'space.yaml:5:14: layers[0].repeat[0]: expected a positive integer, got 0',
      'space.yaml:5:20: layers[0].repeat[2]: expected a positive integer, got 1.5',
      'space.yaml:5:25: layers[0].repeat[3]: expected at most 64, got 100',
    ].join('\n'));
  });

  it('reports bad connections', () => {
    expect(errorOf('name: x\nconnections: [sequential, residual]\nlayers:\n  - name: a\n    op: Conv2D\n    connection: Skip\n')).toBe([
      "space.yaml:2:27: connections[1]: unknown connection 'residual' (expected one of sequential, skip, dense)",
      "space.yaml:6:17: layers[0].connection: unknown connection 'Skip' (did you mean 'skip'?)",
    ].join('\n'));
  });

  it('reports bad names', () => {
    expect(errorOf('name: 3\nlayers:\n  - {name: b b, op: Identity}\n')).toBe([
      'space.yaml:1:7: name: expected a name, got 3',
      "space.yaml:3:12: layers[0].name: invalid name 'b b' (a letter or '_', then letters, digits, '_' and '-')",
    ].join('\n'));
  });

  it('exposes the problems as data', () => {
    expect(validateSpaceDocument('name: x\nlayers:\n  - {name: a, op: Conv2D, filter: 8}\n')).toEqual({
      problems: [{ line: 3, col: 27, path: 'layers[0].filter', message: "unknown field 'filter' (did you mean 'filters'?)" }],
    });
  });

  it('keeps each problem on one line: odd field names as a quoted path, control characters escaped', () => {
    // Found by fuzzing: a blank field name made an empty path, a newline in a string split the problem.
    expect(errorOf('{" ": [], "name": "x", "layers": [{"name": "a", "op": "Conv2D", "kernel": "3\\n4", "filters": "\\u0007"}]}', 'o.json')).toBe([
      "o.json:1:2: (root)[' ']: unknown field ' ' (expected one of name, title, input, connections, layers)",
      "o.json:1:75: layers[0].kernel: expected a positive integer, got string '3\\n4'",
      "o.json:1:94: layers[0].filters: expected a positive integer, got string '\\u0007'",
    ].join('\n'));
    expect(errorOf(`name: x\nlayers:\n  - {name: a, op: "${'Conv'.repeat(30)}"}\n`)).toMatch(/^space\.yaml:3:19: layers\[0\]\.op: unknown op 'ConvConvConv.{45}\.\.\.' \(/);
  });

  it('lists at most 20 problems, then says how many more from where', () => {
    const layers = Array.from({ length: 30 }, (_, i) => `  - {name: l${i}, op: Conv9}`).join('\n');
    const lines = errorOf(`name: x\nlayers:\n${layers}\n`).split('\n');
    expect(lines).toHaveLength(21);
    expect(lines[19]).toMatch(/^space\.yaml:22:21: layers\[19\]\.op: unknown op 'Conv9'/);
    expect(lines[20]).toBe('space.yaml:23:21: … and 10 more problems from here on');
  });

  it('refuses a document over a million characters before parsing it', () => {
    const big = `name: x\nlayers:\n  - {name: a, op: Conv2D}\n# ${'x'.repeat(MAX_DOCUMENT_CHARS)}\n`;
    expect(errorOf(big)).toBe(`space.yaml:1:1: (root): the document has ${big.length.toLocaleString('en-US')} characters; a space document may have at most 1,000,000`);
  });
});

describe('large spaces', () => {
  it('freezes a sample of 2,000 layers in linear work (found by fuzzing: 20,000 layers took 10 s)', () => {
    const layers = Array.from({ length: 2000 }, (_, i) => `  - {name: l${i}, op: [Identity, Zero]}`).join('\n');
    const sp = space(`name: big\nlayers:\n${layers}\n`);
    const sample = sp.sample(new Rng(1));
    // Work counter, not a stopwatch: elements scanned by Array filter while freezing.
    let scanned = 0;
    const original = Array.prototype.filter;
    const filter = vi.spyOn(Array.prototype, 'filter').mockImplementation(function (this: unknown[], ...args: Parameters<typeof original>) {
      scanned += this.length;
      return original.apply(this, args);
    });
    let key: string;
    try {
      key = sp.freeze(sample).key;
    } finally {
      filter.mockRestore();
    }
    expect(scanned).toBeLessThan(20 * 2000);
    expect(sp.parse(key)).toEqual(sample);
  });
});

describe('large choice lists', () => {
  it('checks a list of 20,000 distinct choices in linear work (no pairwise duplicate search)', () => {
    const n = 20_000;
    const doc = JSON.stringify({ name: 'big', layers: [{ name: 'c', op: 'Conv2D', filters: Array.from({ length: n }, (_, i) => i + 1) }] });
    // Work counter, not a stopwatch: elements scanned by Array includes/indexOf while checking.
    let scanned = 0;
    const original = Array.prototype.includes;
    const includes = vi.spyOn(Array.prototype, 'includes').mockImplementation(function (this: unknown[], ...args: [unknown, number?]) {
      scanned += this.length;
      return original.apply(this, args);
    });
    try {
      expect(space(doc, 'big.json').count()).toBe(BigInt(n));
    } finally {
      includes.mockRestore();
    }
    expect(scanned).toBeLessThan(10 * n);
  });

  it('reports duplicates among many choices, each once, at its position', () => {
    const values = [...Array.from({ length: 5000 }, (_, i) => i + 1), 7, 4999];
    const msg = errorOf(JSON.stringify({ name: 'big', layers: [{ name: 'c', op: 'Conv2D', filters: values }] }), 'big.json');
    expect(msg.split('\n')).toEqual([expect.stringMatching(/^big\.json:1:\d+: layers\[0\]\.filters\[5000\]: duplicate choice 7$/), expect.stringMatching(/filters\[5001\]: duplicate choice 4999$/)]);
  });
});
