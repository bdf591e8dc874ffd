import type { StudyId } from '../../api/index.js';
import { useNas } from '../../store/index.js';
import { fmtBytes, shortSha } from '../../store/deploy/reducer.js';
import { download } from '../common/download.js';
import './exports.css';

const fromBase64 = (b: string) => Uint8Array.from(atob(b), (c) => c.charCodeAt(0));

/** The Report button of a study's toolbar: writes the self-contained HTML report (and PDF) and saves the HTML. */
export function ReportButton({ id }: { id: StudyId }) {
  const reporting = useNas((s) => s.reporting);
  const { writeReport } = useNas.getState();
  return (
    <button
      type="button"
      disabled={reporting}
      title="Write one self-contained HTML report of this search (and a PDF where Chromium is installed), as frontier report does"
      onClick={() =>
        void writeReport(id).then((r) => {
          if (r) download(r.fileName, r.html, 'text/html');
        })
      }
    >
      {reporting ? 'Writing the report…' : 'Report'}
    </button>
  );
}

/** What the last Report wrote (paths, sizes, checksums), with the PDF to save. */
export function ReportResult({ id }: { id: StudyId }) {
  const report = useNas((s) => (s.deployStudy === id ? s.report : null));
  const error = useNas((s) => s.reportError);
  if (error) return <p className="error-note" role="alert">The report could not be written: {error}</p>;
  if (!report) return null;
  const pdf = report.pdf;
  return (
    <div className="note report-result" data-testid="report-result">
      <span>
        Report written to <code>{report.path}</code> ({fmtBytes(report.bytes)}, SHA-256 <code title={report.sha256}>{shortSha(report.sha256)}</code>): self-contained, opens offline in any browser.
      </span>
      {'missing' in pdf ? (
        <span className="muted small">No PDF: {pdf.missing}</span>
      ) : (
        <span>
          PDF: <code>{pdf.path}</code> ({fmtBytes(pdf.bytes)}){' '}
          <button type="button" onClick={() => download(report.fileName.replace(/\.html$/, '.pdf'), fromBase64(pdf.base64), 'application/pdf')}>
            Save PDF
          </button>
        </span>
      )}
    </div>
  );
}
