import { NasError } from '../../../shared/errors.js';
import type { Architecture, Choice, Dimension, Sample } from '../../../shared/types/index.js';
import { DimensionalSpace } from '../search-space.js';

/** Options of an imported space: one categorical decision per parameter, its choices the values seen. */
export interface ImportedSpaceOptions {
  /** Where the trials came from, e.g. `optuna:/path/study.db#my-study`. */
  readonly source?: string;
  readonly params: readonly { readonly name: string; readonly choices: readonly Choice[] }[];
}

/**
 * The space of trials imported from another tool (an Optuna study's parameters): every parameter a
 * categorical decision whose choices are the values its trials took, in the order first seen. So an
 * imported study is charted, filtered and ranked like any other. Key: a JSON object of the parameters
 * in space order, e.g. `{"lr":0.01,"layers":3}`; a parameter a trial did not set has the choice "(unset)".
 */
export class ImportedSpace extends DimensionalSpace {
  readonly id = 'imported';
  readonly title: string;

  constructor(options: Readonly<Record<string, unknown>>) {
    const o = options as Partial<ImportedSpaceOptions>;
    if (!Array.isArray(o.params) || o.params.length === 0) throw new NasError('invalid-space', 'an imported space needs its parameters (params: [{ name, choices }])');
    const dims: Dimension[] = o.params.map((p, i) => {
      if (!p || typeof p.name !== 'string' || !Array.isArray(p.choices) || p.choices.length === 0) throw new NasError('invalid-space', `imported parameter ${i + 1} needs a name and at least one choice`);
      return { name: p.name, choices: p.choices.slice() };
    });
    super(dims);
    this.title = `imported${typeof o.source === 'string' ? ` from ${o.source}` : ''}`;
  }

  freeze(s: Sample): Architecture {
    this.assertValid(s);
    const obj: Record<string, Choice> = {};
    this.dims.forEach((d, i) => (obj[d.name] = d.choices[s[i] as number] as Choice));
    return { space: this.id, key: JSON.stringify(obj), sample: s.slice() };
  }

  parse(key: string): Sample {
    let obj: unknown;
    try {
      obj = JSON.parse(key);
    } catch (e) {
      throw new NasError('invalid-sample', `'${key.slice(0, 80)}' is not an imported-space key (a JSON object of parameters)`, { cause: e });
    }
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new NasError('invalid-sample', `'${key.slice(0, 80)}' is not an imported-space key (a JSON object of parameters)`);
    const rec = obj as Record<string, Choice>;
    const names = Object.keys(rec);
    if (names.length !== this.dims.length || this.dims.some((d, i) => names[i] !== d.name)) throw new NasError('invalid-sample', `'${key.slice(0, 80)}' does not have the parameters ${this.dims.map((d) => d.name).join(', ')} in that order`);
    return this.dims.map((d) => {
      const j = d.choices.findIndex((c) => c === rec[d.name]);
      if (j < 0) throw new NasError('invalid-sample', `parameter '${d.name}' has no choice ${JSON.stringify(rec[d.name])}`);
      return j;
    });
  }
}
