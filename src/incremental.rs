//! Incremental rebuilds: after an edit that changed only the Markdown body of existing pages, or
//! only the text of existing records, the last build's resolved site is patched and just the pages
//! that read what changed are rendered again; any other edit goes back to a full `compile` (which
//! still reuses every cached fragment and page).
//!
//! The patched result is the same, byte for byte and diagnostic for diagnostic, as a full compile
//! of the same inputs. So an edit is taken here only when it leaves alone what the model derives
//! from the whole site: a page's front matter and citations (links into it are checked again); a
//! record's id, references, topics, quoted text and note citations. Which pages read a record is
//! known from the last render (`RenderCache::readers_of`). The property test in
//! `tests/testsuite/incremental.rs` holds all this to a clean build.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use crate::diagnostics::{self, Diagnostic, SourceMap};
use crate::load::{BaseUrl, LoadedSite};
use crate::markdown::Rendered;
use crate::markdown::site::{
    note_fragment_problems, page_fragment_problems, render_note_again, render_page_again, uncited_records,
};
use crate::model::{Kind, Record, RecordChecks, RecordData, RecordKey};
use crate::output::{MemorySink, OutputFile};
use crate::routes::is_whole_file;
use crate::{BuildOptions, Cache, Compiled, Inputs, Outcome, RenderedSite};

/// The last build, resolved, and what it produced: where an incremental rebuild starts.
pub(crate) struct Last {
    inputs: Inputs,
    options: (Option<BaseUrl>, bool),
    compiled: Compiled,
    sources: SourceMap,
    diagnostics: Vec<Diagnostic>,
    /// Every file but the whole-site ones, and their hashes (shared with the outcomes handed out,
    /// which serve drops before the next edit, so an edit updates the map in place).
    files: BTreeMap<String, OutputFile>,
    hashes: Arc<BTreeMap<String, blake3::Hash>>,
    /// The files made from the whole site (`routes::Whole`), kept apart: they go stale together.
    wholes: BTreeMap<String, (OutputFile, blake3::Hash)>,
    pages: usize,
    /// Pages not rendered again because the site had errors: rendered when they are fixed.
    stale: BTreeSet<String>,
    /// Whether the files made from the whole site are behind the rest (`render_deferred` leaves
    /// them out): `files` and `hashes` then hold them as they were, and no outcome hands them out.
    wholes_stale: bool,
}

impl std::fmt::Debug for Last {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Last").field("files", &self.files.len()).field("stale", &self.stale).finish_non_exhaustive()
    }
}

fn options_key(options: &BuildOptions) -> (Option<BaseUrl>, bool) {
    (options.base_url.clone(), options.drafts)
}

impl Last {
    /// What to keep of a successful in-memory build (`outcome.site` holding every file).
    pub fn keep(inputs: &Inputs, options: &BuildOptions, compiled: Compiled, outcome: &Outcome) -> Option<Self> {
        let site = outcome.site.as_ref()?;
        let whole_routes: BTreeSet<String> = compiled.routes.wholes().map(|(route, _)| route.to_string()).collect();
        let is_whole = |path: &String| is_whole_file(&whole_routes, path);
        let hash_of =
            |file: &OutputFile| site.outputs.get(&file.path).copied().unwrap_or_else(|| blake3::hash(&file.bytes));
        Some(Self {
            inputs: inputs.clone(),
            options: options_key(options),
            sources: outcome.sources.clone(),
            diagnostics: outcome.diagnostics.clone(),
            files: site.files.iter().filter(|f| !is_whole(&f.path)).map(|f| (f.path.clone(), f.clone())).collect(),
            hashes: Arc::new(site.outputs.iter().filter(|(p, _)| !is_whole(p)).map(|(p, h)| (p.clone(), *h)).collect()),
            wholes: site
                .files
                .iter()
                .filter(|f| is_whole(&f.path))
                .map(|f| (f.path.clone(), (f.clone(), hash_of(f))))
                .collect(),
            compiled,
            pages: site.pages,
            stale: BTreeSet::new(),
            wholes_stale: !site.deferred.is_empty(),
        })
    }

