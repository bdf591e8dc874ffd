import type { StudySpec } from '../../../shared/types/index.js';

interface ScaleSettings {
  readonly source?: { readonly studyId?: string; readonly trial?: number };
  readonly targets?: readonly string[];
  readonly coefficients?: { readonly alpha: number; readonly beta: number; readonly gamma: number };
  readonly settings?: Readonly<Record<string, string | number>>;
}

const FLAGS: readonly [string, string][] = [['grid', 'grid'], ['tolerance', 'tolerance'], ['gridMin', 'grid-min'], ['gridEpochs', 'grid-epochs'], ['gridTrain', 'grid-train'], ['epochs', 'epochs'], ['maxTrain', 'max-train'], ['divisor', 'divisor'], ['backend', 'backend'], ['runs', 'runs'], ['warmup', 'warmup'], ['repeats', 'repeats'], ['phoneWait', 'phone-wait']];

/** The `frontier scale` command line that made a compound-scaling study (space `scaled`), its words quoted by `q`. */
export function scaleReproduceCommand(spec: StudySpec, q: (word: string) => string): string {
  const o = (spec.strategyOptions ?? {}) as ScaleSettings;
  const args = ['frontier', 'scale', o.source?.studyId ?? 'SOURCE', '--trial', String(o.source?.trial ?? 'N'), '--targets', (o.targets ?? []).join(',')];
  if (o.coefficients) args.push('--coefficients', `${o.coefficients.alpha},${o.coefficients.beta},${o.coefficients.gamma}`);
  for (const [k, flag] of FLAGS) if (o.settings?.[k] !== undefined) args.push(`--${flag}`, String(o.settings[k]));
  args.push('--name', spec.name);
  return args.map(q).join(' ');
}
