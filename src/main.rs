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
        Command::Build { root, output, base_url, drafts, force } => {
            if let Some(url) = &base_url
                && let Some(problem) = briefing::load::base_url_problem(url)
            {
                eprintln!(
                    "error: --base-url must be an absolute URL such as https://example.org/briefing/, not `{}`: {problem}",
                    url.escape_debug()
                );
                return ExitCode::from(2);
            }
            if !root.join("site.toml").is_file() && !root.is_dir() {
                eprintln!("error: `{}` is not a folder; pass the site folder with --root", root.display());
                return ExitCode::from(2);
            }
            let options = briefing::BuildOptions { root, output, base_url, drafts, force };
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
                    let previous = match &outcome.previous_output_moved_to {
                        None => "the previous output was left untouched".to_string(),
                        Some(path) => format!("the previous output is now at {}", path.display()),
                    };
                    eprintln!(
                        "error: build failed with {errors} error{}; {previous}",
                        if errors == 1 { "" } else { "s" }
                    );
                    ExitCode::FAILURE
                }
            }
        }
    }
}