    /// The routes of the files made from the whole site.
    fn whole_routes(&self) -> BTreeSet<String> {
        self.compiled.routes.wholes().map(|(route, _)| route.to_string()).collect()
    }

    fn outcome(&self, started: Instant) -> Outcome {
        let failed = self.diagnostics.iter().any(Diagnostic::is_error);
        let site = (!failed).then(|| {
            let mut files: Vec<OutputFile> = self.files.values().cloned().collect();
            let mut outputs = Arc::clone(&self.hashes);
            if self.wholes_stale {
                return RenderedSite {
                    files,
                    outputs,
                    pages: self.pages,
                    records: self.compiled.site.records.len(),
                    deferred: self.whole_routes().into_iter().collect(),
                    ..RenderedSite::default()
                };
            }
            // Only when the whole-site files are up to date (not on serve's edit path).
            let all = Arc::make_mut(&mut outputs);
            for (path, (file, hash)) in &self.wholes {
                all.insert(path.clone(), *hash);
                files.push(file.clone());
            }
            files.sort_by(|a, b| a.path.cmp(&b.path));
            RenderedSite {
                files,
                outputs,
                pages: self.pages,
                records: self.compiled.site.records.len(),
                ..RenderedSite::default()
            }
        });
        let mut diagnostics = self.diagnostics.clone();
        diagnostics::drop_follow_ons(&mut diagnostics);
        Outcome {
            diagnostics,
            sources: self.sources.clone(),
            site,
            elapsed: started.elapsed(),
            previous_output_moved_to: None,
        }
    }
}

/// A page whose body is all that changed: its index in the site, its new text and body.
struct BodyEdit {
    file: PathBuf,
    index: usize,
    text: Arc<str>,
    body: String,
}

/// Rebuilds from `cache`'s last build when every change since is a body edit; `None` when a full
/// compile is needed (and then the last build is forgotten if it was partly patched).
pub(crate) fn rebuild(inputs: &Inputs, options: &BuildOptions, cache: &mut Cache) -> Option<Outcome> {
    let started = Instant::now();
    let timings = crate::Timings::from_env();
    let last = cache.last.as_ref()?;
    if last.options != options_key(options) {
        return None;
    }
    let changed = inputs.changed_since(&last.inputs)?;
    let edits = changed.iter().map(|path| classify(last, inputs, path)).collect::<Option<Vec<_>>>()?;
    timings.mark("diff");
    // Taken out while it is patched: if the patch fails half way, it is gone.
    let mut last = cache.last.take()?;
    apply(&mut last, edits, cache)?;
    timings.mark("patch");
    last.inputs.follow(inputs, &changed);
    let outcome = last.outcome(started);
    timings.mark("outcome");
    cache.last = Some(last);
    Some(outcome)
}

/// An edit an incremental rebuild can follow.
enum Edit {
    Body(BodyEdit),
    Records(RecordEdit),
}

fn classify(last: &Last, inputs: &Inputs, path: &Path) -> Option<Edit> {
    match path.extension().and_then(|e| e.to_str()) {
        Some("md") => body_edit(last, inputs, path).map(Edit::Body),
        Some("toml") => record_edit(last, inputs, path).map(Edit::Records),
        _ => None,
    }
}

/// A records file whose records kept their ids and everything the model derives from them.
struct RecordEdit {
    file: PathBuf,
    text: Arc<str>,
    records: Vec<Record>,
    /// The records whose data changed.
    changed: BTreeSet<RecordKey>,
}

