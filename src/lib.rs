//! `briefing`: a static site generator for annotated news briefings.
//! Data flows one way: load → model → markdown → render → output; every stage adds diagnostics.
//!
//! ```no_run
//! let options = briefing::BuildOptions::new("my-briefing");
//! let outcome = briefing::build(&options);
//! eprint!("{}", briefing::diagnostics::render(&outcome.diagnostics, &outcome.sources, false));
//! ```

pub mod check;
pub mod diagnostics;
pub mod format;
mod incremental;
pub mod init;
pub mod load;
pub mod markdown;
pub mod model;
pub mod output;
pub mod render;
pub mod routes;
pub mod search;
pub mod serve;
pub mod verbatim;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use diagnostics::{Diagnostic, SourceMap};
pub use load::Inputs;
use model::ModelOptions;
use output::{OutputFile, Sink as _};

/// What to build and where.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The site folder (holding `site.toml`).
    pub root: PathBuf,
    /// Where to write; `None` means `<root>/public`.
    pub output: Option<PathBuf>,
    /// Overrides `base_url` from `site.toml` (which is then not required).
    pub base_url: Option<load::BaseUrl>,
    /// Include pages marked `draft = true`.
    pub drafts: bool,
    /// Build into a folder that holds files briefing did not write (they are kept, never replaced).
    pub force: bool,
    /// Treat warnings as errors: a build with any warning fails, and the previous output is kept.
    pub strict: bool,
}

impl BuildOptions {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into(), output: None, base_url: None, drafts: false, force: false, strict: false }
    }

    pub fn output_dir(&self) -> PathBuf {
        self.output.clone().unwrap_or_else(|| self.root.join("public"))
    }
}

/// What was rendered: counts, every output's content hash by path, and (for `render_site` and
/// `render_inputs`, not `build`) every file, sorted by path.
#[derive(Debug, Default)]
pub struct RenderedSite {
    pub files: Vec<OutputFile>,
    /// Every output path with the hash of its bytes: what changed between two builds.
    pub outputs: std::sync::Arc<BTreeMap<String, blake3::Hash>>,
    /// HTML pages among `files`.
    pub pages: usize,
    pub records: usize,
    /// The files made from the whole site (`routes::Whole`) that `render_deferred` left out, to
    /// be brought up to date when asked for (`Cache::render_wholes`); empty otherwise.
    pub deferred: Vec<String>,
    /// For `build`: how many files it wrote into the output, and how many of them were already
    /// there byte for byte (left as they were: same file, same modification time).
    pub written: usize,
    pub unchanged: usize,
}

/// What a build did: the diagnostics (with the sources they quote) and, when it succeeded, counts.
#[derive(Debug)]
pub struct Outcome {
    pub diagnostics: Vec<Diagnostic>,
    pub sources: SourceMap,
    /// `Some` when the site was rendered (and, for `build`, written) without errors, and without
    /// warnings when the build was strict.
    pub site: Option<RenderedSite>,
    pub elapsed: Duration,
    /// Set only when a failed swap could not put the previous output back: where it is now. `None`
    /// after a failure means the previous output was left where and as it was.
    pub previous_output_moved_to: Option<PathBuf>,
}

impl Outcome {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    pub fn warnings(&self) -> usize {
        self.diagnostics.iter().filter(|d| !d.is_error()).count()
    }

    /// Whether the build failed: nothing was rendered, or nothing written. Errors always fail a
    /// build; warnings only a strict one, and they stay warnings in the diagnostics.
    pub fn failed(&self) -> bool {
        self.site.is_none()
    }

    /// What `--strict` does: a build that raised any warning fails as if it had errors. Its site is
    /// dropped, so `build` does not commit it.
    fn fail_on_warnings(&mut self) {
        if self.warnings() > 0 {
            self.site = None;
        }
    }
}

/// Reads the site and runs every stage but writing, keeping the files in memory.
pub fn render_site(options: &BuildOptions) -> Outcome {
    render_inputs(&Inputs::read(&options.root), options)
}

/// Runs every stage but writing on inputs already in memory, keeping the files in memory.
pub fn render_inputs(inputs: &Inputs, options: &BuildOptions) -> Outcome {
    render_cached(inputs, options, &mut Cache::default())
}

