// Search in a real browser (Debian's chromium via playwright-core), over HTTP as published: a word
// from a use case finds its record, filters narrow by kind, "/" focuses the box, axe finds nothing
// serious with results open (light and dark, 360 px too), it works under a subpath, says why it
// cannot work from file://, and stays hidden without JavaScript.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { buildSite, launch, serve, screenshotPath, watchProblems } from './support.mjs';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

let site, server, browser;

before(async () => {
  site = buildSite();
  server = await serve(site);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function newPage(options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  return { context, page };
}

/// Types `term` into the search box and waits for the status line to report results.
async function search(page, term) {
  await page.fill('#b-search', term);
  await page.waitForFunction(() => /result/.test(document.querySelector('#b-search-status').textContent));
}

const results = (page) => page.locator('.site-search-result');

test('a word from a use case finds its record, and the kind filter narrows the results', async () => {
  const { context, page } = await newPage();
  const problems = watchProblems(page);
  await page.goto(server.base + 'stance.html');
  await page.keyboard.press('/');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'b-search', '"/" focuses the box');
  await search(page, 'Eternaut');
  const first = results(page).first();
  assert.equal(await first.locator('.record-kind').textContent(), 'Use case');
  assert.equal(await first.locator('a').textContent(), 'A building collapse in The Eternaut');
  assert.match(await first.locator('.site-search-excerpt').textContent(), /Eternaut/);
  assert.match(await first.locator('.site-search-excerpt mark').first().textContent(), /^Eternaut\W*$/);
  const all = await results(page).count();
  assert.ok(all > 1, `the sections that tell the story are results too (${all})`);

  await page.selectOption('#b-search-kind', 'Use case');
  await page.waitForFunction(() => /\(Use case\)/.test(document.querySelector('#b-search-status').textContent));
  const kinds = await results(page).locator('.record-kind').allTextContents();
  assert.ok(kinds.length >= 1 && kinds.length < all, `${kinds.length} of ${all}`);
  assert.deepEqual([...new Set(kinds)], ['Use case']);
  await page.screenshot({ path: screenshotPath('search-results.png') });

  await first.locator('a').click();
  await page.waitForURL(/use-cases\/eternaut\.html$/);
  assert.equal(await page.locator('h1').textContent(), 'A building collapse in The Eternaut');
  assert.deepEqual(problems, []);
  await context.close();
});

test('"/" does not steal a key typed into another field, and Escape clears the search', async () => {
  const { context, page } = await newPage();
  await page.goto(server.base + 'index.html');
  await search(page, 'Sarandos');
  await page.focus('#b-search-kind');
  await page.keyboard.press('/');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'b-search-kind');
  await page.keyboard.press('Escape');
  assert.equal(await page.inputValue('#b-search'), '');
  assert.equal(await page.locator('.site-search-panel').isVisible(), false);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'b-search');
  await context.close();
});

test('no serious or critical axe violations with results open, light and dark, at 1280 and 360 px', async () => {
  const failures = [];
  for (const colorScheme of ['light', 'dark']) {
    for (const width of [1280, 360]) {
      const { context, page } = await newPage({ colorScheme, viewport: { width, height: 800 } });
      await page.goto(server.base + 'use-cases.html');
      await search(page, 'generative');
      await page.addScriptTag({ content: axeSource });
      const result = await page.evaluate(() =>
        window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } }));
      for (const v of result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')) {
        failures.push(`${colorScheme} ${width}px: [${v.impact}] ${v.id} — ${v.help}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
      }
      const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
      if (scroll > width) failures.push(`${colorScheme} ${width}px: scrolls sideways (${scroll}px)`);
      if (width === 360) await page.screenshot({ path: screenshotPath(`search-360-${colorScheme}.png`), fullPage: false });
      await context.close();
    }
  }
  assert.deepEqual(failures, []);
});

test('under a subpath, results link into the subpath', async () => {
  const subSite = buildSite({ name: 'subpath', baseUrl: 'https://example.org/some/sub/path/' });
  const sub = await serve(subSite, '/some/sub/path/');
  const { context, page } = await newPage();
  const problems = watchProblems(page);
  try {
    await page.goto(sub.base + 'quotes/index.html');
    await search(page, 'Eternaut');
    const href = await results(page).first().locator('a').getAttribute('href');
    assert.equal(href, '../use-cases/eternaut.html');
    await results(page).first().locator('a').click();
    await page.waitForURL(sub.base + 'use-cases/eternaut.html');
    assert.deepEqual(problems, []);
    // The 404 page, served for any missing path, links from the base path. Its own 404 status is
    // the only failed request (its console error names no URL).
    await page.goto(sub.base + 'no/such/page.html');
    await search(page, 'Eternaut');
    assert.equal(await results(page).first().locator('a').getAttribute('href'), '/some/sub/path/use-cases/eternaut.html');
    assert.deepEqual(problems, [`HTTP 404 ${sub.base}no/such/page.html`,
      'console error: Failed to load resource: the server responded with a status of 404 (Not Found)']);
  } finally {
    await context.close();
    await sub.close();
  }
});

test('opened from file://, the box says that search needs a web server', async () => {
  const { context, page } = await newPage();
  await page.goto(pathToFileURL(path.join(site, 'index.html')).href);
  assert.equal(await page.locator('#b-search').isVisible(), true);
  assert.equal(await page.locator('#b-search').isDisabled(), true);
  assert.match(await page.locator('#b-search-status').textContent(), /served by a web server/);
  await context.close();
});

test('without JavaScript, there is no dead search box', async () => {
  const { context, page } = await newPage({ javaScriptEnabled: false });
  await page.goto(server.base + 'index.html');
  assert.equal(await page.locator('form.site-search').isVisible(), false);
  await context.close();
});
