// End-to-end: a reader in a real browser (Debian's chromium via playwright-core), pages served from
// 127.0.0.1, under a subpath, and opened from disk.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildSite, crawl, launch, listFiles, serve, screenshotPath, watchProblems } from './support.mjs';

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

test('front page → section → record → back through "cited in" to the exact paragraph', async () => {
  const { context, page } = await newPage();
  const problems = watchProblems(page);
  await page.goto(server.base + 'index.html');
  await page.screenshot({ path: screenshotPath('desktop-front.png'), fullPage: true });
  await page.locator('.contents .section-list a').first().click();
  const sectionUrl = new URL(page.url());
  assert.match(sectionUrl.pathname, /\.html$/);
  const ref = page.locator('.prose .ref-link').first();
  const recordHref = await ref.getAttribute('href');
  await ref.click();
  assert.ok(page.url().endsWith(recordHref.replace(/^(\.\.\/)+/, '')), `landed on ${page.url()}`);
  const sectionFile = sectionUrl.pathname.split('/').pop();
  const back = page.locator(`.cited-in a[href*="${sectionFile}#"]`).first();
  const backHref = await back.getAttribute('href');
  await back.click();
  const fragment = backHref.split('#')[1];
  assert.equal(new URL(page.url()).hash, `#${fragment}`);
  const target = page.locator(`[id="${fragment}"]`);
  const recordFile = recordHref.split('/').pop();
  assert.ok(await target.locator(`a[href$="${recordFile}"]`).count() > 0, 'the paragraph cites the record');
  assert.ok(await target.isVisible());
  const box = await target.boundingBox();
  assert.ok(box.y >= -1 && box.y < 900, `the paragraph is scrolled into view (y=${box.y})`);
  assert.deepEqual(problems, []);
  await context.close();
});

/// The first section page that has a sidenote.
async function pageWithSidenote(page) {
  await page.goto(server.base + 'index.html');
  const hrefs = await page.locator('.contents .section-list a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  for (const href of hrefs) {
    await page.goto(server.base + href);
    if (await page.locator('.sidenote-number').count()) return href;
  }
  throw new Error('no section has a sidenote');
}

test('a sidenote opens by tap at 390 px', async () => {
  const { context, page } = await newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await pageWithSidenote(page);
  const label = page.locator('.sidenote-number').first();
  const note = page.locator('.sidenote').first();
  assert.equal(await note.isVisible(), false, 'closed before the tap');
  await label.tap();
  assert.equal(await note.isVisible(), true, 'open after the tap');
  const box = await note.boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= 390 + 1, 'inside the viewport');
  await page.screenshot({ path: screenshotPath('mobile-sidenote.png'), fullPage: false });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `no horizontal scrolling (scrollWidth ${width})`);
  await context.close();
});

test('a sidenote sits in the margin at 1280 px', async () => {
  const { context, page } = await newPage();
  await pageWithSidenote(page);
  const note = page.locator('.sidenote').first();
  assert.equal(await note.isVisible(), true, 'visible without interaction');
  const noteBox = await note.boundingBox();
  const paragraph = page.locator('.prose > p').first();
  const textBox = await paragraph.boundingBox();
  assert.ok(noteBox.x >= textBox.x + textBox.width, `note (x=${noteBox.x}) right of the text column (ends ${textBox.x + textBox.width})`);
  await context.close();
});

test('a reference preview opens on hover and on keyboard focus', async () => {
  const { context, page } = await newPage();
  await page.goto(server.base + 'index.html');
  await page.locator('.contents .section-list a').first().click();
  const ref = page.locator('.prose .ref').first();
  const preview = ref.locator('.ref-preview');
  assert.equal(await preview.isVisible(), false);
  await ref.locator('.ref-link').hover();
  assert.equal(await preview.isVisible(), true, 'visible on hover');
  await page.mouse.move(0, 0);
  assert.equal(await preview.isVisible(), false, 'hidden again');
  await ref.locator('.ref-link').focus();
  assert.equal(await preview.isVisible(), true, 'visible on focus');
  const id = await preview.getAttribute('id');
  assert.equal(await ref.locator('.ref-link').getAttribute('aria-describedby'), id);
  await page.keyboard.press('Escape');
  assert.equal(await preview.isVisible(), false, 'Escape dismisses it');
  await context.close();
});

