import path from 'node:path';
import { errorMessage, NasError } from '../../../shared/errors.js';
import { findChromium, writeStudyReport } from '../../services/export/study-report.js';
import { flag, parse, str } from '../args.js';
import { DB_OPTION, dbPath, openStore, requireStudy } from '../common.js';
import { UsageError, type CliIO } from '../io.js';
import { VERSION } from '../main.js';

export { reproduceCommand } from '../../services/export/study-report.js';

export const REPORT_HELP = `Usage: frontier report <id> --out FILE.html [--pdf] [--db PATH]

Writes one self-contained HTML file about a search: the Pareto front (SVG chart), every trial (a
sortable table), learning curves, the front's architectures, devices and latency, provenance
(settings, progress, exports with checksums) and the command that reproduces the search. It has no
external references (a Content-Security-Policy forbids any request), so it opens offline in any
browser and can be mailed or archived. The report is recorded in the database with its SHA-256.

Options:
  --out FILE.html     where to write the report
  --pdf               also print it to FILE.pdf with Chromium (headless); FRONTIER_CHROMIUM
                      names the browser binary (default: chromium, chromium-browser or google-chrome on PATH)
`;

export async function reportCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const p = parse('report', argv, { ...DB_OPTION, out: { type: 'string', short: 'o' }, pdf: { type: 'boolean' } }, 1);
  if (flag(p, 'help')) {
    io.out(REPORT_HELP);
    return 0;
  }
  const out = str(p, 'out');
  if (!out) throw new UsageError(`report: give --out FILE.html`);
  const file = path.resolve(io.cwd, out);
  const chromium = flag(p, 'pdf') ? findChromium(io.env) : undefined;
  if (chromium && typeof chromium !== 'string') throw new UsageError(`report: --pdf needs Chromium: ${chromium.missing}`);
  const db = dbPath(io, str(p, 'db'));
  const store = openStore(io, str(p, 'db'));
  try {
    const rec = requireStudy(store, p.positionals[0], 'report');
    let written;
    try {
      written = await writeStudyReport(store, rec.id, { out: file, version: VERSION, source: db, ...(typeof chromium === 'string' ? { chromium } : {}) });
    } catch (e) {
      throw e instanceof NasError ? new UsageError(`report: ${e.message}`) : new UsageError(`report: ${errorMessage(e)}`);
    }
    io.out(`wrote the report of study ${rec.id} to ${file} (${written.html.bytes} bytes, self-contained)\n`);
    if (written.pdf) io.out(`printed it to ${written.pdf.path} (${written.pdf.bytes} bytes)\n`);
    return 0;
  } finally {
    store.close();
  }
}
