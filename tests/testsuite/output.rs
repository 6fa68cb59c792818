//! What a successful build writes: pages, links, backlinks, determinism.

use crate::support::{TestSite, snapshot};

#[test]
fn two_builds_are_byte_identical() {
    let site = TestSite::base();
    site.build_ok();
    let first = snapshot(&site.output());
    site.build_ok();
    assert_eq!(first, snapshot(&site.output()));
}
