import { NasError } from '../../shared/errors.js';
import type { Architecture, Metrics } from '../../shared/types/index.js';
import { delay, type CancellationToken } from './cancellation.js';
import type { EvaluationResult, Evaluator } from './evaluator.js';
import type { SearchSpace } from './search-space.js';
import { Nb201Space } from './spaces/nb201.js';
import { oneLine, quoteText } from './text.js';

/** A parsed CSV: header and rows of raw strings. */
export interface CsvTable {
  readonly source: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** 1-based source line of each row (blank lines are skipped, so this is not always index + 2). */
  readonly lines?: readonly number[];
}

function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((c) => c.trim());
}

export function parseCsv(text: string, source: string): CsvTable {
  const lines = text.split(/\r?\n/);
  const header = lines[0]?.trim() ? splitCsvLine(lines[0]) : [];
  if (header.length === 0 || header.every((h) => h === '')) throw new NasError('invalid-input', `${source}: empty file or missing header line`);
  const seen = new Set<string>();
  const dup = header.find((h) => seen.size === seen.add(h).size);
  if (dup) throw new NasError('invalid-input', `${source}:1: column ${quoteText(dup)} appears twice`);
  const rows: string[][] = [];
  const rowLines: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === '') continue;
    const cells = splitCsvLine(line);
    if (cells.length !== header.length) {
      throw new NasError('invalid-input', `${source}:${i + 1}: expected ${header.length} fields, found ${cells.length}`);
    }
    rows.push(cells);
    rowLines.push(i + 1);
  }
  return { source, columns: header, rows, lines: rowLines };
}

const KEY_COLUMNS = ['index', 'arch_str'];

/** Where a cell or a row of a table is: the file and its 1-based line. */
export interface TablePlace {
  readonly source: string;
  readonly line: number;
}

/** Metric tables joined into one row of numbers per architecture key. */
export interface JoinedTable {
  readonly rows: ReadonlyMap<string, Metrics>;
  /** Numeric columns, each with the table it came from. */
  readonly columns: ReadonlyMap<string, string>;
  /** Where each key was first given. */
  readonly origins?: ReadonlyMap<string, TablePlace>;
  /**
   * Columns that are not metrics because a cell is not a number ('NaN', 'n/a', text), each with its
   * first such cell: asking for one of them is an error naming that cell.
   */
  readonly nonNumeric?: ReadonlyMap<string, TablePlace & { readonly value: string }>;
}

/**
 * Joins tables on `arch_str` (the architecture key) or on `index`; a table keyed by `index` alone
 * needs another table that maps index to arch_str. Numeric columns (every cell a finite number or
 * empty, for a missing value) become metrics; a column name may appear in one table only, and a key
 * once per table (a second row would silently overwrite the first).
 */
export function joinTables(tables: readonly CsvTable[]): JoinedTable {
  const indexToKey = new Map<string, string>();
  for (const t of tables) {
    const ii = t.columns.indexOf('index');
    const ai = t.columns.indexOf('arch_str');
    if (ii >= 0 && ai >= 0) for (const r of t.rows) indexToKey.set(r[ii] as string, r[ai] as string);
  }
  const rows = new Map<string, Record<string, number>>();
  const columns = new Map<string, string>();
  const origins = new Map<string, TablePlace>();
  const nonNumeric = new Map<string, TablePlace & { value: string }>();
  for (const t of tables) {
    const ii = t.columns.indexOf('index');
    const ai = t.columns.indexOf('arch_str');
    if (ii < 0 && ai < 0) throw new NasError('invalid-input', `${t.source}: needs an 'index' or 'arch_str' column to join on`);
    const lineOf = (n: number) => t.lines?.[n] ?? n + 2;
    const numeric: { c: string; i: number }[] = [];
    t.columns.forEach((c, i) => {
      if (KEY_COLUMNS.includes(c) || t.rows.length === 0) return;
      const bad = t.rows.findIndex((r) => r[i] !== '' && !Number.isFinite(Number(r[i])));
      if (bad < 0) numeric.push({ c, i });
      else if (!nonNumeric.has(c)) nonNumeric.set(c, { source: t.source, line: lineOf(bad), value: t.rows[bad]?.[i] as string });
    });
    for (const { c } of numeric) {
      const other = columns.get(c);
      if (other !== undefined) throw new NasError('invalid-input', `column ${quoteText(c)} appears in both ${other} and ${t.source}`);
      columns.set(c, t.source);
    }
    const seen = new Map<string, number>();
    t.rows.forEach((r, n) => {
      const key = ai >= 0 ? (r[ai] as string) : indexToKey.get(r[ii] as string);
      if (key === undefined) {
        throw new NasError('invalid-input', `${t.source}:${lineOf(n)}: index ${oneLine(r[ii] as string)} has no arch_str in any table given`);
      }
      const first = seen.get(key);
      if (first !== undefined) {
        const what = ai >= 0 ? `arch_str ${quoteText(key, 160)}` : `index ${oneLine(r[ii] as string)} (arch_str ${quoteText(key, 160)})`;
        throw new NasError('invalid-input', `${t.source}:${lineOf(n)}: ${what} is given again (first on line ${first}); one row per architecture`);
      }
      seen.set(key, lineOf(n));
      if (!origins.has(key)) origins.set(key, { source: t.source, line: lineOf(n) });
      const row = rows.get(key) ?? {};
      for (const { c, i } of numeric) row[c] = r[i] === '' ? NaN : Number(r[i]);
      rows.set(key, row);
    });
  }
  for (const c of columns.keys()) nonNumeric.delete(c);
  return { rows, columns, origins, nonNumeric };
}

