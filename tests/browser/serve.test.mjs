// `briefing serve` in Debian's chromium: a temporary copy of the shipped briefing is served by the real
// binary on a free port; its files are edited on disk and the open page follows without being touched —
// new text (scroll position kept), the error overlay (accessible, light and dark, 360 px), the fix, a
// deleted page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, unlinkSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { repo, launch, screenshotPath } from './support.mjs';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

let site, server, base, browser;
let output = '';

before(async () => {
  site = mkdtempSync(path.join(os.tmpdir(), 'briefing-serve-'));
  for (const entry of ['site.toml', 'content', 'sources', 'templates', 'static']) {
    cpSync(path.join(repo, entry), path.join(site, entry), { recursive: true });
  }
  execFileSync('cargo', ['build', '--quiet'], { cwd: repo, stdio: ['ignore', 'ignore', 'inherit'] });
  base = await startServer('0');
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (server && server.exitCode === null) await stopServer();
  if (site) rmSync(site, { recursive: true, force: true });
});

/// Starts `briefing serve` on the site copy; resolves to its URL.
function startServer(port) {
  server = spawn(path.join(repo, 'target', 'debug', 'briefing'), ['serve', '-p', port, '--root', site], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout.setEncoding('utf8');
  server.stderr.setEncoding('utf8');
  server.stderr.on('data', (chunk) => { output += chunk; });
  return new Promise((resolve, reject) => {
    let seen = '';
    server.stdout.on('data', (chunk) => {
      output += chunk;
      seen += chunk;
      const url = seen.match(/http:\/\/127\.0\.0\.1:\d+\//);
      if (url) resolve(url[0]);
    });
    server.on('exit', (code) => reject(new Error(`briefing serve exited with ${code}:\n${output}`)));
  });
}

/// Stops the server as Ctrl-C does; resolves to its exit code.
function stopServer() {
  const exited = new Promise((resolve) => server.once('exit', (code) => resolve(code)));
  server.kill('SIGINT');
  return exited;
}

function edit(file, from, to) {
  const full = path.join(site, file);
  const text = readFileSync(full, 'utf8');
  assert.ok(text.includes(from), `${file} holds ${JSON.stringify(from)}`);
  writeFileSync(full, text.replace(from, to));
}

/// The 1-based line of `text` in a file of the site.
function lineOf(file, text) {
  const lines = readFileSync(path.join(site, file), 'utf8').split('\n');
  const index = lines.findIndex((line) => line.includes(text));
  assert.ok(index >= 0, `${file} holds ${text}`);
  return index + 1;
}

/// A page of the served site whose live-reload stream is connected.
async function open(rel, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  await page.goto(base + rel);
  await page.waitForFunction(() => window.briefingServe === 'connected');
  return { context, page };
}

const overlayOpen = () => {
  const dialog = document.querySelector('briefing-serve-overlay')?.shadowRoot?.querySelector('dialog');
  return Boolean(dialog && dialog.open);
};

test('an edit shows up in the open page without touching it, at the same scroll position', async () => {
  const { context, page } = await open('stance.html');
  await page.evaluate(() => window.scrollTo(0, 700));
  const y = await page.evaluate(() => window.scrollY);
  assert.ok(y > 0, 'the page scrolls');
  const marker = 'Edited while the page was open.';
  edit('content/stance.md', 'reading it as a message about', `${marker} Reading it as a message about`);
  await page.waitForFunction((text) => document.body.innerText.includes(text), marker);
  await page.waitForFunction(() => document.readyState === 'complete');
  await page.waitForFunction((want) => window.scrollY === want, y);
  assert.equal(await page.evaluate(() => window.scrollY), y);
  await context.close();
});

test('a broken reference shows an accessible overlay naming file:line; Escape hides it; the fix removes it', async () => {
  const { context, page } = await open('stance.html');
  const line = lineOf('content/stance.md', '(quote:great-artists)');
  const before = await page.locator('main').innerText();
  edit('content/stance.md', '(quote:great-artists)', '(quote:great-artist)');
  await page.waitForFunction(overlayOpen);
  const overlay = page.locator('briefing-serve-overlay dialog');
  const text = await overlay.innerText();
  assert.match(text, new RegExp(`content/stance\\.md:${line}:\\d+`));
  assert.match(text, /no quote with id `great-artist`/);
  assert.match(text, /did you mean `quote:great-artists`\?/);
  assert.match(text, /\^+ unknown reference/);
  assert.equal(await overlay.getAttribute('role'), 'alertdialog');
  assert.equal(await page.locator('main').innerText(), before, 'the last good build stays on the page');
  // Focus is in the overlay.
  const focused = await page.evaluate(() => {
    const host = document.activeElement;
    return `${host.tagName.toLowerCase()} > ${host.shadowRoot?.activeElement?.className}`;
  });
  assert.equal(focused, 'briefing-serve-overlay > hide');
  for (const colorScheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme });
    await page.addScriptTag({ content: axeSource });
    const result = await page.evaluate(() =>
      window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } }));
    const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(serious.map((v) => `${colorScheme}: ${v.id} — ${v.help}: ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`), []);
    await page.screenshot({ path: screenshotPath(`serve-overlay-${colorScheme}.png`) });
  }
  await page.emulateMedia({ colorScheme: 'light' });
  // Fits a 360 px screen.
  await page.setViewportSize({ width: 360, height: 740 });
  // Re-sent errors re-render the overlay at this width: break another reference.
  edit('content/stance.md', '(quote:better-and-faster)', '(quote:better-and-fastr)');
  await page.waitForFunction(() => document.querySelector('briefing-serve-overlay').shadowRoot.querySelectorAll('li').length === 2);
  const box = await overlay.boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= 360, `the overlay fits 360 px (${box.x}, ${box.width})`);
  await page.screenshot({ path: screenshotPath('serve-overlay-360.png') });
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => !document.querySelector('briefing-serve-overlay').shadowRoot.querySelector('dialog').open);
  await page.setViewportSize({ width: 1280, height: 900 });

  edit('content/stance.md', '(quote:great-artist)', '(quote:great-artists)');
  edit('content/stance.md', '(quote:better-and-fastr)', '(quote:better-and-faster)');
  await page.waitForFunction(() => !document.querySelector('briefing-serve-overlay') && window.briefingServe === 'connected');
  assert.equal(await page.locator('main').innerText(), before);
  await context.close();
});

