import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cliAsync } from './cli-helpers.js';

/** Starts `frontier serve --port 0` and resolves with the URL it prints. */
export async function startServe(db: string, extra: string[] = []): Promise<{ child: ChildProcess; url: URL; stderr: () => string }> {
  const child = cliAsync(['serve', '--port', '0', '--db', db, ...extra]);
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<URL>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no URL: ${out} ${err}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(new URL(m[1]!));
      }
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
  return { child, url, stderr: () => err };
}

export async function stopServe(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  child.kill('SIGINT');
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}