/** How many architectures of a space a table has, and the first row that is not one of them. */
export interface TableCoverage {
  /** Keys of the table that are architectures of the space (in its canonical key form). */
  readonly matched: number;
  readonly rows: number;
  /** Architectures in the space. */
  readonly spaceSize: bigint;
  readonly firstMismatch?: TablePlace & { readonly key: string; readonly reason: string };
}

export function tableCoverage(table: JoinedTable, space: SearchSpace): TableCoverage {
  let matched = 0;
  let firstMismatch: TableCoverage['firstMismatch'];
  for (const key of table.rows.keys()) {
    let reason: string | undefined;
    try {
      const canonical = space.freeze(space.parse(key)).key;
      if (canonical !== key) reason = `${quoteText(key, 160)} is written ${quoteText(canonical, 160)} in space ${space.id}`;
    } catch (e) {
      reason = e instanceof Error ? e.message : String(e);
    }
    if (reason === undefined) matched++;
    else if (!firstMismatch) {
      const at = table.origins?.get(key) ?? { source: 'table', line: 0 };
      firstMismatch = { ...at, key, reason };
    }
  }
  return { matched, rows: table.rows.size, spaceSize: space.count(), ...(firstMismatch && { firstMismatch }) };
}

/**
 * Refuses a table that has no architecture of the space (the wrong space, or the wrong table: every
 * trial would fail), and returns a warning when it has only some of them (trials of the others fail).
 */
export function checkTableCoverage(table: JoinedTable, space: SearchSpace): string | undefined {
  const c = tableCoverage(table, space);
  const m = c.firstMismatch;
  const short = (k: string) => oneLine(k.length > 200 ? `${k.slice(0, 197)}...` : k);
  const example = m ? `${m.source}:${m.line}: ${short(m.reason.split('\n')[0] as string)}` : '';
  if (c.rows === 0) throw new NasError('invalid-input', `the tables have no rows, so no architecture of space ${space.id} can be evaluated`);
  if (c.matched === 0) {
    const nb201 = new Nb201Space();
    const isNb201 = space.id !== nb201.id && m !== undefined && tableCoverage(table, nb201).matched > 0;
    const advice = isNb201 ? 'they are nb201 architectures: give --space nb201' : 'give the space the table was made for with --space';
    throw new NasError('invalid-input', `none of the ${c.rows.toLocaleString('en-US')} table rows is an architecture of space ${space.id} (${example}); ${advice}`);
  }
  if (BigInt(c.matched) >= c.spaceSize) return undefined;
  const pct = (100 * c.matched) / Number(c.spaceSize);
  const share = pct >= 0.1 ? `${pct.toFixed(1)}%` : 'less than 0.1%';
  const stray = c.rows - c.matched;
  return `the tables have ${c.matched.toLocaleString('en-US')} of the ${c.spaceSize.toLocaleString('en-US')} architectures of space ${space.id} (${share}): trials of the others fail${stray > 0 ? `; ${stray.toLocaleString('en-US')} row${stray === 1 ? ' is not an architecture' : 's are not architectures'} of it (${example})` : ''}`;
}

