//! Integration tests: fixture sites built in temporary folders, asserting on the output and on
//! the diagnostics. One module per feature, like mdBook's test suite.

mod commands;
mod commonmark;
mod confinement;
/// The benchmarks' corpus generator, for the structural test of `scale`.
#[path = "../../benches/build/corpus.rs"]
#[allow(dead_code)]
mod corpus;
mod dependencies;
mod errors;
mod export;
mod feed;
mod incremental;
mod markdown;
mod output;
mod output_dir;
mod print;
mod properties;
mod scale;
mod search;
mod serve;
mod shipped;
mod snapshots;
mod strict;
mod support;
mod validation;
mod warnings;
