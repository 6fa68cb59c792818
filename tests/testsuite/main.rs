//! Integration tests: fixture sites built in temporary folders, asserting on the output and on
//! the diagnostics. One module per feature, like mdBook's test suite.

mod commands;
mod commonmark;
mod confinement;
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
mod serve;
mod shipped;
mod snapshots;
mod strict;
mod support;
mod validation;
mod warnings;
