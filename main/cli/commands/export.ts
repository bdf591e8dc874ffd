import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { errorMessage } from '../../../shared/errors.js';
import type { StudyRecord, TrialRecord } from '../../../shared/types/index.js';
import { summarize } from '../../core/summary.js';
import { exportTrialModel, MODEL_FORMATS, type ModelFormat } from '../../services/export/trial-export.js';
import { ensureInheritedWeights } from '../../services/train/supernet-inherit.js';
import { flag, parse, str } from '../args.js';
import { DB_OPTION, openStore, requireStudy, studyJson } from '../common.js';
import { UsageError, type CliIO } from '../io.js';

export const EXPORT_HELP = `Usage: frontier export <id> --format csv|json [--out FILE] [--db PATH]
       frontier export <id> --trial N --format onnx|tfjs|tflite --out PATH [options] [--db PATH]

csv, json: every trial of a search (number, state, architecture, cost, every metric, error) as
CSV, or the whole study (settings, summary, trials) as JSON, to FILE or standard output.

onnx, tfjs, tflite: the trained model of one trial, from the weights 'frontier retrain' keeps, or
those a worker sent back for a trial it trained ('search --redis'); a search on this machine keeps
each candidate's metrics, not its weights: retrain the trial first. A trial of a supernet search
('frontier supernet search') exports with the weights it inherits from the supernet (cut out after
its BatchNorm statistics are recalibrated, and kept as the trial's weights). The export is
recorded in the database (source trial, format, options, the weights it came from, SHA-256) and a
snippet that loads it is printed.
  onnx     PATH is the .onnx file (opset 13, input 'input' float32 [N, C, H, W], output
           'probabilities' [N, classes]); load it with onnxruntime (Python, C++, Node)
  tfjs     PATH is a folder: model.json (a graph model for tf.loadGraphModel) and weights.bin
  tflite   PATH is the .tflite file (float32, NHWC), for Android and Arm NN

Options for model formats:
  --trial N           the trial to export (see 'frontier show <id>')
  --no-softmax        output the logits instead of probabilities
  --opset 13|10       ONNX opset (10 writes ReLU6 as Clip-6, for older runtimes such as OpenCV 4.6)
  --input-layout nchw|nhwc
                      ONNX input layout (default nchw)
`;

function csvCell(v: string): string {
  return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function trialsCsv(trials: readonly TrialRecord[]): string {
  const metrics = [...new Set(trials.flatMap((t) => Object.keys(t.metrics)))].sort();
  const header = ['trial', 'state', 'architecture', 'cost', ...metrics, 'error'];
  const rows = trials.map((t) => [
    String(t.number), t.state, t.key, String(t.cost),
    ...metrics.map((m) => (t.metrics[m] === undefined ? '' : String(t.metrics[m]))), t.error ?? '',
  ]);
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}

export function studyExportJson(rec: StudyRecord, trials: readonly TrialRecord[]): string {
  const summary = summarize(trials, rec.spec.objectives);
  return JSON.stringify({ ...studyJson(rec, summary), spec: rec.spec, trials }, null, 2) + '\n';
}

export async function exportCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const p = parse('export', argv, {
    ...DB_OPTION, format: { type: 'string' }, out: { type: 'string', short: 'o' }, trial: { type: 'string' },
    'no-softmax': { type: 'boolean' }, opset: { type: 'string' }, 'input-layout': { type: 'string' },
  }, 1);
  if (flag(p, 'help')) {
    io.out(EXPORT_HELP);
    return 0;
  }
  const format = str(p, 'format');
  if (str(p, 'trial') !== undefined || (MODEL_FORMATS as readonly string[]).includes(format ?? '')) return await exportModel(p, io);
  for (const o of ['no-softmax', 'opset', 'input-layout']) {
    if (p.values[o] !== undefined) throw new UsageError(`export: --${o} is an option of model exports (--trial N --format onnx|tfjs|tflite)`);
  }
  if (format !== 'csv' && format !== 'json') throw new UsageError(`export: --format must be csv, json, onnx, tfjs or tflite${format ? `, got '${format}'` : ''}`);
  const store = openStore(io, str(p, 'db'), { readonly: true });
  try {
    const rec = requireStudy(store, p.positionals[0], 'export');
    const trials = store.getTrials(rec.id);
    const text = format === 'csv' ? trialsCsv(trials) : studyExportJson(rec, trials);
    const out = str(p, 'out');
    if (!out) io.out(text);
    else {
      try {
        writeFileSync(resolve(io.cwd, out), text);
      } catch (e) {
        throw new UsageError(`export: cannot write ${out}: ${errorMessage(e)}`);
      }
      io.err(`wrote ${trials.length} trials to ${out}\n`);
    }
    return 0;
  } finally {
    store.close();
  }
}