/** `COLUMN*FACTOR`, `COLUMN` or a constant number of seconds. */
export interface CostExpression {
  readonly column?: string;
  readonly factor: number;
}

export function parseCost(text: string): CostExpression {
  const t = text.trim();
  const bad = () => new NasError('invalid-input', `cost ${quoteText(text)} must be COLUMN*FACTOR, COLUMN or a number of seconds`);
  // `[0-9.]+` also admits '1.2.3' and '.', which Number() turns into NaN: check the value too.
  if (/^[0-9.]+(e[-+]?\d+)?$/i.test(t)) {
    const factor = Number(t);
    if (!Number.isFinite(factor)) throw bad();
    return { factor };
  }
  const m = /^([A-Za-z_][\w:.-]*)\s*(?:\*\s*([0-9.]+(?:e[-+]?\d+)?))?$/i.exec(t);
  if (!m) throw bad();
  const factor = m[2] === undefined ? 1 : Number(m[2]);
  if (!Number.isFinite(factor)) throw bad();
  return { column: m[1] as string, factor };
}

export interface TableEvaluatorOptions {
  /** Metrics to record for every trial (objectives, constraints, report columns). */
  readonly metrics: readonly string[];
  /** Columns known before evaluating (latency, params): constraints on them apply up front. */
  readonly known: ReadonlySet<string>;
  readonly cost?: CostExpression;
  /**
   * Replay in real time: wall seconds waited per simulated second of cost (0: answer at once).
   * Lets a table-driven search be watched live, like a real one.
   */
  readonly pace?: number;
}

/** The slowest replay: an hour of wall time per simulated second. */
export const MAX_PACE = 3600;

/** Answers from a table instead of training (tabular benchmarks such as NAS-Bench-201). */
export class TableEvaluator implements Evaluator {
  constructor(
    readonly table: JoinedTable,
    private readonly opts: TableEvaluatorOptions,
  ) {
    const pace = opts.pace;
    if (pace !== undefined && !(typeof pace === 'number' && pace >= 0 && pace <= MAX_PACE)) {
      throw new NasError('invalid-input', `pace must be a number in 0..${MAX_PACE} (wall seconds per simulated second), got ${String(pace)}`);
    }
    const names = [...opts.metrics, ...(opts.cost?.column ? [opts.cost.column] : [])];
    const missing = names.filter((m) => !table.columns.has(m));
    const at = missing[0] === undefined ? undefined : table.nonNumeric?.get(missing[0]);
    if (at) {
      const column = missing[0] as string;
      throw new NasError('invalid-input', `${at.source}:${at.line}: column ${quoteText(column)} holds ${quoteText(at.value)}, which is not a number (leave the cell empty for a missing value)`);
    }
    if (missing.length > 0) {
      const all = [...table.columns.keys()].map((c) => (c.length > 40 ? `${c.slice(0, 37)}...` : c));
      const cols = all.length > 30 ? `${all.slice(0, 30).join(', ')}, … ${all.length - 30} more` : all.join(', ');
      throw new NasError('invalid-input', `no table has a column ${quoteText(missing[0] as string)} (columns: ${oneLine(cols)})`);
    }
  }

  private row(a: Architecture): Metrics | undefined {
    return this.table.rows.get(a.key);
  }

  known(a: Architecture): Metrics {
    const row = this.row(a);
    const out: Record<string, number> = {};
    if (row) for (const m of this.opts.metrics) if (this.opts.known.has(m) && m in row) out[m] = row[m] as number;
    return out;
  }

  estimateCost(a: Architecture): number | undefined {
    const row = this.row(a);
    const c = this.opts.cost;
    if (!c) return 0;
    if (!c.column) return c.factor;
    const v = row?.[c.column];
    return v === undefined || Number.isNaN(v) ? undefined : v * c.factor;
  }

  async evaluate(a: Architecture, _report: unknown, token: CancellationToken): Promise<EvaluationResult> {
    const row = this.row(a);
    if (!row) throw new NasError('not-found', `architecture ${a.key} is not in the table`);
    const pace = this.opts.pace ?? 0;
    if (pace > 0) await delay((this.estimateCost(a) ?? 0) * pace * 1000, token);
    const metrics: Record<string, number> = {};
    for (const m of this.opts.metrics) metrics[m] = row[m] as number;
    return { metrics, fidelity: 'table', cost: this.estimateCost(a) ?? 0 };
  }
}
