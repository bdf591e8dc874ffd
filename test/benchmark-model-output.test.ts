// Recorded benchmark_model output in every known format, each pinned to its expected parse
// (test/fixtures/benchmark_model/cases.json).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { latencyMs, parseBenchmarkOutput, parseDelegates } from '../main/core/benchmark/parse.js';

const dir = join(import.meta.dirname, 'fixtures', 'benchmark_model');
interface Case {
  file: string;
  source: string;
  delegatesOnly?: boolean;
  expect: Record<string, unknown>;
}
const { cases } = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as { cases: Case[] };

/** Relative comparison for numbers printed with 6 significant digits (2.95034e+06). */
function close(actual: unknown, expected: unknown, path: string): void {
  if (typeof expected === 'number') {
    expect(typeof actual, path).toBe('number');
    expect(Math.abs((actual as number) - expected), path).toBeLessThanOrEqual(Math.abs(expected) * 1e-5 + 1e-9);
  } else if (Array.isArray(expected)) {
    expect(Array.isArray(actual), path).toBe(true);
    expect((actual as unknown[]).length, `${path}.length`).toBe(expected.length);
    expected.forEach((e, i) => close((actual as unknown[])[i], e, `${path}[${i}]`));
  } else if (expected && typeof expected === 'object') {
    for (const [k, v] of Object.entries(expected)) close((actual as Record<string, unknown> | undefined)?.[k], v, `${path}.${k}`);
  } else expect(actual, path).toEqual(expected);
}

describe('benchmark_model output fixtures', () => {
  it('covers every case file in the folder', () => {
    expect(cases.length).toBeGreaterThanOrEqual(9);
  });
  for (const c of cases) {
    it(`${c.file} (${c.source})`, () => {
      const text = readFileSync(join(dir, c.file), 'utf8');
      if (c.delegatesOnly) {
        expect(() => parseBenchmarkOutput(text)).toThrow(/no benchmark timings/);
        close(parseDelegates(text), c.expect, c.file);
        return;
      }
      const parsed = parseBenchmarkOutput(text);
      const { opsCount, firstOp, nodeTypes0, latencyMs: lat, ...rest } = c.expect;
      close(parsed, rest, c.file);
      if (opsCount !== undefined) expect(parsed.ops).toHaveLength(opsCount as number);
      if (firstOp !== undefined) close(parsed.ops?.[0], firstOp, 'firstOp');
      if (nodeTypes0 !== undefined) close(parsed.nodeTypes?.[0], nodeTypes0, 'nodeTypes[0]');
      if (lat !== undefined) close(latencyMs(parsed), lat, 'latencyMs');
    });
  }
});
