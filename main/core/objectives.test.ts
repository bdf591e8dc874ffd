import { describe, expect, it } from 'vitest';
import { NasError } from '../../shared/errors.js';
import type { ConstraintSpec } from '../../shared/types/index.js';
import { formatConstraint, objectiveValues, parseConstraint, parseObjective, satisfies, violated } from './objectives.js';

function errorOf(f: () => unknown): NasError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(NasError);
    return e as NasError;
  }
  throw new Error('expected an error');
}

describe('parseObjective', () => {
  it('reads METRIC:min and METRIC:max, metrics may contain colons', () => {
    expect(parseObjective('c10_valid_12ep:max')).toEqual({ metric: 'c10_valid_12ep', direction: 'max' });
    expect(parseObjective(' params:min ')).toEqual({ metric: 'params', direction: 'min' });
    expect(parseObjective('latency:pixel3:min')).toEqual({ metric: 'latency:pixel3', direction: 'min' });
  });

  for (const bad of ['acc', 'acc:', ':min', 'acc:MAX', 'acc:minimize', 'acc max', '', 'latency:pixel3']) {
    it(`rejects '${bad}' with a readable invalid-input error`, () => {
      const e = errorOf(() => parseObjective(bad));
      expect(e.code).toBe('invalid-input');
      expect(e.message).toBe(`objective '${bad}' must be METRIC:min or METRIC:max`);
    });
  }
});

describe('parseConstraint', () => {
  const good: [string, ConstraintSpec][] = [
    ['latency:pixel3 <= 5', { metric: 'latency:pixel3', op: '<=', value: 5 }],
    ['params<=1e6', { metric: 'params', op: '<=', value: 1e6 }],
    ['  acc >= 0.9  ', { metric: 'acc', op: '>=', value: 0.9 }],
    ['x < -2.5', { metric: 'x', op: '<', value: -2.5 }],
    ['x > .5', { metric: 'x', op: '>', value: 0.5 }],
    ['x == 3', { metric: 'x', op: '==', value: 3 }],
    ['flops <= 2.5E+8', { metric: 'flops', op: '<=', value: 2.5e8 }],
    ['y>=+4.', { metric: 'y', op: '>=', value: 4 }],
  ];
  for (const [text, want] of good) {
    it(`parses '${text}'`, () => {
      expect(parseConstraint(text)).toEqual(want);
    });
  }

  for (const bad of ['latency', 'latency <=', '<= 5', 'x = 5', 'x => 5', 'x =< 5', 'x <= five', 'x <= 5 6', 'x <= 1e', 'x != 3', 'a b <= 3', 'x <= Infinity', 'x <= NaN']) {
    it(`rejects '${bad}'`, () => {
      const e = errorOf(() => parseConstraint(bad));
      expect(e.code).toBe('invalid-input');
      expect(e.message).toContain(`constraint '${bad}' must look like 'METRIC <= NUMBER'`);
      expect(e.message).toContain('<=, <, >=, >, ==');
    });
  }

  it('formats back to a parseable string', () => {
    for (const [text] of good) {
      const c = parseConstraint(text);
      expect(parseConstraint(formatConstraint(c))).toEqual(c);
    }
    expect(formatConstraint({ metric: 'lat', op: '<', value: 3.5 })).toBe('lat < 3.5');
  });
});

describe('satisfies / violated', () => {
  it('implements each operator, boundaries included', () => {
    const c = (op: ConstraintSpec['op']): ConstraintSpec => ({ metric: 'm', op, value: 2 });
    const table: [ConstraintSpec['op'], boolean, boolean, boolean][] = [
      // op,   1,     2,     3
      ['<=', true, true, false],
      ['<', true, false, false],
      ['>=', false, true, true],
      ['>', false, false, true],
      ['==', false, true, false],
    ];
    for (const [op, a, b, d] of table) {
      expect([satisfies(1, c(op)), satisfies(2, c(op)), satisfies(3, c(op))], op).toEqual([a, b, d]);
    }
  });

  it('NaN satisfies nothing', () => {
    for (const op of ['<=', '<', '>=', '>', '=='] as const) expect(satisfies(NaN, { metric: 'm', op, value: 0 })).toBe(false);
  });

  it('lists the violated constraints, in order, skipping metrics that are absent', () => {
    const cs: ConstraintSpec[] = [
      { metric: 'lat', op: '<=', value: 5 },
      { metric: 'params', op: '<', value: 1 },
      { metric: 'acc', op: '>=', value: 0.9 },
      { metric: 'unknown', op: '<=', value: 0 },
    ];
    expect(violated({ lat: 5, params: 0.5, acc: 0.95 }, cs)).toEqual([]);
    expect(violated({ lat: 6, params: 1, acc: 0.95 }, cs)).toEqual([cs[0], cs[1]]);
    expect(violated({ acc: 0.5 }, cs)).toEqual([cs[2]]);
    expect(violated({ lat: NaN }, cs)).toEqual([cs[0]]);
    expect(violated({}, cs)).toEqual([]);
    expect(violated({ lat: 100 }, [])).toEqual([]);
    // A metric named like an Object.prototype member is still "absent" unless reported.
    expect(violated({}, [{ metric: 'toString', op: '<=', value: 1 }])).toEqual([]);
  });
});

describe('objectiveValues', () => {
  const objs = [
    { metric: 'acc', direction: 'max' as const },
    { metric: 'lat', direction: 'min' as const },
  ];
  it('returns raw values in objective order', () => {
    expect(objectiveValues({ lat: 3, acc: 0.9, other: 1 }, objs)).toEqual([0.9, 3]);
    expect(objectiveValues({ lat: -0, acc: 0 }, objs)).toEqual([0, -0]);
  });
  it('explains why values are unusable', () => {
    expect(objectiveValues({ lat: 3 }, objs)).toBe(`objective metric 'acc' was not reported`);
    expect(objectiveValues({ acc: NaN, lat: 3 }, objs)).toBe(`objective metric 'acc' is NaN`);
    expect(objectiveValues({ acc: 0.5, lat: Infinity }, objs)).toBe(`objective metric 'lat' is Infinity`);
    expect(objectiveValues({ acc: 0.5, lat: -Infinity }, objs)).toBe(`objective metric 'lat' is -Infinity`);
    expect(objectiveValues({}, [{ metric: 'constructor', direction: 'min' }])).toBe(`objective metric 'constructor' was not reported`);
  });
});
