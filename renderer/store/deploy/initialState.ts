import type { ModelExport, StudyId, StudyReportFile } from '../../api/index.js';

/** A written report as the screen keeps it (its HTML is saved when written, not kept). */
export type ReportInfo = Omit<StudyReportFile, 'html'>;

export interface DeployState {
  /** The study whose exports are listed. */
  readonly deployStudy: StudyId | null;
  /** Its model exports, newest first. */
  readonly exports: readonly ModelExport[];
  readonly exportsLoaded: boolean;
  /** An export in flight (its format). */
  readonly exporting: ModelExport['format'] | null;
  /** Why the last export or listing failed, or null. */
  readonly exportError: string | null;
  /** The last report written for `deployStudy`. */
  readonly report: ReportInfo | null;
  readonly reporting: boolean;
  readonly reportError: string | null;
}

export const initialDeployState: DeployState = {
  deployStudy: null, exports: [], exportsLoaded: false, exporting: null, exportError: null, report: null, reporting: false, reportError: null,
};