/// `render_inputs`, reusing and refreshing what `cache` kept from the previous build: every file,
/// the whole-site files included (`render_deferred`, then `Cache::render_wholes`).
pub fn render_cached(inputs: &Inputs, options: &BuildOptions, cache: &mut Cache) -> Outcome {
    let outcome = render_deferred(inputs, options, cache);
    let mut outcome = cache.complete(outcome);
    if options.strict {
        outcome.fail_on_warnings();
    }
    outcome
}

/// What `serve` runs on every edit: `render_cached` without the files made from the whole site
/// (`print.html`, `briefing.json`, the feed, the sitemap…), which read every page and record and
/// so cost as much as the rest of a rebuild together at 10,000 sections. Their paths are listed in
/// `RenderedSite::deferred`; `Cache::render_wholes` brings them up to date when one is asked for.
/// An edit that only changed the text of pages re-renders just those pages (see `incremental`).
pub fn render_deferred(inputs: &Inputs, options: &BuildOptions, cache: &mut Cache) -> Outcome {
    let mut outcome = incremental::rebuild(inputs, options, cache).unwrap_or_else(|| {
        let sink = output::MemorySink::default();
        let (mut outcome, compiled) = compile_keeping(inputs, options, cache, &sink, false);
        if let Some(site) = &mut outcome.site {
            site.files = sink.into_files();
        }
        cache.last = compiled.and_then(|compiled| incremental::Last::keep(inputs, options, compiled, &outcome));
        outcome
    });
    if options.strict {
        outcome.fail_on_warnings();
    }
    outcome
}

/// `briefing check`: every check a build makes, and then the rendered pages read back (every
/// internal link and `#fragment` resolves, ids are unique and every id reference has its id), with
/// nothing written. A problem in the rendered pages comes from a template or a static file.
pub fn check(options: &BuildOptions) -> Outcome {
    let mut outcome = render_site(options);
    if let Some(site) = &mut outcome.site {
        let files = std::mem::take(&mut site.files);
        let problems: Vec<Diagnostic> = check::check_pages(&files).iter().map(output_problem).collect();
        if !problems.is_empty() {
            outcome.diagnostics.extend(problems);
            outcome.site = None;
        }
    }
    outcome
}

/// A problem found in a rendered page, as a diagnostic about the templates it was rendered from.
fn output_problem(problem: &check::Problem) -> Diagnostic {
    let message = problem.to_string();
    let what = message.strip_prefix(&format!("{}: ", problem.page)).unwrap_or(&message);
    Diagnostic::error("templates", None, format!("in the rendered page `{}`, {what}", problem.page)).with_help(
        "the page is rendered from a template: look for the link or id in templates/ (or in a file of static/ it links to)",
    )
}

/// Builds the site into its output folder, under a lock that makes other builds into the same folder
/// wait. Pages are written into a staging folder as they are rendered; it replaces the output only
/// when every stage succeeded (and, when strict, raised no warning), keeping the files briefing did not
/// write (see `output::Staging`). Warnings that come after the swap (about clearing the previous
/// output) cannot fail a strict build: the new output is already in place.
pub fn build(options: &BuildOptions) -> Outcome {
    let started = Instant::now();
    let output = options.output_dir();
    let mut on_wait = || eprintln!("waiting for another build into {} to finish…", output.display());
    let (staging, notes) = match output::Staging::open(&options.root, &output, options.force, &mut on_wait) {
        Ok(opened) => opened,
        Err(diagnostic) => {
            return Outcome {
                diagnostics: vec![diagnostic],
                sources: SourceMap::default(),
                site: None,
                elapsed: started.elapsed(),
                previous_output_moved_to: None,
            };
        }
    };
    let inputs = Inputs::read(&options.root);
    let mut cache = Cache { pages: render::RenderCache::one_shot(), ..Cache::default() };
    let mut outcome = compile(&inputs, options, &mut cache, &staging);
    outcome.diagnostics.splice(0..0, notes);
    if options.strict {
        outcome.fail_on_warnings();
    }
    if let Some(site) = &mut outcome.site {
        (site.written, site.unchanged) = staging.counts();
    }
    if outcome.site.is_some() {
        match staging.commit() {
            Ok(notes) => outcome.diagnostics.extend(notes),
            Err(failure) => {
                outcome.diagnostics.extend(failure.diagnostics);
                outcome.previous_output_moved_to = failure.previous_output_moved_to;
                outcome.site = None;
            }
        }
    }
    outcome.elapsed = started.elapsed();
    outcome
}