/// The edit of `path` if it is a records file of the last build (which had no errors) whose
/// records changed only in what the pages showing them read.
fn record_edit(last: &Last, inputs: &Inputs, path: &Path) -> Option<RecordEdit> {
    if !path.starts_with("content") || last.diagnostics.iter().any(Diagnostic::is_error) {
        return None;
    }
    let mut loaded = LoadedSite::default();
    crate::load::load_record_file(&mut loaded, path, inputs.get(path)?);
    if !loaded.diagnostics.is_empty() || !loaded.broken_records.is_empty() {
        return None;
    }
    let text: Arc<str> = Arc::from(loaded.sources.get(path)?);
    let site = &last.compiled.site;
    let before: BTreeMap<&RecordKey, &Record> = site.records.iter().filter(|(_, r)| r.file == path).collect();
    let mut after: BTreeMap<RecordKey, &Record> = BTreeMap::new();
    for record in &loaded.records {
        if after.insert(record.key(), record).is_some() {
            return None;
        }
    }
    if before.is_empty() || !before.keys().copied().eq(after.keys()) {
        return None;
    }
    let mut changed = BTreeSet::new();
    for ((key, old), new) in before.iter().zip(after.values()) {
        if old.data != new.data {
            if !same_shape(old, new) {
                return None;
            }
            changed.insert((*key).clone());
        }
    }
    Some(RecordEdit { file: path.to_path_buf(), text, records: loaded.records, changed })
}

/// Whether two versions of a record agree on everything the model derives from the whole site:
/// what it references, its topics, a quote's text (links to it are checked against it), a
/// source's fields (its file is one the quotes are checked against), and what the listings sort
/// and group it by (its title, a use case's stages and technique, a controversy's status).
fn same_shape(old: &Record, new: &Record) -> bool {
    let references = |record: &Record| -> Vec<(String, &'static [Kind])> {
        record.references().into_iter().map(|(id, kinds)| (id.get_ref().clone(), kinds)).collect()
    };
    let related = |record: &Record| match &record.data {
        RecordData::Controversy(c) => c.related.clone(),
        _ => Vec::new(),
    };
    let quoted = |record: &Record| match &record.data {
        RecordData::Quote(q) => Some(q.text.get_ref().clone()),
        _ => None,
    };
    // What orders and groups the listings (`render::listing`): their pages read only what they show.
    let grouped_by = |record: &Record| match &record.data {
        RecordData::Controversy(c) => vec![c.status.to_string()],
        RecordData::UseCase(u) => {
            let mut labels: Vec<String> = u.stage.iter().map(|s| s.get_ref().clone()).collect();
            labels.push(u.technique.to_string());
            labels
        }
        _ => Vec::new(),
    };
    let is_source = matches!(new.data, RecordData::Source(_)) || matches!(old.data, RecordData::Source(_));
    !is_source
        && old.title() == new.title()
        && grouped_by(old) == grouped_by(new)
        && references(old) == references(new)
        && related(old) == related(new)
        && old.topics() == new.topics()
        && quoted(old) == quoted(new)
}

/// The edit of `path` if it only changed the body of a page the last build had.
fn body_edit(last: &Last, inputs: &Inputs, path: &Path) -> Option<BodyEdit> {
    let rel = path.strip_prefix("content").ok()?;
    let site = &last.compiled.site;
    let &index = site.page_index.get(rel)?;
    let page = &site.pages[index];
    let text = std::str::from_utf8(&inputs.get(path)?.bytes).ok()?;
    if text.contains('\0') {
        return None;
    }
    let (_, front_offset, body_offset) = crate::load::split_front_matter(text).ok()?;
    let before = last.sources.get(path)?;
    let unchanged_front = front_offset == page.source.front_offset
        && body_offset == page.source.body_offset
        && text.get(..body_offset) == before.get(..body_offset);
    unchanged_front.then(|| BodyEdit {
        file: path.to_path_buf(),
        index,
        text: Arc::from(text),
        body: text[body_offset..].to_string(),
    })
}