test('a page opened while an error stands shows the overlay at once', async () => {
  edit('content/outlook.md', '(quote:dont-worry-replacing)', '(quote:dont-worry-replacin)');
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(base + 'outlook.html');
    await page.waitForFunction(overlayOpen);
    assert.match(await page.locator('briefing-serve-overlay dialog').innerText(), /content\/outlook\.md:\d+:\d+/);
    await context.close();
  } finally {
    edit('content/outlook.md', '(quote:dont-worry-replacin)', '(quote:dont-worry-replacing)');
  }
});

test('a deleted page shows the 404 page at its URL, and leaves the navigation', async () => {
  const { context, page } = await open('outlook.html');
  assert.match(await page.title(), /^Outlook/);
  unlinkSync(path.join(site, 'content', 'outlook.md'));
  assert.ok(!existsSync(path.join(site, 'content', 'outlook.md')));
  await page.waitForFunction(() => document.title.startsWith('Page not found'));
  const response = await page.goto(base + 'outlook.html');
  assert.equal(response.status(), 404);
  await page.goto(base + 'index.html');
  assert.equal(await page.locator('a[href="outlook.html"]').count(), 0);
  await context.close();
});

test('an open page recovers when the server restarts, and shows what changed meanwhile', async () => {
  const { context, page } = await open('stance.html');
  const port = new URL(base).port;
  server.removeAllListeners('exit');
  assert.equal(await stopServer(), 0, 'Ctrl-C stops serve with exit code 0');
  const marker = 'Written while the server was down.';
  edit('content/stance.md', 'The report says this statement was made to investors', `${marker} The report says this statement was made to investors`);
  assert.equal(await startServer(port), base);
  await page.waitForFunction((text) => document.body.innerText.includes(text), marker);
  await context.close();
});
