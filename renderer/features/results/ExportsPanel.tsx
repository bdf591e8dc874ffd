import { useEffect, useRef, useState } from 'react';
import type { ModelExport, StudyId } from '../../api/index.js';
import { useNas } from '../../store/index.js';
import { fmtBytes, settingsText, shortSha } from '../../store/deploy/reducer.js';
import { fmtTime } from '../common/format.js';
import { Empty, ErrorNote, Panel } from '../common/widgets.js';
import './exports.css';

const FORMATS: { id: ModelExport['format']; label: string }[] = [
  { id: 'tflite', label: 'TFLite (Android)' },
  { id: 'onnx', label: 'ONNX (onnxruntime)' },
  { id: 'tfjs', label: 'TensorFlow.js (browser)' },
];

/** A snippet with a Copy button: the clipboard where the page may write it, else the text selected for Ctrl+C. */
function Snippet({ e }: { e: ModelExport }) {
  const pre = useRef<HTMLPreElement>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(e.snippet);
      setCopied('Copied');
    } catch {
      const sel = window.getSelection();
      if (pre.current && sel) {
        sel.selectAllChildren(pre.current);
        setCopied('Selected: press Ctrl+C');
      }
    }
  };
  return (
    <div className="snippet" data-testid="export-snippet">
      <div className="snippet-head small">
        <span>Load it in <b>{e.runtime}</b>:</span>
        <button type="button" onClick={() => void copy()} aria-label={`Copy the ${e.runtime} snippet`}>
          Copy
        </button>
        {copied ? <span className="muted" role="status">{copied}</span> : null}
      </div>
      <pre ref={pre}>{e.snippet}</pre>
    </div>
  );
}

/**
 * A study's model exports (format, trial, settings, checksum, path, date), each with the code that
 * loads it; on a trial's screen (`number`), an Export action for that trial and its exports shown.
 */
export function ExportsPanel({ id, number }: { id: StudyId; number?: number }) {
  const all = useNas((s) => s.exports);
  const loaded = useNas((s) => s.exportsLoaded);
  const exporting = useNas((s) => s.exporting);
  const error = useNas((s) => s.exportError);
  const { loadExports, exportModel } = useNas.getState();
  const [format, setFormat] = useState<ModelExport['format']>('tflite');
  const [open, setOpen] = useState<string | null>(null);
  useEffect(() => {
    void loadExports(id);
  }, [id, loadExports]);
  const list = number === undefined ? all : all.filter((e) => e.trial === number);
  const title = number === undefined ? 'Model exports' : `Exports of trial ${number}`;
  return (
    <Panel title={title} className="wide">
      {number !== undefined ? (
        <form
          className="exports-form"
          aria-label="Export this trial"
          onSubmit={(ev) => {
            ev.preventDefault();
            void exportModel(id, number, format).then((e) => e && setOpen(e.path));
          }}
        >
          <label>
            Format{' '}
            <select value={format} onChange={(ev) => setFormat(ev.target.value as ModelExport['format'])} aria-label="Export format">
              {FORMATS.map((f) => (
                <option key={f.id} value={f.id}>
                  {f.label}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className="primary" disabled={exporting !== null}>
            {exporting ? `Exporting ${exporting}…` : 'Export'}
          </button>
          <span className="muted small">From the trial&apos;s retrained weights (frontier retrain), into the app&apos;s data folder; recorded with its checksum.</span>
        </form>
      ) : null}
      <ErrorNote message={error} />
      {list.length > 0 ? (
        <table className="grid compact exports-table" aria-label={title}>
          <thead>
            <tr>
              <th>Format</th>
              <th>Trial</th>
              <th>Settings</th>
              <th>SHA-256</th>
              <th>Path</th>
              <th>Date</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.flatMap((e) => {
              const shown = open === e.path;
              const rows = [
                <tr key={e.path} data-export={e.format}>
                  <td>{e.format}</td>
                  <td>
                    <a href={`#/study/${id}/trial/${e.trial}`}>{e.trial}</a>
                  </td>
                  <td className="small">{settingsText(e)}</td>
                  <td>
                    <code title={e.sha256}>{shortSha(e.sha256)}</code>
                  </td>
                  <td className="path small">
                    <code>{e.path}</code> <span className="muted">({fmtBytes(e.bytes)})</span>
                  </td>
                  <td className="small">{fmtTime(e.createdAt)}</td>
                  <td>
                    <button type="button" aria-expanded={shown} onClick={() => setOpen(shown ? null : e.path)}>
                      {shown ? 'Hide code' : 'Code'}
                    </button>
                  </td>
                </tr>,
              ];
              if (shown) {
                rows.push(
                  <tr key={`${e.path}-snippet`} className="snippet-row">
                    <td colSpan={7}>
                      <Snippet e={e} />
                    </td>
                  </tr>,
                );
              }
              return rows;
            })}
          </tbody>
        </table>
      ) : loaded ? (
        <Empty>
          {number === undefined ? 'No model of this search was exported yet: open a retrained trial and Export it, or run frontier export <id> --trial N --format onnx|tfjs|tflite.' : 'This trial was not exported yet.'}
        </Empty>
      ) : null}
    </Panel>
  );
}
