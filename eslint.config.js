// Layering rules in the spirit of VS Code's code-layering: dependencies point one way.
//   main:     shared <- main/core <- main/services <- main/ipc <- main/app.ts
//   renderer: shared <- renderer/api <- renderer/store <- renderer/features
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = [
  'assert', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'events', 'fs', 'fs/promises',
  'http', 'https', 'net', 'os', 'path', 'perf_hooks', 'process', 'readline', 'stream', 'tls', 'tty', 'url',
  'util', 'v8', 'vm', 'worker_threads', 'zlib',
];
const nodeBuiltinPatterns = ['node:*', ...NODE_BUILTINS];
const IO_PACKAGES = ['better-sqlite3', 'electron', '@devicefarmer/adbkit', '@tensorflow/*', 'redis', 'ioredis'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'out/**', 'test-artifacts/**', 'bin/**', '.gpu/**', '.gl/**', '.whl/**', '.cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Plain Node scripts (build helpers, worker bootstraps).
    files: ['scripts/**/*.mjs', 'test/**/*.mjs', 'native/**/*.mjs'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' },
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: [...nodeBuiltinPatterns, ...IO_PACKAGES], message: 'shared/ is pure TypeScript: no Node, Electron or DOM.' },
          { group: ['**/main/**', '**/renderer/**'], message: 'shared/ imports nothing from main/ or renderer/.' },
        ],
      }],
      'no-restricted-globals': ['error', 'window', 'document', 'process', 'require'],
    },
  },
  {
    files: ['main/core/**/*.ts'],
    ignores: ['main/core/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: [...nodeBuiltinPatterns, ...IO_PACKAGES], message: 'main/core does no I/O: put side effects in main/services.' },
          { group: ['../services/*', '../services/**', '../ipc/**', '../cli/**', '**/renderer/**'], message: 'main/core depends only on shared/.' },
        ],
      }],
      'no-restricted-globals': ['error', 'process', 'require', 'window', 'document'],
    },
  },
  {
    files: ['main/services/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['../ipc/**', '../cli/**', '../app*', '**/renderer/**'], message: 'services depend on core and shared only.' }],
      }],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/main/**', ...nodeBuiltinPatterns, ...IO_PACKAGES], message: 'the renderer talks to main only through window.nas.' },
        ],
      }],
    },
  },
);
