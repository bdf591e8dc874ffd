/** Where the CLI writes; injectable so commands can be tested in-process. */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  /** Whether stderr is a terminal (progress bar) or not (plain progress lines). */
  readonly isTTY: boolean;
  readonly columns: number;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

let pipeGuarded = false;

/**
 * `frontier show 1 | head`: once the reader has gone, a write to stdout (or stderr) fails with EPIPE,
 * emitted as an 'error' event that would crash the process with a stack trace. There is nobody left
 * to read the rest, so exit quietly, as command-line tools do.
 */
export function exitQuietlyOnBrokenPipe(streams: readonly NodeJS.WritableStream[] = [process.stdout, process.stderr], exit: (code: number) => void = (c) => process.exit(c)): void {
  for (const s of streams) {
    s.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') return exit(0);
      throw e;
    });
  }
}

export function processIO(): CliIO {
  if (!pipeGuarded) {
    pipeGuarded = true;
    exitQuietlyOnBrokenPipe();
  }
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    isTTY: Boolean(process.stderr.isTTY),
    columns: process.stderr.columns ?? 100,
    env: process.env,
    cwd: process.cwd(),
  };
}

/** A bad command line: printed as one line, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
