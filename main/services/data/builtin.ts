import { resolveResource } from '../resources.js';
import { readDataset, type LoadedData } from './readers.js';
import type { SpeechFolderOptions } from './speech.js';

export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/** The sections (classes) of the built-in text set, sorted (scripts/debian-descriptions.ts). */
export const DEBIAN_SECTIONS = ['devel', 'doc', 'games', 'libs', 'net', 'python', 'science', 'utils'];

/** Built-in datasets, by the name used after `builtin:` (see resources/<name>/README.md). */
export const BUILTIN_DATASETS = {
  'fashion-mnist': { title: 'Fashion-MNIST subset (11,000 train + 2,000 test, 28×28×1, 10 classes)', classNames: FASHION_MNIST_CLASSES },
  // Class names are its folder names.
  'speech-keywords': { title: 'Spoken keywords synthesised with espeak-ng (350 train + 70 test clips, 10 keywords)' },
  'debian-descriptions': { title: 'Debian package descriptions by section (4,800 train + 1,200 test texts, 8 classes)', classNames: DEBIAN_SECTIONS },
} as const satisfies Record<string, { title: string; classNames?: readonly string[] }>;

/** The built-in keyword-spotting set (`frontier search --space kws` trains on it by default). */
export const SPEECH_DATASET = 'builtin:speech-keywords';

export const DEFAULT_DATASET = 'builtin:fashion-mnist';

/** The built-in text set (`frontier search --space text` trains on it by default). */
export const DEFAULT_TEXT_DATASET = 'builtin:debian-descriptions';

/** Reads a dataset reference: `builtin:<name>` or a path (see `readDataset`); `o` applies to speech folders. */
export function loadDataset(ref: string, cwd = process.cwd(), o: Omit<SpeechFolderOptions, 'limits'> = {}): LoadedData {
  const loaded = readDataset(resolveResource(ref, cwd), o);
  const name = ref.startsWith('builtin:') ? ref.slice('builtin:'.length) : undefined;
  const meta = name ? (BUILTIN_DATASETS as Record<string, { classNames?: readonly string[] }>)[name] : undefined;
  if (!meta) return loaded;
  const named = <T extends { source: string; classNames?: readonly string[] }>(d: T) => ({ ...d, source: `${ref}${d === (loaded.test as unknown) ? ' (test)' : ''}`, classNames: meta.classNames ?? d.classNames });
  return { data: named(loaded.data), ...(loaded.test ? { test: named(loaded.test) } : {}) };
}
