// search.js — the search box in the header, on Pagefind's own API (pagefind/pagefind.js, written by
// the build). Without JavaScript the form stays hidden; opened from a file on disk it says that
// search needs a web server (Pagefind loads WebAssembly, which browsers refuse to file:// pages).
// - "/" focuses the box (not while typing in another field); Escape clears it.
// - Results show their kind, title and the matching excerpt; filters narrow them by kind and topic.
// - Links are made relative to this page (data-root), like every other link of the site.
(function () {
  "use strict";
  var form = document.querySelector("form.site-search");
  if (!form) return;
  var input = form.querySelector("input[type=search]");
  var panel = form.querySelector(".site-search-panel");
  var list = form.querySelector(".site-search-results");
  var status = form.querySelector(".site-search-status");
  var more = form.querySelector(".site-search-more");
  var selects = { kind: form.querySelector("select[name=kind]"), topic: form.querySelector("select[name=topic]") };
  var root = form.getAttribute("data-root") || "";
  var PAGE = 10;
  var shown = PAGE;
  var loading = null;
  var current = 0;
  // After "More results", the first of the new results takes the focus.
  var focusFrom = null;
  form.hidden = false;

  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    var target = event.target;
    var typing = target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
    if (typing || input.disabled) return;
    event.preventDefault();
    input.focus();
    input.select();
  });

  if (location.protocol === "file:") {
    input.disabled = true;
    say("Search works when the briefing is served by a web server (for example with briefing serve), not opened as a file from disk.");
    return;
  }

  function say(text) {
    status.textContent = text;
  }

  function load() {
    if (!loading) {
      var url = new URL(root + "pagefind/pagefind.js", document.baseURI).href;
      loading = import(url).then(function (pagefind) {
        return pagefind.options({ excerptLength: 26 }).then(function () {
          return pagefind.filters();
        }).then(function (filters) {
          fillFilter(selects.kind, filters.kind);
          fillFilter(selects.topic, filters.topic);
          return pagefind;
        });
      });
      loading.catch(function () {
        say("Search could not be loaded. Reload the page to try again.");
      });
    }
    return loading;
  }

  function fillFilter(select, counts) {
    if (!select) return;
    var names = Object.keys(counts || {}).sort(function (a, b) { return a.localeCompare(b); });
    names.forEach(function (name) {
      var option = document.createElement("option");
      option.value = name;
      option.textContent = name + " (" + counts[name] + ")";
      select.appendChild(option);
    });
    select.closest(".site-search-filter").hidden = names.length === 0;
  }

  function chosenFilters() {
    var filters = {};
    Object.keys(selects).forEach(function (name) {
      if (selects[name] && selects[name].value) filters[name] = selects[name].value;
    });
    return filters;
  }

  function run(debounce) {
    var term = input.value.trim();
    var filters = chosenFilters();
    var asked = ++current;
    if (!term && Object.keys(filters).length === 0) {
      list.replaceChildren();
      more.hidden = true;
      say("");
      return;
    }
    load().then(function (pagefind) {
      var options = { filters: filters };
      return debounce ? pagefind.debouncedSearch(term || null, options, 250) : pagefind.search(term || null, options);
    }).then(function (search) {
      if (!search || asked !== current) return null;
      return Promise.all(search.results.slice(0, shown).map(function (result) { return result.data(); }))
        .then(function (pages) {
          if (asked === current) show(term, filters, search.results.length, pages);
        });
    }).catch(function () {});
  }

  function show(term, filters, total, pages) {
    list.replaceChildren.apply(list, pages.map(item));
    more.hidden = total <= pages.length;
    if (focusFrom !== null && list.children[focusFrom]) list.children[focusFrom].querySelector("a").focus();
    focusFrom = null;
    var what = term ? " for “" + term + "”" : "";
    var within = Object.keys(filters).map(function (name) { return filters[name]; }).join(", ");
    if (within) what += " (" + within + ")";
    if (total === 0) say("No results" + what + ".");
    else if (total === pages.length) say(total + (total === 1 ? " result" : " results") + what + ".");
    else say(total + " results" + what + ", showing the first " + pages.length + ".");
  }

  function item(page) {
    var li = document.createElement("li");
    li.className = "site-search-result";
    var kind = document.createElement("span");
    kind.className = "record-kind";
    kind.textContent = page.meta.kind || "Page";
    var link = document.createElement("a");
    link.href = root + page.raw_url.replace(/^\//, "");
    link.textContent = page.meta.title || page.raw_url;
    var excerpt = document.createElement("p");
    excerpt.className = "site-search-excerpt";
    appendExcerpt(excerpt, page.excerpt || "");
    li.append(kind, " ", link, excerpt);
    return li;
  }

  // Pagefind's excerpt is text with < and > escaped and the matches in <mark>: built as nodes, so
  // nothing in it is ever parsed as HTML.
  function appendExcerpt(into, excerpt) {
    excerpt.split(/(<mark>.*?<\/mark>)/).forEach(function (part) {
      var marked = /^<mark>(.*)<\/mark>$/.exec(part);
      var text = (marked ? marked[1] : part).replace(/&lt;/g, "<").replace(/&gt;/g, ">");
      if (marked) {
        var mark = document.createElement("mark");
        mark.textContent = text;
        into.appendChild(mark);
      } else if (text) {
        into.appendChild(document.createTextNode(text));
      }
    });
  }

  function open() {
    panel.hidden = false;
    load();
  }

  function clear() {
    input.value = "";
    Object.keys(selects).forEach(function (name) { if (selects[name]) selects[name].value = ""; });
    shown = PAGE;
    run(false);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    run(false);
  });
  input.addEventListener("focus", open);
  input.addEventListener("input", function () {
    shown = PAGE;
    open();
    run(true);
  });
  Object.keys(selects).forEach(function (name) {
    if (selects[name]) selects[name].addEventListener("change", function () { shown = PAGE; run(false); });
  });
  more.addEventListener("click", function () {
    focusFrom = shown;
    shown += PAGE;
    run(false);
  });
  form.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    event.preventDefault();
    clear();
    input.focus();
    panel.hidden = true;
  });
  form.addEventListener("focusout", function (event) {
    var leaving = !event.relatedTarget || !form.contains(event.relatedTarget);
    if (leaving && !input.value.trim() && Object.keys(chosenFilters()).length === 0) panel.hidden = true;
  });
})();
