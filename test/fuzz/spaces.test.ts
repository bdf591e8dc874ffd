/**
 * Property-based fuzzing of space documents (YAML and JSON): random structures, and random edits of
 * the example documents in resources/spaces and test/fixtures/spaces. Invariant: a space (which then
 * samples, freezes, parses its own keys back, mutates, counts and lowers to a model graph), or a
 * NasError('invalid-space') whose every line names the document, line and column; never another
 * exception, never a hang. Numbers: `fuzz {...}` lines in the output (README Reliability table).
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { NasError } from '../../shared/errors.js';
import { ACTIVATIONS, CONNECTIONS, LAYER_OP_NAMES, OP_PARAM_NAMES, OP_PARAMS } from '../../shared/ops.js';
import { buildGraph, graphCost } from '../../main/core/graph/index.js';
import { Rng } from '../../main/core/rng.js';
import { parseSpaceDocument, type CustomSpace } from '../../main/core/spaces/custom.js';
import { classify, FUZZ_SEED, fuzzRuns, fuzzTimeout, report, tally, type Tally } from './inputs-fuzz.js';

const read = (rel: string) => readFileSync(new URL(`../../${rel}`, import.meta.url), 'utf8');
const EXAMPLES: readonly { name: string; text: string }[] = (() => {
  const files = ['resources/spaces/tiny-cnn.yaml', 'resources/spaces/resnet-like.json', 'test/fixtures/spaces/tiny-lut.yaml'];
  const docs = files.map((f) => ({ name: f, text: read(f) }));
  // The YAML examples as JSON too, and the JSON one as YAML: both readers see every structure.
  return [...docs, ...docs.map((d) => {
    const value = d.name.endsWith('.json') ? JSON.parse(d.text) : (parseSpaceDocument(d.text, d.name), undefined);
    return value ? { name: `${d.name}.yaml`, text: stringify(value) } : { name: `${d.name}.json`, text: JSON.stringify(yamlValue(d.text), null, 2) };
  })];
})();

function yamlValue(text: string): unknown {
  // A round trip through the yaml package keeps this file free of a second YAML reader.
  return JSON.parse(JSON.stringify(parseYaml(text)));
}

/** Every line names the document, a line and a column, then says something. */
function readable(source: string) {
  const line = new RegExp(`^${source.replace(/\./g, '\\.')}:\\d+:\\d+: \\S`);
  return (e: NasError): string | undefined => {
    if (e.code !== 'invalid-space') return `code ${e.code}`;
    const lines = e.message.split('\n');
    if (lines.length > 21) return `${lines.length} lines`;
    const bad = lines.find((l) => !line.test(l));
    return bad === undefined ? undefined : `line without position: ${JSON.stringify(bad)}`;
  };
}

/** What a parsed space must do without throwing anything but a NasError about a sample's graph. */
function exercise(space: CustomSpace, seed: number): void {
  if (space.count() < 1n) throw new Error(`count ${space.count()}`);
  const rng = new Rng(seed);
  const input = space.spec.input ?? [8, 8, 3];
  for (let i = 0; i < 3; i++) {
    const s = i === 0 ? space.canonical(space.dims.map(() => 0)) : space.sample(rng);
    const a = space.freeze(s);
    let back;
    try {
      back = space.parse(a.key);
    } catch (e) {
      throw new Error(`own key does not parse: ${a.key}: ${(e as Error).message}`, { cause: e });
    }
    if (JSON.stringify(back) !== JSON.stringify(a.sample)) throw new Error(`key round trip changed the sample: ${a.key}`);
    const m = space.mutate(a.sample, rng);
    if (space.validate(m)) throw new Error(`mutate gave an invalid sample for ${a.key}`);
    try {
      graphCost(buildGraph(space, a, { input, classes: 3 }));
    } catch (e) {
      if (!(e instanceof NasError) || e.message.includes('\n')) throw new Error(`graph of ${a.key}: ${(e as Error).stack}`, { cause: e });
    }
  }
}

