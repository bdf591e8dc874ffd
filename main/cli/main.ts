import { errorMessage, NasError } from '../../shared/errors.js';
import { oneLine, quoteText } from '../core/text.js';
import { VERSION } from '../../shared/version.js';
import { processIO, UsageError, type CliIO } from './io.js';

export { VERSION };

export const HELP = `Frontier ${VERSION} — hardware-aware neural architecture search

Usage: frontier <command> [options]

Commands:
  search            run a search and print its Pareto front (no options: NAS-Bench-201,
                    CIFAR-10 accuracy vs Pixel 3 latency)
  runs              list past searches
  show <id>         one search: settings, progress, best trials, Pareto front
  pareto <id>       the Pareto front of a search
  resume <id>       continue a stopped or killed search
  export <id>       write a search's trials as CSV or JSON, or a trial's model as
                    ONNX, TensorFlow.js or TFLite (--trial N --format onnx|tfjs|tflite)
  import FILE       add a search from an exported .json/.csv, or an Optuna study (--optuna DB)
  retrain <id>      retrain the top-k trials on the full data, keeping their weights
  report <id>       one self-contained HTML report of a search (--pdf: also a PDF)
  scale <id> --trial N --flops 20M,40M
                    compound scaling (EfficientNet) of a trial to FLOPs, params or latency targets
  supernet train    train one once-for-all supernet of the mobilenet space (resumable)
  supernet search --latency-ms X --device ID
                    the best sub-network for each phone under X ms, no retraining
  space count <s>   exact size of a search space
  blocks save <id> --trial N --name NAME / blocks list
                    the reusable block library: a trial's layers saved by name, for space
                    documents to include ({ name: body, block: NAME })
  devices           phones over adb: model, SoC, cores, temperatures
  device profile <serial> --space <s>
                    build the phone's latency lookup table for a space
  device measure <serial> --study <id>
                    re-measure a search's finalists on the phone
  darts / enas      DARTS or ENAS on the NAS-Bench-201 cell, on your data; the derived cell's
                    CIFAR-10/100 accuracy looked up in the NAS-Bench-201 table
                    (enas --space mobilenet: ENAS over the mobilenet space's supernet)
  serve             the workbench UI in a browser (local HTTP server)
  worker --redis URL
                    evaluate trials for searches on other machines ('search --redis URL')
  workers --redis URL
                    the live workers: hardware, backends, phones, jobs

Run 'frontier <command> --help' for the options of a command.
`;

type Command = (argv: readonly string[], io: CliIO) => Promise<number>;

/** Commands load on demand: `frontier runs` need not load TensorFlow.js, adb or the web server. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  search: async () => (await import('./commands/search.js')).searchCommand,
  runs: async () => (await import('./commands/runs.js')).runsCommand,
  show: async () => (await import('./commands/show.js')).showCommand,
  pareto: async () => (await import('./commands/show.js')).paretoCommand,
  resume: async () => (await import('./commands/resume.js')).resumeCommand,
  export: async () => (await import('./commands/export.js')).exportCommand,
  import: async () => (await import('./commands/import.js')).importCommand,
  retrain: async () => (await import('./commands/retrain.js')).retrainCommand,
  report: async () => (await import('./commands/report.js')).reportCommand,
  blocks: async () => (await import('./commands/blocks.js')).blocksCommand,
  scale: async () => (await import('./commands/scale.js')).scaleCommand,
  supernet: async () => (await import('./commands/supernet.js')).supernetCommand,
  space: async () => (await import('./commands/space.js')).spaceCommand,
  serve: async () => (await import('./commands/serve.js')).serveCommand,
  devices: async () => (await import('./commands/devices.js')).devicesCommand,
  device: async () => (await import('./commands/devices.js')).deviceCommand,
  darts: async () => (await import('./commands/one-shot.js')).dartsCommand,
  enas: async () => (await import('./commands/one-shot.js')).enasCommand,
  worker: async () => (await import('./commands/worker.js')).workerCommand,
  workers: async () => (await import('./commands/worker.js')).workersCommand,
};

/** Runs the CLI; returns the exit code (0 ok, 1 failure, 2 bad command line, 130 stopped). */
export async function main(argv: readonly string[], io: CliIO = processIO()): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    io.out(HELP);
    return 0;
  }
  if (command === '--version' || command === '-v') {
    io.out(`${VERSION}\n`);
    return 0;
  }
  const load = COMMANDS[command];
  if (!load) {
    io.err(`frontier: unknown command ${quoteText(command)} (see 'frontier --help')\n`);
    return 2;
  }
  try {
    const run = await load();
    return await run(rest, io);
  } catch (e) {
    // One line per reason: a newline or a carriage return in an argument echoed back (an id, a
    // file name) is escaped. Space documents list one problem per line, their strings escaped.
    const reason = (m: string) => (e instanceof NasError && e.code === 'invalid-space' ? m : oneLine(m));
    if (e instanceof UsageError) {
      io.err(`frontier: ${reason(e.message)}\n`);
      return 2;
    }
    if (e instanceof NasError && (e.code === 'invalid-input' || e.code === 'invalid-space' || e.code === 'invalid-sample' || e.code === 'not-found')) {
      io.err(`frontier: ${reason(e.message)}\n`);
      return 2;
    }
    io.err(`frontier: ${reason(errorMessage(e))}\n`);
    return 1;
  }
}
