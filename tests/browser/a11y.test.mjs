// axe-core in Debian's chromium on every page, light and dark: no serious or critical violation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { buildSite, listFiles, launch, serve } from './support.mjs';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

test('no serious or critical axe violations on any page, in light and dark mode', async () => {
  const site = buildSite();
  const pages = await listFiles(site, '.html');
  const server = await serve(site);
  const browser = await launch();
  const failures = [];
  const rules = new Set();
  try {
    for (const colorScheme of ['light', 'dark']) {
      const context = await browser.newContext({ colorScheme });
      const page = await context.newPage();
      for (const rel of pages) {
        await page.goto(server.base + rel);
        await page.addScriptTag({ content: axeSource });
        const result = await page.evaluate(() =>
          window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } }));
        for (const group of [result.passes, result.violations, result.incomplete, result.inapplicable]) {
          for (const rule of group) rules.add(rule.id);
        }
        for (const v of result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')) {
          failures.push(`${colorScheme} ${rel}: [${v.impact}] ${v.id} — ${v.help}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
        }
      }
      await context.close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
  console.log(`# axe: ${pages.length} pages × 2 colour schemes, ${rules.size} rules checked, ${failures.length} serious/critical violations`);
  assert.deepEqual(failures, []);
});
