// The W3C Nu HTML checker (vnu-jar, run with the machine's Java) over every page and stylesheet of
// the built briefing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { buildSite, listFiles } from './support.mjs';

const require = createRequire(import.meta.url);

/// Runs vnu.jar with `args` over `files`; returns its messages (it exits 1 and reports on stderr
/// when it finds errors).
function nuCheck(args, files) {
  const jar = require.resolve('vnu-jar/build/dist/vnu.jar');
  // vnu writes its JSON report to stderr; it exits 0 when clean and 1 when it found errors.
  const run = spawnSync('java', ['-jar', jar, ...args, '--format', 'json', ...files], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (run.error || (run.status !== 0 && run.status !== 1)) {
    throw new Error(`the Nu checker did not run: ${run.error?.message ?? run.stderr}`);
  }
  const report = run.stderr || run.stdout;
  const parsed = JSON.parse(report);
  if (!Array.isArray(parsed.messages)) throw new Error(`unexpected Nu checker output: ${report.slice(0, 200)}`);
  return parsed.messages;
}

const isError = (m) => m.type === 'error' || m.subType === 'fatal';

test('every page is valid HTML according to the Nu checker', async () => {
  const site = buildSite();
  const pages = (await listFiles(site, '.html')).map((p) => path.join(site, p));
  assert.ok(pages.length > 0, 'no pages were built');
  const messages = nuCheck(['--also-check-css'], pages);
  const errors = messages.filter(isError);
  console.log(`# Nu checker: ${pages.length} pages, ${errors.length} errors, ${messages.length - errors.length} warnings/info`);
  const shown = errors.map((m) => `${path.relative(site, new URL(m.url).pathname)}:${m.lastLine}:${m.firstColumn ?? m.lastColumn}: ${m.message}`);
  assert.deepEqual(shown, [], `${errors.length} validation errors`);
});

test('every stylesheet is valid CSS according to the Nu checker', async () => {
  const site = buildSite();
  const sheets = (await listFiles(site, '.css')).map((p) => path.join(site, p));
  assert.ok(sheets.length > 0, 'no stylesheets were built');
  const errors = nuCheck(['--css'], sheets).filter(isError);
  console.log(`# Nu checker (CSS): ${sheets.length} stylesheets, ${errors.length} errors`);
  assert.deepEqual(errors.map((m) => `${m.url}:${m.lastLine}: ${m.message}`), []);
});
