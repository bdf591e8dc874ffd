/**
 * Regenerates the built-in text dataset resources/debian-descriptions/: Debian package short
 * descriptions labelled by their archive section, balanced over 8 sections, as train.tsv and
 * test.tsv (`text<TAB>label`, one example a line).
 *
 *   node --import tsx scripts/debian-descriptions.ts [PACKAGES_FILE] [PER_CLASS_TRAIN] [PER_CLASS_TEST]
 *
 * PACKAGES_FILE defaults to apt's list of bookworm main amd64 (read with `apt-helper cat-file`, which
 * undoes the lz4). Descriptions are deduplicated (case-insensitively); one seen under two sections is
 * left out. The pick is deterministic (seed 0).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../main/core/rng.js';

export const SECTIONS = ['devel', 'doc', 'games', 'libs', 'net', 'python', 'science', 'utils'];

const src = process.argv[2] ?? '/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4';
const perTrain = Number(process.argv[3] ?? 600);
const perTest = Number(process.argv[4] ?? 150);
const out = fileURLToPath(new URL('../resources/debian-descriptions/', import.meta.url));

const text = execFileSync('/usr/lib/apt/apt-helper', ['cat-file', src], { encoding: 'utf8', maxBuffer: 1 << 30 });
const sectionsOf = new Map<string, Set<string>>();
const original = new Map<string, string>();
for (const stanza of text.split(/\n\n+/)) {
  const field = (name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(stanza)?.[1]?.trim();
  const description = field('Description')?.replace(/\s+/g, ' ');
  const section = field('Section');
  if (!description || !section) continue;
  const key = description.toLowerCase();
  if (!original.has(key)) original.set(key, description);
  let set = sectionsOf.get(key);
  if (!set) sectionsOf.set(key, (set = new Set()));
  set.add(section);
}
const byClass = new Map<string, string[]>(SECTIONS.map((s) => [s, []]));
for (const [key, set] of [...sectionsOf].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
  const [only] = set;
  if (set.size === 1 && only !== undefined) byClass.get(only)?.push(original.get(key) as string);
}
const rng = new Rng(0);
const split: Record<'train' | 'test', [string, string][]> = { train: [], test: [] };
for (const [section, list] of byClass) {
  if (list.length < perTrain + perTest) throw new Error(`section ${section} has ${list.length} distinct descriptions, fewer than ${perTrain + perTest}`);
  for (let i = list.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [list[i], list[j]] = [list[j] as string, list[i] as string];
  }
  for (const d of list.slice(0, perTest)) split.test.push([d, section]);
  for (const d of list.slice(perTest, perTest + perTrain)) split.train.push([d, section]);
}
mkdirSync(out, { recursive: true });
for (const [name, rows] of Object.entries(split)) {
  rows.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  writeFileSync(join(out, `${name}.tsv`), ['text\tlabel', ...rows.map(([t, l]) => `${t.replace(/\t/g, ' ')}\t${l}`)].join('\n') + '\n');
  console.log(`${name}: ${rows.length} descriptions (${name === 'train' ? perTrain : perTest} per section)`);
}
