//! The rebuild benchmark: what `briefing serve` does after an edit, on the seeded corpus of the
//! build benchmark. For each kind of edit it times, from the change being seen to the new build
//! being ready, `Inputs::refresh` of the changed path plus `render_deferred` (the site rendered in
//! memory, reusing the previous build's cache, without the files made from the whole site), and
//! compares it with a build from scratch; then (e) how long bringing the whole-site files up to
//! date after (a) takes (`Cache::render_wholes`, what serve does on the first request for one).
//!
//! cargo bench --bench rebuild -- [--pages 1000,10000] [--runs 5] [--seed 42] [--keep]

#[path = "../build/args.rs"]
mod args;
#[path = "../build/corpus.rs"]
#[allow(dead_code)] // shared with the build benchmark, which uses all of it
mod corpus;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use briefing::{BuildOptions, Cache, Inputs};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The state `serve` keeps between edits.
struct Session {
    root: PathBuf,
    options: BuildOptions,
    inputs: Inputs,
    cache: Cache,
}

impl Session {
    fn start(root: &Path) -> Self {
        let options = BuildOptions::new(root);
        let inputs = Inputs::read(root);
        let mut cache = Cache::default();
        let outcome = briefing::render_deferred(&inputs, &options, &mut cache);
        assert!(outcome.site.is_some(), "the corpus builds");
        Self { root: root.to_path_buf(), options, inputs, cache }
    }

    /// Writes `text` to `path` (site-relative), then times the refresh and the rebuild.
    fn edit(&mut self, path: &str, text: Option<&str>) -> (Duration, (usize, usize)) {
        let full = self.root.join(path);
        match text {
            Some(text) => {
                if let Some(parent) = full.parent() {
                    std::fs::create_dir_all(parent).expect("mkdir");
                }
                std::fs::write(&full, text).expect("write");
            }
            None => std::fs::remove_file(&full).expect("remove"),
        }
        let started = Instant::now();
        self.inputs.refresh(&[full]);
        let outcome = briefing::render_deferred(&self.inputs, &self.options, &mut self.cache);
        let elapsed = started.elapsed();
        assert!(outcome.site.is_some(), "the edited corpus builds");
        (elapsed, (self.cache.markdown.rendered, self.cache.pages.rendered))
    }

    /// Times bringing the whole-site files up to date with the last build.
    fn wholes(&mut self) -> Duration {
        let started = Instant::now();
        let made = self.cache.render_wholes();
        let elapsed = started.elapsed();
        assert!(matches!(made, Some(Ok(files)) if !files.is_empty()), "the whole-site files are made");
        elapsed
    }

    fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.root.join(path)).expect("read")
    }
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let args = match args::parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("error: {message}");
            std::process::exit(2);
        }
    };
    let theme_404 = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/404.html"))
        .expect("the theme's 404 template");
    println!("briefing rebuild benchmark — {} runs per edit, seed {}", args.runs, args.seed);
    println!();
    println!(
        "| sections | full build in memory | (a) one sentence | (b) one record's text | (c) one section added | (d) one template | (e) whole-site files after (a) | Markdown fragments / pages rendered again (a; b; c) |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|");
    for &n in &args.pages {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().join("site");
        if args.keep {
            eprintln!("keeping the N = {n} corpus in {}", root.display());
        }
        corpus::generate(&root, &corpus::Counts::for_sections(n), args.seed).expect("corpus");
        let full: Vec<Duration> = (0..args.runs)
            .map(|_| {
                let started = Instant::now();
                let inputs = Inputs::read(&root);
                let outcome = briefing::render_inputs(&inputs, &BuildOptions::new(&root));
                assert!(outcome.site.is_some());
                started.elapsed()
            })
            .collect();
        let mut session = Session::start(&root);
        let section = "content/part-000/page-000.md";
        let original = session.read(section);
        let records = "content/records/other.toml";
        let original_records = session.read(records);
        let (mut a, mut b, mut c, mut d, mut e) = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut fa, mut fb, mut fc) = ((0, 0), (0, 0), (0, 0));
        for run in 0..args.runs {
            let (t, f) = session.edit(section, Some(&format!("{original}\nOne more sentence, edit {run}.\n")));
            a.push(t);
            fa = f;
            e.push(session.wholes());
            let edited = original_records.replacen("summary = \"", &format!("summary = \"Edit {run}: "), 1);
            let (t, f) = session.edit(records, Some(&edited));
            b.push(t);
            fb = f;
            let added = format!("content/added-{run}.md");
            let (t, f) = session.edit(&added, Some("+++\ntitle = \"Added\"\nweight = 1000\n+++\nA new section.\n"));
            c.push(t);
            fc = f;
            session.edit(&added, None);
            let (t, _) = session.edit("templates/404.html", Some(&format!("{theme_404}\n{{# edit {run} #}}\n")));
            d.push(t);
        }
        if args.keep {
            let _ = dir.keep();
        }
        println!(
            "| {n} | {} | {} | {} | {} | {} | {} | {} / {}; {} / {}; {} / {} |",
            ms(median(full)),
            ms(median(a)),
            ms(median(b)),
            ms(median(c)),
            ms(median(d)),
            ms(median(e)),
            fa.0,
            fa.1,
            fb.0,
            fb.1,
            fc.0,
            fc.1
        );
    }
}
