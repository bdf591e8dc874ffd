import { readFileSync } from 'node:fs';
import path from 'node:path';
import { NasError } from '../../shared/errors.js';
import type { ModelExport, NasApi, StudyId, StudyReportFile } from '../../shared/ipc/contract.js';
import { s } from '../../shared/ipc/schema.js';
import { VERSION } from '../../shared/version.js';
import type { Store } from '../core/store.js';
import { listModelExports, modelExport } from '../services/export/model-exports.js';
import { findChromium, writeStudyReport } from '../services/export/study-report.js';
import { exportTrialModel, type ModelFormat } from '../services/export/trial-export.js';
import { ensureInheritedWeights } from '../services/train/supernet-inherit.js';
import type { ServiceSchemas } from './server.js';

type DeployApi = NasApi['deploy'];

export interface DeployOptions {
  /** The app's data folder: exports go to `exports/study<id>/`, reports to `reports/` (none: exports and reports are refused). */
  readonly dataDir?: string;
  /** Where the database is (shown in reports under provenance). */
  readonly source?: string;
  /** Environment to find Chromium in for the PDF (PATH, FRONTIER_CHROMIUM). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly now?: () => number;
}

const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace('T', '-').replace(/\.\d+Z$/, '');
const EXT: Readonly<Record<ModelFormat, string>> = { onnx: '.onnx', tflite: '.tflite', tfjs: '-tfjs' };

/**
 * The `deploy` namespace (issue #15): a trial's model exports (what `frontier export --trial N`
 * writes) listed with their loading snippets, exported from the Trial screen into the app's data
 * folder, and the study's self-contained report (what `frontier report` writes).
 */
export class DeployService implements DeployApi {
  constructor(
    private readonly store: Store,
    private readonly opts: DeployOptions,
  ) {}

  private dir(what: string): string {
    if (!this.opts.dataDir) throw new NasError('invalid-input', `this workbench has no data folder to write ${what} to (its database is in memory): use 'frontier export' / 'frontier report' with --out`);
    return this.opts.dataDir;
  }

  private rec(id: StudyId) {
    const rec = this.store.getStudy(id);
    if (!rec) throw new NasError('not-found', `no study with id '${id}'`);
    return rec;
  }

  async exports({ id, number }: { id: StudyId; number?: number }): Promise<ModelExport[]> {
    this.rec(id);
    return listModelExports(this.store, id, number);
  }

  async exportModel({ id, number, format }: { id: StudyId; number: number; format: ModelFormat }): Promise<ModelExport> {
    const rec = this.rec(id);
    const now = (this.opts.now ?? Date.now)();
    const out = path.join(this.dir('exports'), 'exports', `study${rec.id}`, `trial${number}-${stamp(now)}${EXT[format]}`);
    await ensureInheritedWeights(this.store, rec.id, number, { now: () => now });
    const r = exportTrialModel(this.store, { studyId: rec.id, trial: number, format, out, now });
    return modelExport(r.artifact, r.graph);
  }

  async report({ id }: { id: StudyId }): Promise<StudyReportFile> {
    const rec = this.rec(id);
    const now = (this.opts.now ?? Date.now)();
    const fileName = `frontier-study${rec.id}-${stamp(now)}.html`;
    const out = path.join(this.dir('reports'), 'reports', fileName);
    const chromium = findChromium(this.opts.env ?? process.env);
    let written;
    let pdfError: string | undefined;
    try {
      written = await writeStudyReport(this.store, rec.id, { out, version: VERSION, now, ...(this.opts.source ? { source: this.opts.source } : {}), ...(typeof chromium === 'string' ? { chromium } : {}) });
    } catch (e) {
      // The HTML is written before the PDF is printed: a failed print still gives the report.
      const html = this.store.listArtifacts(rec.id).find((a) => a.kind === 'report' && a.path === out);
      if (!html || typeof chromium !== 'string') throw e;
      written = { html };
      pdfError = (e as Error).message;
    }
    const pdf = written.pdf
      ? { path: written.pdf.path, bytes: written.pdf.bytes, sha256: written.pdf.sha256, base64: readFileSync(written.pdf.path).toString('base64') }
      : { missing: pdfError ?? (typeof chromium === 'string' ? 'not printed' : chromium.missing) };
    return { path: out, fileName, bytes: written.html.bytes, sha256: written.html.sha256, html: readFileSync(out, 'utf8'), pdf };
  }
}

const id = s.string({ min: 1, max: 20, pattern: /^\d+$/ });

export const DEPLOY_SCHEMAS: ServiceSchemas<'deploy'> = {
  exports: s.object({ id, number: s.optional(s.number({ integer: true, min: 0 })) }),
  exportModel: s.object({ id, number: s.number({ integer: true, min: 0 }), format: s.literal('onnx', 'tfjs', 'tflite') }),
  report: s.object({ id }),
};
