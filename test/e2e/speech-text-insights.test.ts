/**
 * Issue 16: the Insights screen on finished keyword-spotting and text searches (short real trainings
 * seeded as `frontier search --space kws|text` would store them): every decision of the space is
 * named with its importance and its choices' top-vs-all shares; conditional decisions (a block past
 * the depth, a conv block's heads, a transformer block's kernel) say how many trials use them.
 * Chromium against `frontier serve`; screenshots in test-artifacts/.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from '../../main/cli/args.js';
import { SEARCH_OPTIONS, specFromFlags } from '../../main/cli/commands/search.js';
import type { CliIO } from '../../main/cli/io.js';
import { createSpace } from '../../main/core/spaces.js';
import { SqliteStore } from '../../main/services/sqlite-store.js';
import type { StudySpec } from '../../shared/types/index.js';
import { ROOT, tempDir } from '../cli-helpers.js';
import { artifact } from './browser.js';
import { openWorkbench, poll, seedFinishedStudies, workbenchSkipReason, type Workbench } from './workbench-harness.js';

const skip = workbenchSkipReason();
const io = { out: () => undefined, err: () => undefined, isTTY: false, columns: 80, env: {}, cwd: ROOT } as CliIO;
/** `frontier search <args>`'s spec, with a short training (one epoch of a few steps on a small subset) so that a dozen trials take seconds. */
const spec = (args: string[]): StudySpec => {
  const s = specFromFlags(parse('search', [...args, '--strategy', 'random', '--budget-evals', '10', '--epochs', '1', '--max-train', '120', '--workers', '1', '--seed', '4'], SEARCH_OPTIONS), io);
  return { ...s, evaluator: { ...s.evaluator, steps: 3 } };
};

describe.skipIf(skip !== undefined)('insights of speech and text searches in the workbench', () => {
  let wb: Workbench | undefined;
  let url: URL;
  let page: Page;
  let errors: string[] = [];
  let specs: StudySpec[];
  let db: string;

  beforeAll(async () => {
    db = join(tempDir('frontier-e2e-16-insights-'), 'e2e.db');
    specs = [spec(['--space', 'kws', '--val', '40']), spec(['--space', 'text', '--val', '80'])];
    await seedFinishedStudies(db, specs);
    wb = await openWorkbench(db, { viewport: { width: 1440, height: 1000 } });
    ({ page, url, errors } = wb);
  }, 240_000);

  afterAll(async () => {
    await wb?.close();
  });

  /** The decisions shown (name, importance text, "used in" note) for study `id`, once drawn. */
  async function decisions(id: string, count: number) {
    await page.goto(`${url.href}#/study/${id}/insights`);
    const sections = page.locator('section.decision');
    await poll(() => sections.count(), 30_000).toBe(count);
    return Promise.all(
      (await sections.all()).map(async (s) => ({
        name: await s.getAttribute('aria-label'),
        importance: await s.getByTestId('importance').textContent(),
        active: (await s.getByTestId('decision-active').count()) ? await s.getByTestId('decision-active').textContent() : null,
        choices: await s.locator('.choice-name').allTextContents(),
        shares: await s.locator('.choice .num').allTextContents(),
      })),
    );
  }

  /** How many of the study's complete trials use each decision, from the store (what the screen must say). */
  function usage(id: string): { total: number; active: Map<string, number> } {
    const store = SqliteStore.open(db);
    try {
      const rec = store.getStudy(id)!;
      const space = createSpace(rec.spec.space, rec.spec.spaceOptions ?? {});
      const done = store.getTrials(id).filter((t) => t.state === 'complete');
      expect(done.length, `study ${id}: ${store.getTrials(id).map((t) => t.error).join('; ')}`).toBeGreaterThanOrEqual(8);
      return { total: done.length, active: new Map(space.dims.map((d, i) => [d.name, done.filter((t) => space.isActive(t.sample, i)).length])) };
    } finally {
      store.close();
    }
  }

  for (const [index, which] of [[0, 'kws'], [1, 'text']] as const) {
    it(`${which}: every decision named with its effect; conditional ones say how many trials use them`, async () => {
      const space = createSpace(specs[index]!.space, specs[index]!.spaceOptions ?? {});
      const id = String(index + 1);
      const { total, active } = usage(id);
      const shown = await decisions(id, space.dims.length);
      expect(shown.map((d) => d.name).sort()).toEqual(space.dims.map((d) => d.name).sort());
      for (const d of shown) {
        const dim = space.dims.find((x) => x.name === d.name)!;
        expect(d.importance, d.name!).toMatch(/importance [\d.e-]+ \[[\d.e-]+, [\d.e-]+\]/);
        expect(d.choices, d.name!).toEqual(dim.choices.map(String));
        expect(d.shares, d.name!).toHaveLength(dim.choices.length);
        const n = active.get(d.name!)!;
        expect(d.active, d.name!).toBe(n === total ? null : n === 0 ? 'used by no trial' : `used in ${n} of ${total} trials`);
        // Shares are over the trials that use the decision: they add up to 100% (rounded), or 0 when none does.
        const all = d.shares.reduce((s, t) => s + Number(/vs (\d+)%/.exec(t)?.[1]), 0);
        if (n > 0) expect(Math.abs(all - 100), `${d.name} ${d.shares.join(' ')}`).toBeLessThanOrEqual(dim.choices.length);
        else expect(all).toBe(0);
      }
      // Ranked by importance above chance: a decision used by no more trials than it has choices (η² = 1 by construction) does not lead.
      const lead = shown[0]!;
      expect(active.get(lead.name!)!, lead.name!).toBeGreaterThan(space.dims.find((x) => x.name === lead.name)!.choices.length);
      if (which === 'text') {
        // A conv block's heads and ffn, a transformer block's kernel: never used by every trial of a mixed search.
        const b1 = ['b1.kernel', 'b1.heads', 'b1.ffn'].map((n) => active.get(n)!);
        expect(b1[0]! + b1[1]!).toBe(total);
        expect(shown.filter((d) => /^b1\.(kernel|heads|ffn)$/.test(d.name!)).every((d) => d.active !== null || active.get(d.name!) === total)).toBe(true);
      }
      await page.screenshot({ path: artifact(`16-${which}-insights.png`), fullPage: true });
      expect(errors).toEqual([]);
    }, 60_000);
  }
});
