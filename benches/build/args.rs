//! The command line both benchmarks take: `--pages N[,N…] --runs R --seed S --keep` (and, for the
//! build benchmark, `--shapes flat,nested,record-heavy`).

/// What to measure.
pub struct Args {
    pub pages: Vec<usize>,
    pub runs: usize,
    pub seed: u64,
    /// Keep the generated sites (and print where they are) instead of deleting them.
    pub keep: bool,
    /// The corpus shapes to build (`corpus::Shape` names); the rebuild benchmark uses record-heavy.
    pub shapes: Vec<String>,
}

/// Parses the arguments after the benchmark's name (cargo passes `--bench` too).
pub fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        pages: vec![1_000, 10_000],
        runs: 5,
        seed: 42,
        keep: false,
        shapes: ["flat", "nested", "record-heavy"].map(String::from).to_vec(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--pages" => {
                args.pages = value()?
                    .split(',')
                    .map(|n| n.trim().replace('_', "").parse().map_err(|e| format!("--pages: {e}")))
                    .collect::<Result<_, _>>()?
            }
            "--runs" => args.runs = value()?.parse().map_err(|e| format!("--runs: {e}"))?,
            "--seed" => args.seed = value()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--keep" => args.keep = true,
            "--shapes" => args.shapes = value()?.split(',').map(|s| s.trim().to_string()).collect(),
            "--bench" => {}
            other => {
                return Err(format!(
                    "unknown argument `{other}`; use --pages N[,N…] --runs R --seed S --keep --shapes flat,nested,record-heavy"
                ));
            }
        }
    }
    if args.runs == 0 {
        return Err("--runs must be at least 1".into());
    }
    Ok(args)
}
