// briefing serve: live reload and the build-error overlay. Only `briefing serve` adds this script to
// the pages it serves; `briefing build` output never holds it.
(() => {
  'use strict';
  const script = document.currentScript;
  const build = script ? script.dataset.build : '';
  // The event stream is beside this script, under whatever path the site is served at.
  const eventsUrl = script ? new URL('events', script.src).href : '/__briefing/events';
  const scrollKey = `briefing-serve-scroll:${location.pathname}${location.search}`;
  let overlay = null;
  // The failure the reader hid with Escape: the same one arriving again stays hidden.
  let dismissed = null;
  let current = null;

  restoreScroll();
  let events = null;
  if (document.visibilityState !== 'hidden') listen();
  // Browsers open at most six HTTP/1.1 connections to one server, and every listening page holds one:
  // a hidden tab lets go of its stream and catches up (reloading if the build changed) when shown.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') stopListening();
    else if (!events) listen();
  });

  function listen() {
    events = new EventSource(eventsUrl);
    // For tests and the curious: whether this page listens for rebuilds.
    events.addEventListener('open', () => { window.briefingServe = 'connected'; });
    events.addEventListener('status', (event) => {
      let status;
      try {
        status = JSON.parse(event.data);
      } catch {
        return;
      }
      if (status.build !== build) {
        reload();
      } else if (status.failed) {
        show(status.failed, event.data);
      } else {
        hide();
      }
    });
  }

  function stopListening() {
    if (events) events.close();
    events = null;
    window.briefingServe = 'hidden';
  }

  function reload() {
    try {
      sessionStorage.setItem(scrollKey, String(window.scrollY));
    } catch {
      // Storage may be off: the page still reloads, at its top.
    }
    stopListening();
    location.reload();
  }

  function restoreScroll() {
    let saved = null;
    try {
      saved = sessionStorage.getItem(scrollKey);
      sessionStorage.removeItem(scrollKey);
    } catch {
      return;
    }
    const y = Number(saved);
    if (saved === null || !Number.isFinite(y)) return;
    const scroll = () => window.scrollTo(0, y);
    if (document.readyState === 'complete') scroll();
    else window.addEventListener('load', scroll, { once: true });
  }

  function show(failed, key) {
    current = key;
    if (key === dismissed) return;
    const parts = overlay || (overlay = createOverlay());
    const { dialog, title, list } = parts;
    const count = (n, what) => `${n} ${what}${n === 1 ? '' : 's'}`;
    title.textContent = `Build failed with ${count(failed.errors, 'error')}` +
      (failed.warnings ? ` and ${count(failed.warnings, 'warning')}` : '');
    list.replaceChildren(...failed.diagnostics.map(item));
    if (!dialog.open) dialog.showModal();
    for (const excerpt of list.querySelectorAll('pre')) revealCaret(excerpt);
  }

  // On a narrow screen a long source line scrolls: bring the caret into view rather than the start.
  function revealCaret(excerpt) {
    const lines = excerpt.textContent.split('\n');
    const caretLine = lines.find((line) => /\|\s*\^/.test(line));
    const longest = Math.max(...lines.map((line) => line.length));
    if (!caretLine || excerpt.scrollWidth <= excerpt.clientWidth || longest === 0) return;
    const charWidth = excerpt.scrollWidth / longest;
    excerpt.scrollLeft = Math.max(0, caretLine.indexOf('^') * charWidth - excerpt.clientWidth / 3);
  }

  function hide() {
    current = null;
    dismissed = null;
    if (overlay && overlay.dialog.open) overlay.dialog.close();
  }

  // One diagnostic, as the terminal shows it: where, what, the source excerpt with its caret, how to fix.
  // User text goes in with textContent only.
  function item(diagnostic, index) {
    const li = element('li', diagnostic.severity === 'error' ? 'item error' : 'item warning');
    const where = element('p', 'where');
    where.append(element('span', 'severity', diagnostic.severity), ' ', element('code', 'location', diagnostic.location));
    li.append(where, element('p', 'message', diagnostic.message));
    if (diagnostic.excerpt) {
      const excerpt = element('pre', 'excerpt', diagnostic.excerpt);
      // Long lines scroll sideways: the excerpt must be reachable by keyboard.
      excerpt.tabIndex = 0;
      excerpt.setAttribute('role', 'region');
      excerpt.setAttribute('aria-label', `Source excerpt ${index + 1}, ${diagnostic.location}`);
      li.append(excerpt);
    }
    if (diagnostic.help) {
      const help = element('p', 'help');
      help.append(element('span', 'help-label', 'help:'), ' ', diagnostic.help);
      li.append(help);
    }
    return li;
  }

  function element(name, className, text) {
    const node = document.createElement(name);
    node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function createOverlay() {
    const host = document.createElement('briefing-serve-overlay');
    // A shadow root keeps the theme's CSS out of the overlay and the overlay's out of the page.
    const root = host.attachShadow({ mode: 'open' });
    root.innerHTML = `<style>${STYLE}</style>
<dialog role="alertdialog" aria-labelledby="briefing-serve-title" aria-describedby="briefing-serve-summary">
  <div class="head">
    <h2 id="briefing-serve-title"></h2>
    <button type="button" class="hide">Hide <span aria-hidden="true">(Esc)</span></button>
  </div>
  <p id="briefing-serve-summary">This page shows the last build that succeeded. Fix the problems below;
  the page reloads by itself as soon as the site builds.</p>
  <ol class="list"></ol>
</dialog>`;
    (document.body || document.documentElement).append(host);
    const dialog = root.querySelector('dialog');
    root.querySelector('.hide').addEventListener('click', () => dialog.close());
    // Escape closes a modal dialog by itself; remember that this failure was hidden.
    dialog.addEventListener('close', () => {
      if (current !== null) dismissed = current;
    });
    return { dialog, title: root.querySelector('h2'), list: root.querySelector('.list') };
  }

  const STYLE = `
:host { all: initial; }
dialog {
  --bg: #ffffff; --fg: #1b1b1b; --muted: #4a4a4a; --error: #b3261e; --warning: #7a4d00;
  --code-bg: #f3f3f3; --border: #b3261e; --focus: #0b57d0; --help: #0b4a9e;
  box-sizing: border-box; width: min(58rem, calc(100vw - 1rem)); max-height: calc(100vh - 1rem);
  margin: auto; padding: 0; overflow: auto; border: 3px solid var(--border); border-radius: 8px;
  background: var(--bg); color: var(--fg); font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif;
  text-align: start;
}
dialog::backdrop { background: rgb(0 0 0 / 0.6); }
@media (prefers-color-scheme: dark) {
  dialog {
    --bg: #1e1e1e; --fg: #f1f1f1; --muted: #c9c9c9; --error: #ffb4ab; --warning: #ffd27a;
    --code-bg: #2b2b2b; --border: #ffb4ab; --focus: #a8c7fa; --help: #a8c7fa;
  }
}
.head { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 0.5rem 1rem;
  padding: 1rem 1rem 0; }
h2 { margin: 0; font-size: 1.25rem; line-height: 1.3; color: var(--error); }
#briefing-serve-summary { margin: 0.5rem 1rem 0; color: var(--muted); }
button { font: inherit; color: var(--fg); background: var(--code-bg); border: 2px solid var(--fg);
  border-radius: 6px; padding: 0.25rem 0.75rem; cursor: pointer; min-height: 2.75rem; min-width: 2.75rem; }
button:focus-visible, pre:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.list { list-style: none; margin: 0; padding: 0.5rem 1rem 1rem; }
.item { margin: 0.75rem 0 0; padding: 0.75rem 0 0; border-top: 1px solid var(--muted); }
.item p { margin: 0 0 0.25rem; overflow-wrap: anywhere; }
.severity { font-weight: 700; text-transform: uppercase; font-size: 0.8125rem; letter-spacing: 0.04em; }
.error .severity { color: var(--error); }
.warning .severity { color: var(--warning); }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 0.875rem; }
.location { font-weight: 700; }
.message { font-weight: 600; }
pre { margin: 0.25rem 0 0.5rem; padding: 0.5rem 0.75rem; background: var(--code-bg); color: var(--fg);
  border-radius: 4px; overflow-x: auto; white-space: pre; tab-size: 4; }
.help-label { font-weight: 700; color: var(--help); }
`;
})();
