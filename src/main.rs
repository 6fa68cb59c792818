//! The `briefing` command line: parses arguments, runs the library, prints the outcome.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use briefing::BuildOptions;
use briefing::load::BaseUrl;
use clap::{Args, Parser, Subcommand};

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

/// What every command that reads a site is told: where it is, where it is published, and drafts.
#[derive(Debug, Args)]
struct SiteArgs {
    /// The site folder, holding site.toml.
    #[arg(short, long, default_value = ".")]
    root: PathBuf,
    /// Absolute URL the site is published at, e.g. https://example.org/briefing/ (overrides base_url
    /// in site.toml, which is then not required).
    #[arg(short = 'u', long, value_name = "BASE_URL")]
    base_url: Option<BaseUrl>,
    /// Include pages marked `draft = true`.
    #[arg(long)]
    drafts: bool,
}

impl SiteArgs {
    /// The options of a build of this site, after checking that the root is a folder.
    fn build_options(self) -> Result<BuildOptions, String> {
        if !self.root.join("site.toml").is_file() && !self.root.is_dir() {
            return Err(format!("error: `{}` is not a folder; pass the site folder with --root", self.root.display()));
        }
        Ok(BuildOptions { base_url: self.base_url, drafts: self.drafts, ..BuildOptions::new(self.root) })
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build the site into the output folder (public/ by default).
    Build {
        #[command(flatten)]
        site: SiteArgs,
        /// Where to write the site [default: ROOT/public].
        #[arg(short, long = "output-dir", value_name = "OUTPUT_DIR")]
        output: Option<PathBuf>,
        /// Build into a folder that holds files briefing did not write; those files are kept, never
        /// replaced.
        #[arg(long)]
        force: bool,
        /// Treat warnings as errors: any warning fails the build and the previous output is kept.
        #[arg(long)]
        strict: bool,
    },
    /// Run every check a build makes, and check the rendered pages' links and ids; write nothing.
    ///
    /// Exits 0 when the site would build, 1 when it has errors (or, with --strict, warnings).
    Check {
        #[command(flatten)]
        site: SiteArgs,
        /// Treat warnings as errors.
        #[arg(long)]
        strict: bool,
    },
    /// Build the site in memory and serve it, rebuilding and reloading open pages on every change.
    ///
    /// Watches content/, sources/, templates/, static/ and site.toml. A rebuild that fails keeps the
    /// last good build served and shows its errors in the terminal and over every open page.
    /// Nothing is written to disk. Stop with Ctrl-C. Without --base-url, the served address is the
    /// base URL; with one, absolute links lead to it and the site is served under its path, as
    /// published: -u https://example.org/briefings/netflix/ serves it at /briefings/netflix/.
    Serve {
        #[command(flatten)]
        site: SiteArgs,
        /// The address to listen on; 127.0.0.1 is reachable from this machine only.
        #[arg(short, long, default_value = "127.0.0.1")]
        interface: std::net::IpAddr,
        /// The port to listen on; 0 picks a free one.
        #[arg(short, long, default_value_t = 1111)]
        port: u16,
        /// Open the site in the default browser.
        #[arg(long)]
        open: bool,
    },
    /// Start a new briefing in DIR (default: the current folder), which must be new or empty: settings,
    /// a front page, a section using every kind of annotation, one record of each kind, a source.
    Init {
        /// The folder to create the briefing in.
        #[arg(default_value = ".")]
        dir: PathBuf,
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
        Command::Serve { site, interface, port, open } => {
            let (root, base_url, drafts) = (site.root, site.base_url, site.drafts);
            if !root.join("site.toml").is_file() && !root.is_dir() {
                eprintln!("error: `{}` is not a folder; pass the site folder with --root", root.display());
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
        Command::Build { site, output, force, strict } => match site.build_options() {
            Ok(options) => build(BuildOptions { output, force, strict, ..options }),
            Err(usage) => {
                eprintln!("{usage}");
                ExitCode::from(2)
            }
        },
        Command::Check { site, strict } => match site.build_options() {
            Ok(options) => check(BuildOptions { strict, ..options }),
            Err(usage) => {
                eprintln!("{usage}");
                ExitCode::from(2)
            }
        },
        Command::Init { dir } => match briefing::init::init(&dir) {
            Ok(files) => {
                println!("Started a new briefing in {} ({} files).", dir.display(), files.len());
                let cd =
                    if dir == std::path::Path::new(".") { String::new() } else { format!("cd {} && ", dir.display()) };
                println!("Next: {cd}briefing serve   (then edit content/ and watch the pages change)");
                ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("{err}");
                ExitCode::FAILURE
            }
        },
    }
}

fn build(options: BuildOptions) -> ExitCode {
    let outcome = briefing::build(&options);
    print_diagnostics(&outcome);
    match &outcome.site {
        Some(site) => {
            let unchanged = match site.unchanged {
                0 => String::new(),
                n if n == site.written => " (no file changed)".to_string(),
                n => format!(" ({} of {} files changed)", site.written - n, site.written),
            };
            println!(
                "Built {} pages and {} records in {} ms → {}{unchanged}",
                site.pages,
                site.records,
                outcome.elapsed.as_millis(),
                options.output_dir().display()
            );
            ExitCode::SUCCESS
        }
        None => {
            let previous = match &outcome.previous_output_moved_to {
                None => "the previous output was left untouched".to_string(),
                Some(path) => format!("the previous output is now at {}", path.display()),
            };
            eprintln!("error: {}; {previous}", why_it_failed("build", &outcome, options.strict));
            ExitCode::FAILURE
        }
    }
}

fn check(options: BuildOptions) -> ExitCode {
    let outcome = briefing::check(&options);
    print_diagnostics(&outcome);
    if outcome.failed() {
        eprintln!("error: {}", why_it_failed("check", &outcome, options.strict));
        return ExitCode::FAILURE;
    }
    let warnings = match outcome.warnings() {
        0 => "no problems".to_string(),
        n => count(n, "warning"),
    };
    println!("Checked {} in {} ms: {warnings}", options.root.display(), outcome.elapsed.as_millis());
    ExitCode::SUCCESS
}

fn print_diagnostics(outcome: &briefing::Outcome) {
    let color = std::io::stderr().is_terminal();
    eprint!("{}", briefing::diagnostics::render(&outcome.diagnostics, &outcome.sources, color));
}

/// "build failed with 2 errors" for a failed `outcome` of `what`.
fn why_it_failed(what: &str, outcome: &briefing::Outcome, strict: bool) -> String {
    let errors = outcome.diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = if strict { outcome.warnings() } else { 0 };
    why_the_build_failed(errors, warnings).replacen("build", what, 1)
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
