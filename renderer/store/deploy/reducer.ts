import type { ModelExport } from '../../api/index.js';

/** The list with a new export first (an entry for the same path replaced). */
export function addExport(list: readonly ModelExport[], e: ModelExport): ModelExport[] {
  return [e, ...list.filter((x) => x.path !== e.path)];
}

/** The settings worth a glance in the list (not the weights' provenance, which the title shows). */
export function settingsText(e: Pick<ModelExport, 'format' | 'settings'>): string {
  const s = e.settings;
  const parts: string[] = [];
  if (e.format === 'onnx' && s.opset !== undefined) parts.push(`opset ${String(s.opset)}`);
  if (typeof s.inputLayout === 'string') parts.push(s.inputLayout.toUpperCase());
  parts.push(s.softmax === false ? 'logits' : 'softmax');
  const w = s.weights as { epochs?: unknown; valAccuracy?: unknown } | undefined;
  if (typeof w?.epochs === 'number') parts.push(`${w.epochs} epochs`);
  if (typeof w?.valAccuracy === 'number') parts.push(`val_accuracy ${w.valAccuracy.toFixed(4)}`);
  return parts.join(' · ');
}

/** `a1b2c3d4e5f6…` */
export function shortSha(sha: string): string {
  return sha.length > 12 ? `${sha.slice(0, 12)}…` : sha;
}

/** `12.3 kB` */
export function fmtBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  return `${(n / 1e6).toFixed(1)} MB`;
}
