//! The build benchmark: generates a synthetic briefing of N sections in each shape (flat, nested,
//! record-heavy: benches/build/corpus.rs, seeded), times full release builds of it with the real
//! `briefing` binary (median wall time, peak memory), and, in the same run, the floor:
//! pulldown-cmark alone parsing the same Markdown and writing `push_html` output.
//!
//! cargo bench --bench build -- [--pages 1000,10000] [--runs 5] [--seed 42] [--keep]
//!     [--shapes flat,nested,record-heavy]

mod args;
mod corpus;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn main() {
    if std::env::args().nth(1).as_deref() == Some(PEAK_OF) {
        peak_of_command();
    }
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
        "| shape | sections | pages written | records | briefing build (median) | peak memory | pulldown-cmark floor (median) | build ÷ floor | Hugo (median) | build ÷ Hugo |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    if hugo_version().is_none() {
        eprintln!(
            "note: `hugo` is not on the PATH, so the flat shape is not compared with Hugo (Debian: apt install hugo)"
        );
    }
    let mut shapes = Vec::new();
    for name in &args.shapes {
        match corpus::Shape::parse(name) {
            Some(shape) => shapes.push(shape),
            None => {
                eprintln!("error: unknown shape `{name}`; the shapes are flat, nested and record-heavy");
                std::process::exit(2);
            }
        }
    }
    for &n in &args.pages {
        for &shape in &shapes {
            match bench_size(&binary, shape, n, &args) {
                Ok(row) => println!("{row}"),
                Err(err) => {
                    eprintln!("error: {} N = {n}: {err}", shape.name());
                    std::process::exit(1);
                }
            }
        }
    }
}

fn bench_size(binary: &Path, shape: corpus::Shape, n: usize, args: &args::Args) -> Result<String, String> {
    let dir = std::env::temp_dir().join(format!("briefing-bench-{}-{n}-{}", shape.name(), std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let site = dir.join("site");
    let records = match shape {
        corpus::Shape::RecordHeavy => corpus::Counts::for_sections(n).records(),
        corpus::Shape::Flat | corpus::Shape::Nested => 0,
    };
    let markdown = corpus::generate_shape(&site, shape, n, args.seed).map_err(|e| e.to_string())?;
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
    let peak = peak_of_build(binary, &site, &out)?;
    let pages = count_files(&out, "html");

    let floor_out = dir.join("floor");
    floor(&markdown, &floor_out)?;
    let mut floors = (0..args.runs).map(|_| floor(&markdown, &floor_out)).collect::<Result<Vec<_>, _>>()?;
    let hugo = match shape {
        corpus::Shape::Flat if hugo_version().is_some() => Some(hugo_median(&site, &dir.join("hugo"), args.runs)?),
        _ => None,
    };
    if args.keep {
        eprintln!("kept the N = {n} corpus in {}", site.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }

    let build_median = median(&mut times);
    let floor_median = median(&mut floors);
    let (hugo_ms, versus_hugo) = match hugo {
        Some(hugo) => (ms(hugo), format!("{:.2}×", build_median.as_secs_f64() / hugo.as_secs_f64().max(1e-9))),
        None => ("—".to_string(), "—".to_string()),
    };
    Ok(format!(
        "| {} | {n} | {pages} | {records} | {} | {peak:.0} MiB | {} | {:.1}× | {hugo_ms} | {versus_hugo} |",
        shape.name(),
        ms(build_median),
        ms(floor_median),
        build_median.as_secs_f64() / floor_median.as_secs_f64().max(1e-9)
    ))
}

/// `hugo version`'s first line, when Hugo is on the PATH.
fn hugo_version() -> Option<String> {
    let output = Command::new("hugo").arg("version").output().ok()?;
    output.status.success().then(|| String::from_utf8_lossy(&output.stdout).lines().next().unwrap_or("").to_string())
}

/// The same Markdown built by Hugo with a minimal layout (each page's content in a bare HTML page)
/// and its taxonomies, feeds, sitemap and robots.txt off: its median wall time over `runs` builds,
/// after one warm-up, from spawn to exit, like briefing's.
fn hugo_median(site: &Path, dir: &Path, runs: usize) -> Result<Duration, String> {
    let io = |e: std::io::Error| e.to_string();
    let content = dir.join("content");
    std::fs::create_dir_all(&content).map_err(io)?;
    for entry in std::fs::read_dir(site.join("content")).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.extension().is_some_and(|ext| ext == "md") {
            std::fs::copy(&path, content.join(path.file_name().unwrap_or_default())).map_err(io)?;
        }
    }
    std::fs::write(
        dir.join("hugo.toml"),
        "baseURL = \"https://example.org/bench/\"\ntitle = \"Synthetic briefing\"\n\
         disableKinds = [\"taxonomy\", \"term\", \"RSS\", \"sitemap\", \"robotsTXT\", \"404\"]\n",
    )
    .map_err(io)?;
    let layouts = dir.join("layouts/_default");
    std::fs::create_dir_all(&layouts).map_err(io)?;
    let page = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{{ .Title }}</title></head>\n<body><main><h1>{{ .Title }}</h1>\n{{ .Content }}</main></body></html>\n";
    for name in ["single.html", "list.html"] {
        std::fs::write(layouts.join(name), page).map_err(io)?;
    }
    let out = dir.join("public");
    let build = || -> Result<Duration, String> {
        let started = Instant::now();
        let output = Command::new("hugo")
            .args(["--quiet", "--source"])
            .arg(dir)
            .arg("--destination")
            .arg(&out)
            .output()
            .map_err(io)?;
        if !output.status.success() {
            return Err(format!("hugo failed: {}", String::from_utf8_lossy(&output.stderr)));
        }
        Ok(started.elapsed())
    };
    build()?;
    let mut times = (0..runs).map(|_| build()).collect::<Result<Vec<_>, _>>()?;
    Ok(median(&mut times))
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

/// The first argument that makes this benchmark run the rest of its arguments as a command and print
/// that command's peak resident set: a fresh process has no other children to mix it with.
const PEAK_OF: &str = "--peak-of";

fn peak_of_command() -> ! {
    let args: Vec<String> = std::env::args().skip(2).collect();
    let Some((program, rest)) = args.split_first() else { std::process::exit(2) };
    let status = Command::new(program).args(rest).stdout(std::process::Stdio::null()).status();
    match status {
        Ok(status) if status.success() => {
            println!("{}", peak_child_rss_mib());
            std::process::exit(0)
        }
        _ => std::process::exit(1),
    }
}

/// The peak resident set of one more build, in MiB, measured by a copy of this benchmark.
fn peak_of_build(binary: &Path, site: &Path, out: &Path) -> Result<f64, String> {
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let output = Command::new(me)
        .arg(PEAK_OF)
        .arg(binary)
        .args(["build", "--root"])
        .arg(site)
        .arg("--output-dir")
        .arg(out)
        .output()
        .map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err("the build for the memory peak failed".to_string());
    }
    String::from_utf8_lossy(&output.stdout).trim().parse().map_err(|e| format!("peak: {e}"))
}

/// The largest resident set of any child waited for so far.
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
