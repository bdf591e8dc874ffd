// Downloading the official benchmark_model for a phone's ABI, against a local HTTP server.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchmarkModelBuild, ensureBenchmarkModel } from '../main/services/devices/benchmark-tool.js';

describe('ensureBenchmarkModel', () => {
  let server: Server;
  let base: string;
  let dir: string;
  const hits: string[] = [];
  const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46]), Buffer.alloc(1000, 1)]);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'frontier-tool-'));
    server = createServer((req, res) => {
      hits.push(req.url ?? '');
      if (req.url === '/nightly/latest/android_aarch64_benchmark_model') res.end(elf);
      else if (req.url === '/nightly/latest/android_arm_benchmark_model') res.end('<html>not found</html>');
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const addr = server.address() as { port: number };
    base = `http://127.0.0.1:${addr.port}/nightly/latest/`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('names the official build per ABI', () => {
    expect(benchmarkModelBuild('arm64-v8a')).toBe('android_aarch64_benchmark_model');
    expect(benchmarkModelBuild('armeabi-v7a')).toBe('android_arm_benchmark_model');
    expect(() => benchmarkModelBuild('x86_64')).toThrow(/no official benchmark_model build for ABI x86_64/);
  });

  it('downloads once into the cache, executable', async () => {
    const file = await ensureBenchmarkModel('arm64-v8a', dir, { baseUrl: base });
    expect(readFileSync(file).equals(elf)).toBe(true);
    expect(statSync(file).mode & 0o111).toBe(0o111);
    expect(await ensureBenchmarkModel('arm64-v8a', dir, { baseUrl: base })).toBe(file);
    expect(hits.filter((h) => h.endsWith('android_aarch64_benchmark_model'))).toHaveLength(1);
  });

  it('refuses what is not an executable and explains failed downloads', async () => {
    await expect(ensureBenchmarkModel('armeabi-v7a', dir, { baseUrl: base })).rejects.toThrow(/did not return an ELF executable/);
    await expect(ensureBenchmarkModel('arm64-v8a', join(dir, 'other'), { baseUrl: `${base}missing/` })).rejects.toThrow(/cannot download benchmark_model .* HTTP 404/);
  });
});
