import { resolveResource } from '../resources.js';
import { readDataset, type LoadedData } from './readers.js';

export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/** Built-in datasets, by the name used after `builtin:` (see resources/<name>/README.md). */
export const BUILTIN_DATASETS = {
  'fashion-mnist': { title: 'Fashion-MNIST subset (11,000 train + 2,000 test, 28×28×1, 10 classes)', classNames: FASHION_MNIST_CLASSES },
} as const;

export const DEFAULT_DATASET = 'builtin:fashion-mnist';

/** Reads a dataset reference: `builtin:<name>` or a path (see `readDataset`). */
export function loadDataset(ref: string, cwd = process.cwd()): LoadedData {
  const loaded = readDataset(resolveResource(ref, cwd));
  const name = ref.startsWith('builtin:') ? ref.slice('builtin:'.length) : undefined;
  const meta = name ? (BUILTIN_DATASETS as Record<string, { classNames: readonly string[] }>)[name] : undefined;
  if (!meta) return loaded;
  const named = <T extends { source: string }>(d: T) => ({ ...d, source: `${ref}${d === (loaded.test as unknown) ? ' (test)' : ''}`, classNames: meta.classNames });
  return { data: named(loaded.data), ...(loaded.test ? { test: named(loaded.test) } : {}) };
}
