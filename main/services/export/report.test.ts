import { describe, expect, it } from 'vitest';
import type { StudyRecord, TrialRecord } from '../../../shared/types/index.js';
import { summarize } from '../../core/summary.js';
import { architectureFigure, fmtNum, renderReportHtml, type ReportData } from './report.js';

const study = (objectives: StudyRecord['spec']['objectives']): StudyRecord => ({
  id: '3', status: 'running', createdAt: 0, progress: { evals: 0, failed: 0, rejected: 0, costSeconds: 0, wallMs: 0 },
  spec: { name: 'n', space: 'mobilenet', strategy: 'random', objectives, constraints: [], report: [], budget: {}, seed: 1, evaluator: { kind: 'train' } },
});
const trial = (number: number, metrics: Record<string, number>, key = `w1:k3e1`): TrialRecord =>
  ({ studyId: '3', number, key, sample: [], state: 'complete', metrics, fidelity: {}, cost: 1, startedAt: 0 });

function data(s: StudyRecord, trials: TrialRecord[]): ReportData {
  return { study: s, trials, summary: summarize(trials, s.spec.objectives), curves: new Map(), latency: [], devices: [], artifacts: [], command: 'frontier search', version: '0', generatedAt: 0 };
}

describe('renderReportHtml', () => {
  it('a search without trials still renders every section, saying there is nothing yet', () => {
    const html = renderReportHtml(data(study([{ metric: 'a', direction: 'max' }, { metric: 'b', direction: 'min' }]), []));
    for (const id of ['front', 'trials-section', 'curves', 'architectures', 'devices', 'provenance', 'reproduce']) expect(html).toContain(`<section id="${id}">`);
    expect(html).toContain('No data for Pareto front.');
    expect(html).toContain('No complete trial yet.');
  });

  it('one objective: the best-so-far line instead of a front', () => {
    const html = renderReportHtml(data(study([{ metric: 'a', direction: 'max' }]), [trial(0, { a: 1 }), trial(1, { a: 3 }), trial(2, { a: 2 })]));
    expect(html).toContain('best so far');
    expect(html).toMatch(/<path d="M[^"]*H[^"]*V[^"]*" fill="none" stroke="#4f8cff"/); // a step line
    expect(html).toContain('<title>trial 1 w1:k3e1\na 3</title>');
  });

  it('escapes every text that comes from the database', () => {
    const s = { ...study([{ metric: 'a<x>', direction: 'max' as const }]), spec: { ...study([]).spec, name: '</title><script>alert(1)</script>', objectives: [{ metric: 'a<x>', direction: 'max' as const }] } };
    const html = renderReportHtml(data(s, [trial(0, { 'a<x>': 1 }, '<img src=x onerror=alert(1)>')]));
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;/title&gt;&lt;script&gt;');
  });
});

describe('architectureFigure', () => {
  it('draws NB201 cells as six edges, mobilenet keys as blocks, anything else as text', () => {
    const cell = architectureFigure('nb201', '|nor_conv_3x3~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|none~2|');
    expect(cell.match(/<path /g)).toHaveLength(6);
    expect(cell.match(/stroke-dasharray/g)).toHaveLength(2);
    const mb = architectureFigure('mobilenet', 'w0.5:k5e1-k7e3se/w1:k3e6');
    expect(mb.match(/class="block/g)).toHaveLength(3);
    expect(mb).toContain('7×7 · e3 · <b>SE</b>');
    expect(architectureFigure('custom', 'conv<3>')).toBe('<code>conv&lt;3&gt;</code>');
  });
});

describe('fmtNum', () => {
  it('keeps integers, trims decimals, shows four significant digits below 1', () => {
    expect([fmtNum(42), fmtNum(0.123456), fmtNum(12.5), fmtNum(1234.56), fmtNum(Number.NaN), fmtNum(undefined)]).toEqual(['42', '0.1235', '12.5', '1235', 'NaN', '']);
  });
});