async function exportModel(p: ReturnType<typeof parse>, io: CliIO): Promise<number> {
  const format = str(p, 'format');
  if (!(MODEL_FORMATS as readonly string[]).includes(format ?? '')) throw new UsageError(`export: a trial exports as --format onnx, tfjs or tflite${format ? `, got '${format}'` : ''}`);
  const trialText = str(p, 'trial');
  if (trialText === undefined) throw new UsageError(`export: --format ${format} exports one trial's model: give --trial N`);
  if (!/^\d{1,9}$/.test(trialText)) throw new UsageError(`export: --trial must be a trial number, got '${trialText}'`);
  const out = str(p, 'out');
  if (!out) throw new UsageError(`export: give --out PATH (${format === 'tfjs' ? 'a folder for model.json and weights.bin' : `the .${format} file to write`})`);
  const opsetText = str(p, 'opset');
  const layout = str(p, 'input-layout');
  if (format !== 'onnx' && (opsetText !== undefined || layout !== undefined)) throw new UsageError(`export: --opset and --input-layout are ONNX options`);
  if (opsetText !== undefined && opsetText !== '13' && opsetText !== '10') throw new UsageError(`export: --opset must be 13 or 10, got '${opsetText}'`);
  if (layout !== undefined && layout !== 'nchw' && layout !== 'nhwc') throw new UsageError(`export: --input-layout must be nchw or nhwc, got '${layout}'`);
  const store = openStore(io, str(p, 'db'));
  try {
    const rec = requireStudy(store, p.positionals[0], 'export');
    // A supernet search's trial exports with the weights it inherits from the supernet.
    await ensureInheritedWeights(store, rec.id, Number(trialText), { onCut: () => io.err(`cutting trial ${trialText}'s weights out of the supernet (BatchNorm recalibrated)…\n`) });
    const r = exportTrialModel(store, {
      studyId: rec.id, trial: Number(trialText), format: format as ModelFormat, out: resolve(io.cwd, out), softmax: !flag(p, 'no-softmax'),
      ...(opsetText ? { opset: Number(opsetText) as 10 | 13 } : {}), ...(layout ? { inputLayout: layout as 'nchw' | 'nhwc' } : {}),
    });
    const w = r.artifact.settings?.weights as { valAccuracy?: number; testAccuracy?: number; epochs?: number; trainExamples?: number; source?: string; worker?: string; supernetSteps?: number } | undefined;
    io.out(`exported trial ${trialText} of study ${rec.id} (${r.artifact.settings?.architecture as string}) as ${format}: ${r.files.join(', ')}\n`);
    io.out(`${r.artifact.bytes} bytes, sha256 ${r.artifact.sha256}\n`);
    if (w?.source === 'supernet' && w.valAccuracy !== undefined) io.out(`weights: inherited from the supernet (${w.supernetSteps} training steps, BatchNorm recalibrated), val_accuracy ${w.valAccuracy.toFixed(4)}\n`);
    else if (w?.valAccuracy !== undefined) io.out(`weights: ${w.source === 'search' ? `trained by the search${w.worker ? ` on worker ${w.worker}` : ''},` : 'retrained'} ${w.epochs} epochs on ${w.trainExamples} images, val_accuracy ${w.valAccuracy.toFixed(4)}${w.testAccuracy !== undefined ? `, test_accuracy ${w.testAccuracy.toFixed(4)}` : ''}\n`);
    io.out(`\nload it:\n${r.snippet}\n`);
    return 0;
  } finally {
    store.close();
  }
}
