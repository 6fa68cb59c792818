//! `briefing`: a static site generator for annotated news briefings.
//! Data flows one way: load → model → markdown → render → output; every stage adds diagnostics.

pub mod diagnostics;
pub mod load;
pub mod markdown;
pub mod model;
