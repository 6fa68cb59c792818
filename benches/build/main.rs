//! The build benchmark: generates a synthetic briefing of N sections (benches/corpus.rs, seeded),
//! times full release builds of it with the real `briefing` binary (median wall time, peak memory),
//! and, in the same run, the floor: pulldown-cmark alone parsing the same Markdown and writing
//! `push_html` output.
//!
//! cargo bench --bench build -- [--pages 1000,10000] [--runs 5] [--seed 42] [--keep]

mod args;
mod corpus;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn main() {
    let args = match args::parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("error: {message}");
            std::process::exit(2);
        }
    };
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_briefing"));
    println!("briefing build benchmark — {} runs per size, seed {}, {}", args.runs, args.seed, machine());
    println!();
    println!(
        "| sections | pages written | records | briefing build (median) | peak memory | pulldown-cmark floor (median) | build ÷ floor |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for &n in &args.pages {
        match bench_size(&binary, n, &args) {
            Ok(row) => println!("{row}"),
            Err(err) => {
                eprintln!("error: N = {n}: {err}");
                std::process::exit(1);
            }
        }
    }
}

fn bench_size(binary: &Path, n: usize, args: &args::Args) -> Result<String, String> {
    let dir = std::env::temp_dir().join(format!("briefing-bench-{n}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let site = dir.join("site");
    let counts = corpus::Counts::for_sections(n);
    let markdown = corpus::generate(&site, &counts, args.seed).map_err(|e| e.to_string())?;
    let out = dir.join("public");

    let build = || -> Result<Duration, String> {
        let started = Instant::now();
        let output = Command::new(binary)
            .args(["build", "--root"])
            .arg(&site)
            .arg("--output-dir")
            .arg(&out)
            .output()
            .map_err(|e| e.to_string())?;
        let elapsed = started.elapsed();
        if !output.status.success() {
            return Err(String::from_utf8_lossy(&output.stderr).into_owned());
        }
        Ok(elapsed)
    };
    build()?; // warm the file cache
    let mut times = (0..args.runs).map(|_| build()).collect::<Result<Vec<_>, _>>()?;
    let peak = peak_child_rss_mib();
    let pages = count_files(&out, "html");

    let floor_out = dir.join("floor");
    floor(&markdown, &floor_out)?;
    let mut floors = (0..args.runs).map(|_| floor(&markdown, &floor_out)).collect::<Result<Vec<_>, _>>()?;
    if args.keep {
        eprintln!("kept the N = {n} corpus in {}", site.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }

    let build_median = median(&mut times);
    let floor_median = median(&mut floors);
    Ok(format!(
        "| {n} | {pages} | {} | {} | {peak:.0} MiB | {} | {:.1}× |",
        counts.records(),
        ms(build_median),
        ms(floor_median),
        build_median.as_secs_f64() / floor_median.as_secs_f64().max(1e-9)
    ))
}

/// pulldown-cmark alone: read each file, parse (same extensions), `push_html`, write the result.
fn floor(markdown: &[PathBuf], out: &Path) -> Result<Duration, String> {
    std::fs::create_dir_all(out).map_err(|e| e.to_string())?;
    let options = briefing::markdown::options();
    let started = Instant::now();
    for (i, path) in markdown.iter().enumerate() {
        let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
        let mut html = String::with_capacity(text.len() * 3 / 2);
        pulldown_cmark::html::push_html(&mut html, pulldown_cmark::Parser::new_ext(&text, options));
        std::fs::write(out.join(format!("{i}.html")), html).map_err(|e| e.to_string())?;
    }
    Ok(started.elapsed())
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn count_files(dir: &Path, ext: &str) -> usize {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == ext))
        .count()
}

/// The largest resident set of any child waited for so far (sizes run in ascending order, so this
/// is the current size's peak).
fn peak_child_rss_mib() -> f64 {
    // SAFETY: getrusage only writes into the struct we pass.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) } == 0;
    if ok { usage.ru_maxrss as f64 / 1024.0 } else { f64::NAN }
}

fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!("{cpus} cores ({model})")
}
