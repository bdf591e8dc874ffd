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

export function processIO(): CliIO {
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
