import { describe, expect, it } from 'vitest';
import type { OneShotRunInfo } from '../../api/index.js';
import { issueOf, toStartRequest } from './reducer.js';

const darts: OneShotRunInfo = {
  kind: 'darts', title: 'DARTS', summary: '', data: 'builtin:fashion-mnist', suggested: {},
  settings: [
    { name: 'order', meaning: '', default: '1', range: '1 | 2', kind: 'choice', choices: ['1', '2'] },
    { name: 'epochs', meaning: '', default: '10', range: '1..10000', kind: 'integer' },
    { name: 'arch-lr', meaning: '', default: '0.003', range: '0.000001..10', kind: 'number' },
  ],
};

describe('one-shot form', () => {
  it('sends the typed settings of its kind only, trimmed, and the name and data when given', () => {
    expect(toStartRequest({ run: 'darts', name: ' a ', data: '', settings: { epochs: ' 3 ', order: '', 'controller-steps': '5' } }, darts)).toEqual({ kind: 'darts', name: 'a', settings: { epochs: '3' } });
    expect(toStartRequest({ run: 'darts', name: '', data: '/d', settings: {} }, darts)).toEqual({ kind: 'darts', settings: { data: '/d' } });
  });
  it("puts main's refusal under the setting it names", () => {
    expect(issueOf("epochs must be a whole number in 1..10000, got '0'", darts, '')).toEqual({ field: 'epochs', message: "epochs must be a whole number in 1..10000, got '0'" });
    expect(issueOf("arch-lr must be a number in 0.000001..10, got 'x'", darts, '').field).toBe('arch-lr');
    expect(issueOf('/no/such: no such file or folder', darts, '/no/such').field).toBe('data');
    expect(issueOf('this workbench has no data folder', darts, '').field).toBe('');
  });
});
