// The print edition on paper: print.html printed to an A4 PDF by headless chromium, its text read
// back with pdftotext (poppler-utils), and every quote of the briefing found in it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildSite, launch, listFiles, repo, serve } from './support.mjs';

/// The `text` of every [[quote]] in the site's content/**/*.toml (basic strings on one line, as
/// the shipped briefing writes them; TOML's basic-string escapes are JSON's).
async function quoteTexts() {
  const root = process.env.SITE_ROOT ? path.resolve(process.env.SITE_ROOT) : repo;
  const content = path.join(root, 'content');
  const texts = [];
  for (const rel of await listFiles(content, '.toml')) {
    let table = '';
    for (const line of readFileSync(path.join(content, rel), 'utf8').split('\n')) {
      const header = line.match(/^\s*\[\[?\s*([A-Za-z_]+)\s*\]\]?/);
      if (header) table = header[1];
      const text = line.match(/^\s*text\s*=\s*("(?:[^"\\]|\\.)*")\s*(#.*)?$/);
      if (table === 'quote' && text) texts.push(JSON.parse(text[1]));
    }
  }
  return texts;
}

/// Text as it can be compared across a PDF: ligatures spelled out, typographic quotes plain, and
/// whitespace and hyphens dropped (a line may break inside a word, with or without a hyphen).
function normalise(text) {
  return text
    .normalize('NFKC') // ﬁ → fi, ﬂ → fl
    .replace(/[‘’‛′]/g, "'")
    .replace(/[“”„″]/g, '"')
    .replace(/[-\u00ad\u2010\u2011]/g, '')
    .replace(/\s+/g, '');
}

test('print.html printed to an A4 PDF holds every quote of the briefing', async () => {
  const site = buildSite();
  const quotes = await quoteTexts();
  assert.ok(quotes.length > 0, 'the briefing has quotes');
  const server = await serve(site);
  const browser = await launch();
  const dir = mkdtempSync(path.join(tmpdir(), 'briefing-print-'));
  try {
    const page = await browser.newPage();
    await page.goto(server.base + 'print.html');
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.locator('.site-nav').isVisible(), false, 'no navigation on paper');
    assert.equal(await page.locator('.site-footer').isVisible(), false, 'no footer on paper');
    assert.equal(await page.locator('input[type="checkbox"].margin-toggle').count(), 0, 'no sidenote toggles');
    const pdf = path.join(dir, 'print.pdf');
    await page.pdf({ path: pdf, format: 'A4', printBackground: false });
    execFileSync('pdftotext', ['-enc', 'UTF-8', pdf, path.join(dir, 'print.txt')]);
    const text = normalise(readFileSync(path.join(dir, 'print.txt'), 'utf8'));
    const pages = Number(execFileSync('pdfinfo', [pdf], { encoding: 'utf8' }).match(/Pages:\s+(\d+)/)[1]);
    const missing = quotes.filter((quote) => !text.includes(normalise(quote)));
    console.log(`# print.pdf: ${pages} A4 pages, ${quotes.length} quotes, ${missing.length} missing`);
    assert.deepEqual(missing, []);
  } finally {
    await browser.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
