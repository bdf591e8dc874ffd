import type { StateCreator } from 'zustand';
import { nas, type ModelExport, type StudyId, type StudyReportFile } from '../../api/index.js';
import type { NasStore } from '../index.js';
import { initialDeployState, type DeployState } from './initialState.js';
import { addExport } from './reducer.js';

export interface DeployActions {
  /** Lists the study's model exports (resets the slice when the study changes). */
  loadExports(id: StudyId): Promise<void>;
  /** Exports a trial's retrained model; the new export is listed first. Null with `exportError` set on failure. */
  exportModel(id: StudyId, number: number, format: ModelExport['format']): Promise<ModelExport | null>;
  /** Writes the study's report; resolves to it (with its HTML, to save) or null with `reportError` set. */
  writeReport(id: StudyId): Promise<StudyReportFile | null>;
}

export const createDeploySlice: StateCreator<NasStore, [], [], DeployState & DeployActions> = (set, get) => ({
  ...initialDeployState,
  async loadExports(id) {
    // A failed export of another screen is not this list's problem.
    set(get().deployStudy !== id ? { ...initialDeployState, deployStudy: id } : { exportError: null });
    try {
      const exports = await nas().deploy.exports({ id });
      if (get().deployStudy === id) set({ exports, exportsLoaded: true });
    } catch (e) {
      if (get().deployStudy === id) set({ exportsLoaded: true, exportError: (e as Error).message });
    }
  },
  async exportModel(id, number, format) {
    set({ exporting: format, exportError: null });
    try {
      const e = await nas().deploy.exportModel({ id, number, format });
      if (get().deployStudy === id) set({ exports: addExport(get().exports, e) });
      set({ exporting: null });
      return e;
    } catch (e) {
      set({ exporting: null, exportError: (e as Error).message });
      return null;
    }
  },
  async writeReport(id) {
    set({ reporting: true, reportError: null, report: null });
    try {
      const r = await nas().deploy.report({ id });
      const { html: _html, ...info } = r;
      if (get().deployStudy === id) set({ report: info });
      set({ reporting: false });
      return r;
    } catch (e) {
      set({ reporting: false, reportError: (e as Error).message });
      return null;
    }
  },
});
