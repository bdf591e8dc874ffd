import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './io.js';

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

/**
 * A value option followed by a negative number (`--budget-evals -5`) becomes `--budget-evals=-5`, so
 * the value reaches the option's own check ("must be ≥ 1, got '-5'") instead of parseArgs's
 * three-line "argument is ambiguous" error.
 */
function joinNegativeValues(argv: readonly string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const next = argv[i + 1];
    if (a === '--') return [...out, ...argv.slice(i)];
    const name = a.startsWith('--') ? a.slice(2) : undefined;
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** node:util parseArgs with errors turned into one-line usage errors naming the command. */
export function parse(command: string, argv: readonly string[], options: Options, maxPositionals = 0): Parsed {
  let parsed: Parsed;
  try {
    const args = joinNegativeValues(argv, options);
    parsed = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true }) as Parsed;
  } catch (e) {
    // parseArgs explains some errors over several lines: keep the first sentence, on one line.
    const msg = (e as Error).message.replace(/\. To specify a positional argument.*$/s, '').split('\n')[0]?.trim().replace(/\.$/, '');
    throw new UsageError(`${command}: ${msg} (see 'frontier ${command} --help')`);
  }
  if (!parsed.values.help && parsed.positionals.length > maxPositionals) {
    throw new UsageError(`${command}: unexpected argument '${parsed.positionals[maxPositionals]}' (see 'frontier ${command} --help')`);
  }
  return parsed;
}

export function str(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function list(p: Parsed, name: string): string[] {
  const v = p.values[name];
  return Array.isArray(v) ? (v as string[]) : typeof v === 'string' ? [v] : [];
}

export function flag(p: Parsed, name: string): boolean {
  return p.values[name] === true;
}

export function num(p: Parsed, name: string, opts: { integer?: boolean; min?: number; max?: number } = {}): number | undefined {
  const raw = str(p, name);
  if (raw === undefined) return undefined;
  const v = Number(raw);
  const { min, max } = opts;
  if (raw.trim() === '' || !Number.isFinite(v) || (opts.integer && !Number.isSafeInteger(v)) || (min !== undefined && v < min) || (max !== undefined && v > max)) {
    const what = opts.integer ? 'a whole number' : 'a number';
    const range = min !== undefined && max !== undefined ? ` in ${min}..${max}` : min !== undefined ? ` ≥ ${min}` : max !== undefined ? ` ≤ ${max}` : '';
    throw new UsageError(`--${name} must be ${what}${range}, got '${raw}'`);
  }
  return v;
}

/** `90`, `90s`, `10m`, `1h30m`, `1.5h` → milliseconds. */
export function parseDuration(text: string): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
  const re = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)/gy;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  let total = 0;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(t)) !== null) {
    total += Number(m[1]) * (unit[m[2] as string] as number);
    end = re.lastIndex;
  }
  if (end !== t.length || end === 0) throw new UsageError(`'${text}' is not a duration (examples: 90s, 10m, 1h30m)`);
  return total;
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