// ------------------------------------------------------------------------------------------------
// Generators
// ------------------------------------------------------------------------------------------------

const wildScalar: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: -3, max: 80 }),
  fc.double({ noDefaultInfinity: false }),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 8 }),
  fc.constantFrom<unknown>(...ACTIVATIONS, ...CONNECTIONS, ...LAYER_OP_NAMES, 'Conv', 'relu7', '', '1e3', 1e300, -0, 2 ** 53),
);
const wild: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: wildScalar },
  { weight: 2, arbitrary: fc.array(wildScalar, { maxLength: 6 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 6 }), wildScalar, { maxKeys: 3 }) },
);
const small = fc.integer({ min: 1, max: 7 });
const oneOrMany = <T>(a: fc.Arbitrary<T>) => fc.oneof(a, fc.uniqueArray(a, { minLength: 1, maxLength: 4 }));
/** Plausible values per field, so that many documents are valid and reach the space and graph code. */
const plausible: Record<string, fc.Arbitrary<unknown>> = {
  op: oneOrMany(fc.constantFrom(...LAYER_OP_NAMES)),
  repeat: oneOrMany(fc.integer({ min: 1, max: 4 })),
  connection: oneOrMany(fc.constantFrom(...CONNECTIONS)),
  kernel: oneOrMany(small),
  filters: oneOrMany(fc.integer({ min: 1, max: 32 })),
  stride: oneOrMany(fc.integer({ min: 1, max: 3 })),
  expansion: oneOrMany(fc.constantFrom(1, 1.5, 3, 6)),
  se: oneOrMany(fc.boolean()),
  units: oneOrMany(fc.integer({ min: 1, max: 16 })),
  activation: oneOrMany(fc.constantFrom(...ACTIVATIONS)),
};
const field = (name: string, wildWeight: number) =>
  wildWeight === 0 ? (plausible[name] as fc.Arbitrary<unknown>) : fc.oneof({ weight: 4, arbitrary: plausible[name] as fc.Arbitrary<unknown> }, { weight: wildWeight, arbitrary: wild });

/** A layer; clean layers (wildWeight 0) only give params one of their ops accepts. */
const layer = (wildWeight: number) =>
  fc.uniqueArray(fc.constantFrom(...LAYER_OP_NAMES), { minLength: 1, maxLength: 3 }).chain((ops) => {
    const params = wildWeight === 0 ? OP_PARAM_NAMES.filter((p) => ops.some((o) => OP_PARAMS[o].includes(p))) : OP_PARAM_NAMES;
    return fc.record(
      {
        name: wildWeight === 0 ? fc.constantFrom('stem', 'body', 'a', 'b', 'c', 'head') : fc.oneof({ weight: 5, arbitrary: fc.constantFrom('stem', 'body', 'a', 'b', 'c', 'head') }, { weight: 1, arbitrary: wild }),
        op: wildWeight === 0 ? fc.constant(ops.length === 1 ? ops[0] : ops) : field('op', wildWeight),
        repeat: field('repeat', wildWeight),
        connection: field('connection', wildWeight),
        ...Object.fromEntries(params.map((p) => [p, field(p, wildWeight)])),
        ...(wildWeight === 0 ? {} : { extra: wild }),
      },
      { requiredKeys: ['name', 'op'] },
    );
  });

const documentOf = (wildWeight: number) =>
  fc.record(
    {
      name: wildWeight === 0 ? fc.constantFrom('fz', 'f.z-1') : fc.oneof({ weight: 5, arbitrary: fc.constantFrom('fz', 'f.z-1') }, { weight: 1, arbitrary: wild }),
      title: fc.oneof(fc.string({ maxLength: 10 }), ...(wildWeight === 0 ? [] : [wild])),
      input: wildWeight === 0 ? fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 4 })) : fc.oneof(fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 4 })), wild),
      connections: field('connection', wildWeight),
      layers: wildWeight === 0 ? fc.array(layer(0), { minLength: 1, maxLength: 5 }) : fc.oneof({ weight: 8, arbitrary: fc.array(layer(wildWeight), { minLength: 1, maxLength: 5 }) }, { weight: 1, arbitrary: wild }),
    },
    { requiredKeys: ['name', 'layers'] },
  );
