// Shared by the browser tests: build the briefing once, serve it over HTTP on 127.0.0.1 (optionally
// under a subpath), and launch Debian's chromium through playwright-core.
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { readFile, readdir, stat } from 'node:fs/promises';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const screenshots = path.join(repo, 'artifacts', 'screenshots');

/// Builds the site at SITE_ROOT (default: the shipped briefing) into target/browser-site[-NAME].
/// The default build is published at a domain root, as the tests serve it at '/'. The shipped
/// briefing is built with --strict: a warning in it fails the gates.
export function buildSite({ name = '', baseUrl = 'https://example.org/' } = {}) {
  const root = process.env.SITE_ROOT ? path.resolve(process.env.SITE_ROOT) : repo;
  const out = path.join(repo, 'target', name ? `browser-site-${name}` : 'browser-site');
  if (!process.env.BRIEFING_SKIP_BUILD || !existsSync(out)) {
    const args = ['run', '--quiet', '--', 'build', '--root', root, '--output-dir', out];
    args.push('--base-url', baseUrl);
    if (!process.env.SITE_ROOT) args.push('--strict');
    execFileSync('cargo', args, {
      cwd: repo,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  return out;
}

/// Every file under `dir`, relative, sorted.
export async function listFiles(dir, ext) {
  const found = [];
  async function walk(sub) {
    for (const entry of await readdir(path.join(dir, sub), { withFileTypes: true })) {
      const rel = path.posix.join(sub, entry.name);
      if (entry.isDirectory()) await walk(rel);
      else if (!ext || entry.name.endsWith(ext)) found.push(rel);
    }
  }
  await walk('');
  return found.sort();
}

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json', '.xml': 'application/xml', '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.jpg': 'image/jpeg', '.ico': 'image/x-icon',
};

/// A static file server for `dir`, mounted at `prefix` (e.g. '/some/sub/path/'), on 127.0.0.1.
export async function serve(dir, prefix = '/') {
  const root = path.resolve(dir);
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    let rel = decodeURIComponent(url.pathname);
    if (!rel.startsWith(prefix)) return notFound(res);
    rel = rel.slice(prefix.length);
    let file = path.resolve(root, rel);
    if (file !== root && !file.startsWith(root + path.sep)) return notFound(res);
    try {
      if ((await stat(file)).isDirectory()) file = path.join(file, 'index.html');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      notFound(res);
    }
  });
  // Like static hosts, answer a missing page with the site's 404.html (status 404).
  async function notFound(res) {
    try {
      const body = await readFile(path.join(root, '404.html'));
      res.writeHead(404, { 'content-type': TYPES['.html'] });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  }
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return { base: `http://127.0.0.1:${port}${prefix}`, close: () => new Promise((r) => server.close(r)) };
}


/// Debian's chromium, with the flags this machine needs (no network, no background services).
export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run'],
  });
}

export function screenshotPath(name) {
  mkdirSync(screenshots, { recursive: true });
  return path.join(screenshots, name);
}

/// Records failed requests, HTTP errors and console errors of a page.
export function watchProblems(page) {
  const problems = [];
  // ERR_ABORTED is a request cut short by the next navigation (the favicon, typically), not a missing
  // file: those show up as HTTP 404 here, or as ERR_FILE_NOT_FOUND from file://.
  page.on('requestfailed', (r) => {
    const reason = r.failure()?.errorText ?? '';
    if (reason !== 'net::ERR_ABORTED') problems.push(`failed request ${r.url()} (${reason})`);
  });
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`); });
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  return problems;
}

/// Visits every page reachable from `start` by internal links; returns the problems seen.
export async function crawl(page, start, inside) {
  const problems = watchProblems(page);
  const seen = new Set();
  const queue = [start];
  while (queue.length) {
    const url = queue.shift();
    if (seen.has(url)) continue;
    seen.add(url);
    const response = await page.goto(url);
    if (response && !response.ok() && !url.startsWith('file:')) problems.push(`HTTP ${response.status()} ${url}`);
    const links = await page.locator('a[href]').evaluateAll((as) => as.map((a) => a.href));
    for (const link of links) {
      const clean = link.split('#')[0];
      if (inside(clean) && !seen.has(clean)) queue.push(clean);
    }
  }
  return { problems, pages: seen.size };
}