test('dark mode changes the palette', async () => {
  const colors = {};
  for (const colorScheme of ['light', 'dark']) {
    const { context, page } = await newPage({ colorScheme });
    await page.goto(server.base + 'index.html');
    colors[colorScheme] = await page.evaluate(() => {
      const style = getComputedStyle(document.documentElement);
      return { bg: style.backgroundColor, fg: style.color };
    });
    if (colorScheme === 'dark') await page.screenshot({ path: screenshotPath('desktop-dark.png'), fullPage: true });
    await context.close();
  }
  assert.notEqual(colors.light.bg, colors.dark.bg);
  assert.notEqual(colors.light.fg, colors.dark.fg);
});

test('the site works with JavaScript disabled', async () => {
  const { context, page } = await newPage({ javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
  const problems = watchProblems(page);
  await pageWithSidenote(page);
  const note = page.locator('.sidenote').first();
  await page.locator('.sidenote-number').first().click();
  assert.equal(await note.isVisible(), true, 'sidenotes open without JS');
  await page.locator('.site-nav a').last().click();
  assert.match(page.url(), /\.html$/);
  await page.screenshot({ path: screenshotPath('mobile-nojs.png') });
  assert.deepEqual(problems, []);
  await context.close();
});

test('served under a subpath, every page and asset loads, and so does the 404 page at any depth', async () => {
  const subSite = buildSite({ name: 'subpath', baseUrl: 'https://example.org/some/sub/path/' });
  const sub = await serve(subSite, '/some/sub/path/');
  const { context, page } = await newPage();
  try {
    const { problems, pages } = await crawl(page, sub.base + 'index.html', (u) => u.startsWith(sub.base));
    console.log(`# subpath crawl: ${pages} pages`);
    assert.ok(pages > 10);
    assert.deepEqual(problems, []);
    const missing = await context.newPage();
    const assets = watchProblems(missing);
    const response = await missing.goto(sub.base + 'no/such/deep/page.html');
    assert.equal(response.status(), 404);
    assert.match(await missing.locator('h1').textContent(), /not found/i);
    const home = await missing.locator('main a[href$="index.html"]').first().getAttribute('href');
    assert.equal(home, '/some/sub/path/index.html');
    // The document's own 404 shows up as a console error; its assets' failures are caught as HTTP errors.
    const assetProblems = assets.filter((p) => !p.includes('no/such/deep') && !p.startsWith('console error: Failed to load resource'));
    assert.deepEqual(assetProblems, [], 'the 404 page loads its assets');
  } finally {
    await context.close();
    await sub.close();
  }
});

test('opened from file://, every page and asset loads', async () => {
  const { context, page } = await newPage();
  const base = pathToFileURL(site + path.sep).href;
  const { problems, pages } = await crawl(page, base + 'index.html', (u) => u.startsWith(base));
  console.log(`# file:// crawl: ${pages} pages`);
  assert.ok(pages > 10);
  assert.deepEqual(problems, []);
  await context.close();
});

test('no page scrolls sideways at 360 px', async () => {
  const { context, page } = await newPage({ viewport: { width: 360, height: 740 } });
  const wide = [];
  for (const rel of await listFiles(site, '.html')) {
    await page.goto(server.base + rel);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    if (width > 360) wide.push(`${rel}: ${width}px`);
  }
  await page.goto(server.base + 'index.html');
  await page.screenshot({ path: screenshotPath('mobile-360-front.png'), fullPage: true });
  assert.deepEqual(wide, []);
  await context.close();
});

test('the first Tab reaches the skip link, which moves focus to the main content', async () => {
  const { context, page } = await newPage();
  await page.goto(server.base + 'index.html');
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => ({ cls: document.activeElement.className, href: document.activeElement.getAttribute('href') }));
  assert.equal(focused.href, '#main');
  assert.ok(await page.locator('.skip-link').isVisible(), 'visible when focused');
  await page.keyboard.press('Enter');
  assert.equal(new URL(page.url()).hash, '#main');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
  await context.close();
});

test('the print stylesheet shows sidenotes inline and hides navigation', async () => {
  const { context, page } = await newPage();
  await pageWithSidenote(page);
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('.site-nav').isVisible(), false, 'navigation hidden in print');
  const note = page.locator('.sidenote').first();
  assert.equal(await note.isVisible(), true, 'sidenote printed');
  assert.equal(await note.evaluate((n) => getComputedStyle(n).float), 'none', 'inline, not in a margin');
  await context.close();
});