/// What another page reads of `rendered` besides its ids (whose links `own_problems` checks again):
/// its citations, which make the records' "cited in" lists.
fn exports(rendered: &Rendered) -> impl PartialEq + '_ {
    &rendered.citations
}

/// Patches the last build with `edits` and renders the pages they change; `None` when an edit
/// turns out to reach further (the caller then compiles the whole site).
fn apply(last: &mut Last, edits: Vec<Edit>, cache: &mut Cache) -> Option<()> {
    let environment = last.compiled.text.environment?;
    cache.markdown.reused = 0;
    cache.markdown.rendered = 0;
    let mut world_unchanged = true;
    for edit in edits {
        match edit {
            Edit::Body(edit) => apply_body(last, edit, &environment, cache)?,
            Edit::Records(edit) => {
                world_unchanged = false;
                apply_records(last, edit, &environment, cache)?;
            }
        }
    }
    // Every other fragment and page stands as it was: reused, in the counters' terms.
    let text = &last.compiled.text;
    cache.markdown.reused = (text.pages.len() + text.notes.len()).saturating_sub(cache.markdown.rendered);
    if last.diagnostics.iter().any(Diagnostic::is_error) {
        cache.pages.rendered = 0;
        cache.pages.reused = last.pages;
        return Some(());
    }
    let timings = crate::Timings::from_env();
    render_stale(last, cache, world_unchanged)?;
    timings.mark("render");
    cache.pages.reused = last.pages.saturating_sub(cache.pages.rendered);
    Some(())
}

fn apply_body(last: &mut Last, edit: BodyEdit, environment: &blake3::Hash, cache: &mut Cache) -> Option<()> {
    let before = own_problems(last, edit.index);
    last.compiled.site.pages[edit.index].source.body = edit.body;
    let rendered = render_page_again(&last.compiled.site, edit.index, environment, &mut cache.markdown)?;
    let previous = std::mem::replace(&mut last.compiled.text.pages[edit.index], rendered);
    if exports(&previous) != exports(&last.compiled.text.pages[edit.index]) {
        return None;
    }
    last.sources.insert(edit.file, edit.text);
    let after = own_problems(last, edit.index);
    replace_problems(&mut last.diagnostics, &before, after);
    last.stale.insert(last.compiled.site.pages[edit.index].url.clone());
    Some(())
}

/// Puts the edited records in place, renders their notes again, checks the file's records again
/// (its diagnostics are all its records' and notes'), and marks every page that read a changed
/// record. Errors go back to a full compile, which reports them.
fn apply_records(last: &mut Last, edit: RecordEdit, environment: &blake3::Hash, cache: &mut Cache) -> Option<()> {
    let timings = crate::Timings::from_env();
    let Last { compiled, sources, diagnostics, stale, .. } = last;
    let Compiled { site, text, routes, .. } = compiled;
    sources.insert(edit.file.clone(), edit.text);
    let keys: Vec<RecordKey> = edit.records.iter().map(Record::key).collect();
    for record in edit.records {
        site.records.insert(record.key(), record);
    }
    for key in &keys {
        let note = render_note_again(site, key, sources, environment, &mut cache.markdown);
        let previous = match note {
            Some(note) => text.notes.insert(key.clone(), note),
            None => text.notes.remove(key),
        };
        let cites = |note: Option<&Arc<Rendered>>| note.map(|n| n.citations.clone()).unwrap_or_default();
        let (was, is) = (cites(previous.as_ref()), cites(text.notes.get(key)));
        // A note's citations are listed under its record's title on the records it cites.
        if was != is || (!is.is_empty() && edit.changed.contains(key)) {
            return None;
        }
    }
    timings.mark("notes");
    let mut found = Vec::new();
    let checks = RecordChecks {
        records: &site.records,
        broken: &site.broken,
        source_texts: &site.source_texts,
        quotable: &site.quotable,
        declared_topics: Some(&site.config.topics),
    };
    checks.run(Some(&edit.file), sources, &mut found);
    found.extend(uncited_records(site, text, Some(&edit.file)));
    timings.mark("checks");
    for key in &keys {
        if let Some(note) = text.notes.get(key) {
            found.extend(note.diagnostics.iter().cloned());
            found.extend(note_fragment_problems(site, text, key));
            found.extend(routes.check_file_links(&note.file_links));
        }
    }
    if found.iter().any(Diagnostic::is_error) {
        return None;
    }
    diagnostics.retain(|d| d.file != edit.file);
    diagnostics.extend(found);
    diagnostics::sort(diagnostics);
    stale.extend(cache.pages.readers_of(&edit.changed));
    timings.mark("readers");
    Some(())
}

