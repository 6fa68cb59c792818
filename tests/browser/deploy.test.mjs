// Publishing: the built briefing served by a real static file server — Debian's nginx, configured with
// exactly the subpath recipe of docs/deploy/nginx-subpath.conf — loads every page and asset, with
// cache headers that let browsers keep the fingerprinted files and revalidate the pages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { repo, crawl, launch } from './support.mjs';

const MOUNT = '/briefings/netflix/';
let browser;
let nginx;
let base;
let out;
let temp;

/// A port nothing listens on now.
async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitFor(url) {
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`nginx did not answer at ${url}`);
}

before(async () => {
  temp = mkdtempSync(path.join(os.tmpdir(), 'briefing-nginx-'));
  // Started as root, nginx's workers run as an unprivileged user, which must be able to read the site.
  chmodSync(temp, 0o755);
  const port = await freePort();
  base = `http://127.0.0.1:${port}${MOUNT}`;
  out = path.join(temp, 'srv', 'briefings', 'netflix');
  execFileSync('cargo', ['run', '--quiet', '--', 'build', '--strict', '--root', repo, '--output-dir', out, '--base-url', base], {
    cwd: repo,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const recipe = readFileSync(path.join(repo, 'docs/deploy/nginx-subpath.conf'), 'utf8')
    .replaceAll('/srv/briefings/netflix/', `${out}/`);
  mkdirSync(path.join(temp, 'logs'));
  writeFileSync(path.join(temp, 'nginx.conf'), `
worker_processes 1;
error_log ${temp}/logs/error.log;
pid ${temp}/nginx.pid;
events { worker_connections 64; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
  client_body_temp_path ${temp}/body;
  proxy_temp_path ${temp}/proxy;
  fastcgi_temp_path ${temp}/fastcgi;
  uwsgi_temp_path ${temp}/uwsgi;
  scgi_temp_path ${temp}/scgi;
  server {
    listen 127.0.0.1:${port};
${recipe}
  }
}
`);
  nginx = spawn('nginx', ['-p', temp, '-c', path.join(temp, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitFor(base);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  nginx?.kill('SIGTERM');
  if (temp) rmSync(temp, { recursive: true, force: true });
});

test('through nginx under a subpath, every page and asset of the briefing loads', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const { problems, pages: reached } = await crawl(page, base, (u) => u.startsWith(base));
  const pages = readdirSync(out, { recursive: true }).filter((f) => f.endsWith('.html') && f !== '404.html');
  console.log(`# nginx crawl: ${reached} URLs, ${pages.length} pages built`);
  assert.ok(reached >= pages.length, `every built page is reached (${reached} of ${pages.length})`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('nginx answers with the cache headers of the recipe and the briefing\'s own 404 page', async () => {
  const css = readdirSync(out).find((f) => /^briefing\.[0-9a-f]{10}\.css$/.test(f));
  assert.ok(css, 'a fingerprinted stylesheet');
  const asset = await fetch(base + css);
  assert.equal(asset.status, 200);
  assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  assert.match(asset.headers.get('content-type'), /^text\/css/);
  const home = await fetch(base);
  assert.equal(home.status, 200);
  assert.equal(home.headers.get('cache-control'), 'no-cache');
  assert.match(home.headers.get('content-type'), /^text\/html/);
  const missing = await fetch(base + 'no/such/page.html');
  assert.equal(missing.status, 404);
  assert.equal(await missing.text(), readFileSync(path.join(out, '404.html'), 'utf8'));
});

test('through nginx, robots.txt, the sitemap and the feed are served and every URL they name answers', async () => {
  const robots = await fetch(base + 'robots.txt');
  assert.equal(robots.status, 200);
  assert.match(await robots.text(), new RegExp(`^Sitemap: ${base}sitemap\\.xml$`, 'm'));
  const urls = new Set();
  for (const file of ['sitemap.xml', 'atom.xml']) {
    const response = await fetch(base + file);
    assert.equal(response.status, 200, file);
    const xml = await response.text();
    for (const [, loc, href] of xml.matchAll(/<loc>([^<]+)<\/loc>|<link[^>]*href="([^"]+)"/g)) urls.add(loc ?? href);
  }
  assert.ok(urls.size > 40, `the sitemap lists every page (${urls.size} URLs)`);
  const failed = [];
  for (const url of urls) {
    assert.ok(url.startsWith(base), `${url} is absolute under the served base URL`);
    const response = await fetch(url);
    if (response.status !== 200) failed.push(`HTTP ${response.status} ${url}`);
  }
  assert.deepEqual(failed, []);
});