/// What one build keeps for the next, so that `serve` redoes only what an edit changed: each
/// unit is keyed by the hash of everything it reads, so a hit is the same as redoing it.
#[derive(Debug, Default)]
pub struct Cache {
    pub markdown: markdown::site::MarkdownCache,
    pub pages: render::RenderCache,
    /// The last build, resolved, for an incremental rebuild to start from.
    last: Option<incremental::Last>,
}

impl Cache {
    /// Brings the files made from the whole site up to date with the last build, if
    /// `render_deferred` left them out, and returns them (each whole-site file of the last build).
    /// `None` when there is no last build to make them from (it failed, or none ran); the
    /// diagnostics when rendering them fails, as a full build would report them (with the rest
    /// of the build's diagnostics: the build then fails as a full one does).
    pub fn render_wholes(&mut self) -> Option<Result<Vec<OutputFile>, Vec<Diagnostic>>> {
        self.last.as_mut()?.render_wholes()
    }

    /// `outcome` (from `render_deferred` with this cache, the last call) with its deferred files
    /// put in, or failed with the errors they raise: what a full build gives.
    pub fn complete(&mut self, mut outcome: Outcome) -> Outcome {
        let Some(site) = outcome.site.as_mut().filter(|site| !site.deferred.is_empty()) else { return outcome };
        match self.render_wholes() {
            Some(Ok(files)) => {
                for file in files {
                    std::sync::Arc::make_mut(&mut site.outputs).insert(file.path.clone(), blake3::hash(&file.bytes));
                    site.files.push(file);
                }
                site.files.sort_by(|a, b| a.path.cmp(&b.path));
                site.deferred.clear();
            }
            Some(Err(problems)) => {
                outcome.diagnostics.extend(problems);
                diagnostics::sort(&mut outcome.diagnostics);
                diagnostics::drop_follow_ons(&mut outcome.diagnostics);
                outcome.site = None;
            }
            None => outcome.site = None,
        }
        outcome
    }
}

/// The pipeline, a pure function of `inputs` and `options` (`cache` only saves work): every stage
/// adds diagnostics; files go to `sink` only when nothing failed before render, and their hashes
/// into the outcome.
pub fn compile(inputs: &Inputs, options: &BuildOptions, cache: &mut Cache, sink: &dyn output::Sink) -> Outcome {
    compile_keeping(inputs, options, cache, sink, true).0
}

/// What a compile resolved, for an incremental rebuild to start from.
pub(crate) struct Compiled {
    pub site: model::Site,
    pub text: markdown::site::SiteText,
    pub routes: routes::Routes,
    pub templates: render::Templates,
    pub template_set: blake3::Hash,
    pub asset_urls: BTreeMap<String, String>,
}

impl Compiled {
    /// What render reads of this build, with the sources its diagnostics quote.
    pub(crate) fn render_input<'a>(&'a self, sources: &'a SourceMap) -> render::RenderInput<'a> {
        render::RenderInput {
            site: &self.site,
            text: &self.text,
            templates: &self.templates,
            template_set: self.template_set,
            routes: &self.routes,
            assets: &self.asset_urls,
            sources,
        }
    }
}