/// The diagnostics that belong to page `index`'s body: its Markdown's, its links', and those of
/// links elsewhere into it (its ids may have changed).
fn own_problems(last: &Last, index: usize) -> Vec<Diagnostic> {
    let compiled = &last.compiled;
    let rendered = &compiled.text.pages[index];
    let mut problems = rendered.diagnostics.clone();
    problems.extend(page_fragment_problems(&compiled.site, &compiled.text, index));
    problems.extend(compiled.routes.check_file_links(&rendered.file_links));
    problems
}

/// Takes `before` out of `all` (once each) and puts `after` in, in the canonical order.
fn replace_problems(all: &mut Vec<Diagnostic>, before: &[Diagnostic], after: Vec<Diagnostic>) {
    for gone in before {
        if let Some(at) = all.iter().position(|d| d == gone) {
            all.remove(at);
        }
    }
    all.extend(after);
    diagnostics::sort(all);
}

/// Renders the pages edited since they were last rendered, over the unchanged rest of the site.
fn render_stale(last: &mut Last, cache: &mut Cache, world_unchanged: bool) -> Option<()> {
    let sink = MemorySink::default();
    let mut problems = Vec::new();
    let input = last.compiled.render_input(&last.sources);
    crate::render::render_routes(&input, &mut cache.pages, &sink, &mut problems, &last.stale, world_unchanged);
    if !problems.is_empty() {
        return None;
    }
    let hashes = Arc::make_mut(&mut last.hashes);
    for file in sink.into_files() {
        hashes.insert(file.path.clone(), blake3::hash(&file.bytes));
        last.files.insert(file.path.clone(), file);
    }
    // Every whole-site file reads every page or record: left for `Last::render_wholes` after any
    // edit (not after a save that changed nothing).
    if !last.stale.is_empty() || !world_unchanged {
        last.wholes_stale = true;
    }
    last.stale.clear();
    Some(())
}

impl Last {
    /// See `Cache::render_wholes`.
    pub fn render_wholes(&mut self) -> Option<Result<Vec<OutputFile>, Vec<Diagnostic>>> {
        if self.diagnostics.iter().any(Diagnostic::is_error) {
            return None;
        }
        if self.wholes_stale {
            let sink = MemorySink::default();
            let mut problems = Vec::new();
            let compiled = &self.compiled;
            let input = compiled.render_input(&self.sources);
            crate::render::render_wholes(&input, &sink, &mut problems);
            // A template error in a card the feed shows was already reported by the pages showing it.
            problems.retain(|problem| !self.diagnostics.contains(problem));
            if !problems.is_empty() {
                return Some(Err(problems));
            }
            let search = match crate::search::index_files(&compiled.routes, &self.files) {
                Ok(search) => search,
                Err(problem) => return Some(Err(vec![problem])),
            };
            // All of them are made again together; the search index's files are named by their
            // contents, so the old set goes as a whole.
            self.wholes.clear();
            for file in sink.into_files().into_iter().chain(search) {
                let hash = blake3::hash(&file.bytes);
                self.wholes.insert(file.path.clone(), (file, hash));
            }
            self.wholes_stale = false;
        }
        Some(Ok(self.wholes.values().map(|(file, _)| file.clone()).collect()))
    }
}