/** Half clean documents (mostly valid: they reach the space and graph code), half with wild values. */
const document = fc.oneof(documentOf(0), documentOf(1));

/** A document value as text: JSON, block YAML or flow YAML. */
const rendered = fc.tuple(document, fc.constantFrom('json', 'yaml', 'flow')).map(([doc, how]) => ({
  source: how === 'json' ? 'fuzz.json' : 'fuzz.yaml',
  text: how === 'json' ? JSON.stringify(doc, null, 1) : stringify(doc, how === 'flow' ? { collectionStyle: 'flow' } : {}),
}));

const TOKENS = [':', ': ', '-', '- ', '[', ']', '{', '}', ',', '"', "'", '\n', '\n  ', '  ', '\t', '#', '&a ', '*a', '<<: *a', '!!str ', '!!binary ', '%YAML 1.2\n', '---\n', '...\n', '? ', '|\n', '>\n',
  'repeat: [1, 64, 65]', 'op: Identity', 'name: a', 'kernel: 0', 'filters: [1, 1]', 'null', '~', 'true', '1e400', '-1', '0x10', '.inf', '.nan', '\u0000', '\uFEFF', '😀'];
const edit = fc.record({
  at: fc.nat(),
  cut: fc.nat({ max: 12 }),
  insert: fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 6 }), fc.constant('')),
});
/** An example document with a few random edits (cut some characters, insert a token). */
const mutated = fc.tuple(fc.constantFrom(...EXAMPLES), fc.array(edit, { minLength: 1, maxLength: 4 })).map(([ex, edits]) => {
  let text = ex.text;
  for (const e of edits) {
    const at = e.at % (text.length + 1);
    text = text.slice(0, at) + e.insert + text.slice(at + e.cut);
  }
  return { source: ex.name.endsWith('.json') ? 'fuzz.json' : 'fuzz.yaml', text };
});

/** Lines of an example shuffled, duplicated or dropped: structure-level damage. */
const reshuffled = fc.tuple(fc.constantFrom(...EXAMPLES), fc.array(fc.tuple(fc.nat(), fc.nat(), fc.constantFrom('dup', 'drop', 'swap')), { minLength: 1, maxLength: 3 })).map(([ex, ops]) => {
  const lines = ex.text.split('\n');
  for (const [i, j, op] of ops) {
    const a = i % lines.length;
    const b = j % lines.length;
    if (op === 'dup') lines.splice(a, 0, lines[a] as string);
    else if (op === 'drop') lines.splice(a, 1);
    else [lines[a], lines[b]] = [lines[b] as string, lines[a] as string];
    if (lines.length === 0) lines.push('');
  }
  return { source: ex.name.endsWith('.json') ? 'fuzz.json' : 'fuzz.yaml', text: lines.join('\n') };
});

// ------------------------------------------------------------------------------------------------

const tallies: Tally[] = [];
afterAll(() => tallies.forEach(report));

function check(t: Tally, input: { source: string; text: string }, seed: number): void {
  classify(t, () => exercise(parseSpaceDocument(input.text, input.source), seed), readable(input.source));
}

