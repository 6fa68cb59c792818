//! The `briefing` command line: parses arguments, runs the library, prints the outcome.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Rendering allocates many small strings across threads; mimalloc handles that far better than
/// glibc's malloc (measured: see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Build annotated news briefings: Markdown sections and TOML records → a static HTML site.
#[derive(Debug, Parser)]
#[command(name = "briefing", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build the site into the output folder (public/ by default).
    Build {
        /// The site folder, holding site.toml.
        #[arg(short, long, default_value = ".")]
        root: PathBuf,
        /// Where to write the site [default: ROOT/public].
        #[arg(short, long = "output-dir", value_name = "OUTPUT_DIR")]
        output: Option<PathBuf>,
        /// Absolute URL the site is published at (overrides base_url in site.toml).
        #[arg(short = 'u', long)]
        base_url: Option<String>,
        /// Include pages marked `draft = true`.
        #[arg(long)]
        drafts: bool,
        /// Build into a folder that holds files briefing did not write; those files are kept, never
        /// replaced.
        #[arg(long)]
        force: bool,
        /// Treat warnings as errors: any warning fails the build and the previous output is kept.
        #[arg(long)]
        strict: bool,
    },
    /// Build the site in memory and serve it, rebuilding and reloading open pages on every change.
    ///
    /// Watches content/, sources/, templates/, static/ and site.toml. A rebuild that fails keeps the
    /// last good build served and shows its errors in the terminal and over every open page.
    /// Nothing is written to disk. Stop with Ctrl-C.
    Serve {
        /// The site folder, holding site.toml.
        #[arg(short, long, default_value = ".")]
        root: PathBuf,
        /// The address to listen on; 127.0.0.1 is reachable from this machine only.
        #[arg(short, long, default_value = "127.0.0.1")]
        interface: std::net::IpAddr,
        /// The port to listen on; 0 picks a free one.
        #[arg(short, long, default_value_t = 1111)]
        port: u16,
        /// Absolute URL written where the site needs one (canonical link, Open Graph, the 404
        /// page's links) [default: the served address, e.g. http://127.0.0.1:1111/]. Links between
        /// pages are relative and work either way; with a URL of the published site, absolute
        /// links lead there instead of to this server. The site is served under the URL's path, as
        /// published: -u https://example.org/briefings/netflix/ serves it at /briefings/netflix/.
        #[arg(short = 'u', long)]
        base_url: Option<String>,
        /// Include pages marked `draft = true`.
        #[arg(long)]
        drafts: bool,
        /// Open the site in the default browser.
        #[arg(long)]
        open: bool,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return if err.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    match cli.command {
        Command::Serve { root, interface, port, base_url, drafts, open } => {
            if let Err(usage) = check_site_arguments(&root, base_url.as_deref()) {
                eprintln!("{usage}");
                return ExitCode::from(2);
            }
            let options = briefing::serve::ServeOptions { root, interface, port, base_url, drafts, open };
            match briefing::serve::serve(options) {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) => {
                    eprintln!("{err}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Build { root, output, base_url, drafts, force, strict } => {
            if let Err(usage) = check_site_arguments(&root, base_url.as_deref()) {
                eprintln!("{usage}");
                return ExitCode::from(2);
            }
            let options = briefing::BuildOptions { root, output, base_url, drafts, force, strict };
            let outcome = briefing::build(&options);
            let color = std::io::stderr().is_terminal();
            eprint!("{}", briefing::diagnostics::render(&outcome.diagnostics, &outcome.sources, color));
            match &outcome.site {
                Some(site) => {
                    println!(
                        "Built {} pages and {} records in {} ms → {}",
                        site.pages,
                        site.records,
                        outcome.elapsed.as_millis(),
                        options.output_dir().display()
                    );
                    ExitCode::SUCCESS
                }
                None => {
                    let errors = outcome.diagnostics.iter().filter(|d| d.is_error()).count();
                    let warnings = if strict { outcome.warnings() } else { 0 };
                    let previous = match &outcome.previous_output_moved_to {
                        None => "the previous output was left untouched".to_string(),
                        Some(path) => format!("the previous output is now at {}", path.display()),
                    };
                    eprintln!("error: {}; {previous}", why_the_build_failed(errors, warnings));
                    ExitCode::FAILURE
                }
            }
        }
    }
}

/// The usage errors `build` and `serve` share: a base URL that is not absolute, a root that is no folder.
fn check_site_arguments(root: &std::path::Path, base_url: Option<&str>) -> Result<(), String> {
    if let Some(url) = base_url
        && let Some(problem) = briefing::load::base_url_problem(url)
    {
        return Err(format!(
            "error: --base-url must be an absolute URL such as https://example.org/briefing/, not `{}`: {problem}",
            url.escape_debug()
        ));
    }
    if !root.join("site.toml").is_file() && !root.is_dir() {
        return Err(format!("error: `{}` is not a folder; pass the site folder with --root", root.display()));
    }
    Ok(())
}

/// "build failed with 2 errors", and under `--strict`, with the warnings that failed it too:
/// "build failed: 1 warning treated as an error (--strict)".
fn why_the_build_failed(errors: usize, warnings_as_errors: usize) -> String {
    let warnings = || {
        let treated_as = if warnings_as_errors == 1 { "an error" } else { "errors" };
        format!("{} treated as {treated_as} (--strict)", count(warnings_as_errors, "warning"))
    };
    match (errors, warnings_as_errors) {
        (errors, 0) => format!("build failed with {}", count(errors, "error")),
        (0, _) => format!("build failed: {}", warnings()),
        (errors, _) => format!("build failed with {} and {}", count(errors, "error"), warnings()),
    }
}

/// "1 error", "2 errors".
fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::why_the_build_failed;

    #[test]
    fn the_last_line_counts_errors_and_the_warnings_that_strict_turned_into_errors() {
        assert_eq!(why_the_build_failed(1, 0), "build failed with 1 error");
        assert_eq!(why_the_build_failed(3, 0), "build failed with 3 errors");
        assert_eq!(why_the_build_failed(0, 1), "build failed: 1 warning treated as an error (--strict)");
        assert_eq!(why_the_build_failed(0, 2), "build failed: 2 warnings treated as errors (--strict)");
        assert_eq!(why_the_build_failed(1, 2), "build failed with 1 error and 2 warnings treated as errors (--strict)");
    }
}