/// `compile`, also handing back what it resolved when the site was rendered; without `wholes`, the
/// files made from the whole site are left out and listed in `RenderedSite::deferred`.
fn compile_keeping(
    inputs: &Inputs,
    options: &BuildOptions,
    cache: &mut Cache,
    sink: &dyn output::Sink,
    wholes: bool,
) -> (Outcome, Option<Compiled>) {
    let started = Instant::now();
    let timings = Timings::from_env();
    let sink = output::Hashing::new(sink);
    let sink = &sink;
    let mut loaded = load::load_site(inputs);
    timings.mark("load");
    let mut diagnostics = std::mem::take(&mut loaded.diagnostics);
    let mut sources = std::mem::take(&mut loaded.sources);
    let templates = render::merge_templates(std::mem::take(&mut loaded.templates));
    let template_set = render::template_set_hash(&templates);
    let statics = merge_statics(std::mem::take(&mut loaded.statics));
    let compiled = render::Templates::compile(&templates, &mut sources, &mut diagnostics);
    let model_options = ModelOptions { include_drafts: options.drafts, base_url: options.base_url.clone() };
    let site = model::build_model(loaded, &sources, &model_options, &mut diagnostics);
    timings.mark("model");
    let mut rendered = None;
    let mut kept = None;
    if let Some(site) = site {
        let text = markdown::site::render_site(&site, &sources, &mut cache.markdown, &mut diagnostics);
        timings.mark("markdown");
        let assets = output::fingerprint(statics);
        let routes = routes::Routes::plan(&site, &assets, &mut sources, &mut diagnostics);
        diagnostics.extend(routes.check_file_links(text.all().flat_map(|rendered| &rendered.file_links)));
        if let Some(templates) = compiled
            && !diagnostics.iter().any(Diagnostic::is_error)
        {
            let input = render::RenderInput {
                site: &site,
                text: &text,
                templates: &templates,
                template_set,
                routes: &routes,
                assets: &assets.urls,
                sources: &sources,
            };
            // A full build indexes the pages for search as they are rendered (`search::Collect`).
            let collect = wholes.then(|| search::Collect::new(sink, &routes));
            let page_sink: &dyn output::Sink = match &collect {
                Some(collect) => collect,
                None => sink,
            };
            let pages = render::render_site(&input, &mut cache.pages, page_sink, &mut diagnostics);
            timings.mark("pages");
            let deferred = if let Some(collect) = collect {
                render::render_wholes(&input, sink, &mut diagnostics);
                timings.mark("wholes");
                search::write_index(collect.into_pages(), sink, &mut diagnostics);
                timings.mark("search");
                Vec::new()
            } else {
                routes.wholes().map(|(route, _)| route.to_string()).collect()
            };
            let mut statics: Vec<Option<OutputFile>> = assets.files.into_iter().map(Some).collect();
            for (_, target) in routes.iter() {
                if let routes::Target::Static(i) = target
                    && let Some(file) = statics.get_mut(*i).and_then(Option::take)
                    && let Err(diagnostic) = sink.put(file)
                {
                    diagnostics.push(diagnostic);
                }
            }
            timings.mark("statics");
            rendered = Some(RenderedSite {
                files: Vec::new(),
                outputs: std::sync::Arc::new(sink.hashes()),
                pages,
                records: site.records.len(),
                deferred,
                ..RenderedSite::default()
            });
            kept = Some(Compiled { site, text, routes, templates, template_set, asset_urls: assets.urls });
        }
    }
    diagnostics::sort(&mut diagnostics);
    diagnostics::drop_follow_ons(&mut diagnostics);
    let failed = diagnostics.iter().any(Diagnostic::is_error);
    let outcome = Outcome {
        diagnostics,
        sources,
        site: rendered.filter(|_| !failed),
        elapsed: started.elapsed(),
        previous_output_moved_to: None,
    };
    (outcome, kept.filter(|_| !failed))
}

/// Stage timings on stderr when `BRIEFING_TIMINGS` is set: for profiling, not part of the interface.
pub(crate) struct Timings(Option<std::cell::Cell<Instant>>);

impl Timings {
    fn from_env() -> Self {
        Self(std::env::var_os("BRIEFING_TIMINGS").map(|_| std::cell::Cell::new(Instant::now())))
    }

    fn mark(&self, stage: &str) {
        if let Some(last) = &self.0 {
            let now = Instant::now();
            eprintln!("{stage:>10}: {:>6.0} ms", (now - last.get()).as_secs_f64() * 1000.0);
            last.set(now);
        }
    }
}

/// The theme's static files with the site's `static/` files of the same name put in their place.
fn merge_statics(site_statics: Vec<load::StaticFile>) -> Vec<load::StaticFile> {
    let mut by_name: std::collections::BTreeMap<String, load::StaticFile> = render::theme_statics()
        .map(|(name, bytes)| {
            let file = load::StaticFile {
                name: name.to_string(),
                bytes: bytes.to_vec(),
                file: std::path::Path::new(render::THEME_DIR).join(name),
            };
            (name.to_string(), file)
        })
        .collect();
    for file in site_statics {
        by_name.insert(file.name.clone(), file);
    }
    by_name.into_values().collect()
}