describe('fuzz: space documents', () => {
  it('the examples are valid spaces (the mutations start from real documents)', () => {
    for (const ex of EXAMPLES) expect(() => exercise(parseSpaceDocument(ex.text, ex.name), 1), ex.name).not.toThrow();
  });

  const runs = fuzzRuns(400);
  it(`random structures as JSON, YAML and flow YAML (${runs} documents)`, () => {
    const t = tally('space documents: random structures');
    tallies.push(t);
    fc.assert(fc.property(rendered, fc.nat(), (doc, seed) => check(t, doc, seed)), { seed: FUZZ_SEED, numRuns: runs });
    expect(t.crashes + t.hangs + t.stackTraces).toBe(0);
    // The generators must reach both outcomes, or the fuzzing is blind on one side.
    expect(t.accepted, JSON.stringify(t)).toBeGreaterThan(runs / 20);
    expect(t.refused, JSON.stringify(t)).toBeGreaterThan(runs / 20);
  }, fuzzTimeout(runs));

  it(`random edits of the example documents (${runs} documents)`, () => {
    const t = tally('space documents: edited examples');
    tallies.push(t);
    fc.assert(fc.property(fc.oneof(mutated, reshuffled), fc.nat(), (doc, seed) => check(t, doc, seed)), { seed: FUZZ_SEED + 1, numRuns: runs });
    expect(t.crashes + t.hangs + t.stackTraces).toBe(0);
    expect(t.accepted).toBeGreaterThan(0);
    expect(t.refused).toBeGreaterThan(runs / 10);
  }, fuzzTimeout(runs));

  it('pathological documents: deep nesting, many aliases, huge lists, long names, big numbers', () => {
    const t = tally('space documents: pathological');
    tallies.push(t);
    const layers = (n: number, f: (i: number) => string) => `name: p\nlayers:\n${Array.from({ length: n }, (_, i) => `  - ${f(i)}`).join('\n')}\n`;
    const docs: [string, string][] = [
      ['deep flow lists', `name: p\nlayers: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`],
      ['deep flow maps', `name: p\nlayers: ${'{a: '.repeat(30_000)}1${'}'.repeat(30_000)}\n`],
      ['deep JSON', `{"name": "p", "layers": ${'['.repeat(50_000)}${']'.repeat(50_000)}}`],
      ['5,000 aliases of one anchor', layers(5000, (i) => `{name: l${i}, op: Conv2D, filters: ${i === 0 ? '&f [8, 16]' : '*f'}}`)],
      ['5,000 redefined anchors', layers(5000, (i) => `{name: l${i}, op: Conv2D, filters: &f [${i + 1}, ${i + 2}], kernel: *f}`)],
      ['100,000 choices', JSON.stringify({ name: 'p', layers: [{ name: 'c', op: 'Conv2D', filters: Array.from({ length: 100_000 }, (_, i) => i + 1) }] })],
      ['100,000 duplicate choices', JSON.stringify({ name: 'p', layers: [{ name: 'c', op: 'Conv2D', filters: Array.from({ length: 100_000 }, () => 3) }] })],
      ['20,000 layers', layers(20_000, (i) => `{name: l${i}, op: [Identity, Zero]}`)],
      ['20,000 bad layers', layers(20_000, (i) => `{name: l${i % 10}, op: Conv${i}}`)],
      ['repeat 64 everywhere', layers(200, (i) => `{name: l${i}, op: [Conv2D, Identity], repeat: [1, 64], kernel: [1, 3]}`)],
      ['a long name', `name: ${'n'.repeat(900_000)}\nlayers: [{name: a, op: Identity}]\n`],
      ['big numbers', layers(3, (i) => `{name: l${i}, op: Conv2D, kernel: ${['1e308', '9007199254740993', '0x7fffffffffffffff'][i]}}`)],
      ['over the size limit', `# ${'x'.repeat(1_000_001)}\n`],
    ];
    for (const [name, text] of docs) {
      const start = performance.now();
      check(t, { source: "fuzz.yaml", text }, name.length);
      console.log(`${name}: ${Math.round(performance.now() - start)} ms`);
    }
    expect(t.crashes + t.hangs + t.stackTraces, JSON.stringify(t)).toBe(0);
  }, 300_000);

  it(`arbitrary text (${runs} documents)`, () => {
    const t = tally('space documents: arbitrary text');
    tallies.push(t);
    const text = fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }), fc.json({ maxDepth: 4 }));
    fc.assert(fc.property(text, fc.boolean(), (s, json) => check(t, { source: json ? 'fuzz.json' : 'fuzz.yaml', text: s }, 0)), { seed: FUZZ_SEED + 2, numRuns: runs });
    expect(t.crashes + t.hangs + t.stackTraces).toBe(0);
  }, fuzzTimeout(runs));
});
