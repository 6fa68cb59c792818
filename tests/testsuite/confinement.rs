//! A source's local copy (`file = "…"`) is read only when it is a regular file inside the site
//! folder, within the size limit: symbolic links out of the site, FIFOs and devices are refused at
//! the `file` value, and the build finishes instead of hanging or reading without end. A symbolic
//! link anywhere in the site's folders that leads outside the site is not read.

use std::sync::mpsc;
use std::time::Duration;

use briefing::Outcome;

use crate::support::{TestSite, error_lines};

/// Generous: a build of the base fixture takes well under a second.
const DEADLINE: Duration = Duration::from_secs(60);

/// A site whose source `article` reads `file`: the quotes citing it are then checked against it.
fn site_with_source_file(file: &str) -> TestSite {
    let site = TestSite::base();
    site.edit("content/records.toml", "file = \"sources/article.txt\"", &format!("file = \"{file}\""));
    site
}

/// Builds on another thread so that a build that hangs fails the test instead of hanging it.
fn build_within_deadline(site: &TestSite) -> Outcome {
    let options = site.options();
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = send.send(briefing::build(&options));
    });
    receive.recv_timeout(DEADLINE).expect("the build finished before the deadline")
}

/// The one error of a build, as `file:line:col: error: message`.
fn only_error(outcome: &Outcome) -> String {
    let errors = error_lines(outcome);
    assert!(outcome.site.is_none(), "the build succeeded");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    errors[0].clone()
}

#[cfg(unix)]
#[test]
fn a_fifo_is_refused_without_waiting_for_a_writer() {
    let site = site_with_source_file("sources/pipe");
    let pipe = std::ffi::CString::new(site.root().join("sources/pipe").into_os_string().into_encoded_bytes())
        .expect("no NUL in the path");
    // SAFETY: `pipe` is a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(pipe.as_ptr(), 0o644) }, 0, "mkfifo");
    let outcome = build_within_deadline(&site);
    assert_eq!(
        only_error(&outcome),
        "content/records.toml:6:8: error: source file `sources/pipe` is not a regular file"
    );
}

#[cfg(unix)]
#[test]
fn a_link_to_a_device_is_refused() {
    let site = site_with_source_file("sources/zero");
    std::os::unix::fs::symlink("/dev/zero", site.root().join("sources/zero")).expect("symlink");
    let outcome = build_within_deadline(&site);
    assert_eq!(
        only_error(&outcome),
        "content/records.toml:6:8: error: source file `sources/zero` leads outside the site folder through a symbolic link"
    );
}

#[test]
fn a_device_named_directly_is_refused_as_an_absolute_path() {
    let outcome = build_within_deadline(&site_with_source_file("/dev/zero"));
    assert_eq!(only_error(&outcome), "content/records.toml:6:8: error: source file `/dev/zero` is an absolute path");
}

#[cfg(unix)]
#[test]
fn a_link_out_of_the_site_is_refused_even_when_the_file_would_match() {
    // The file outside holds the quoted words: were it read, the build would succeed, and the
    // verbatim check would tell the author what a file outside the site contains.
    let outside = tempfile::tempdir().expect("temp dir");
    std::fs::copy(TestSite::base().root().join("sources/article.txt"), outside.path().join("secret.txt"))
        .expect("copy");
    let site = site_with_source_file("sources/secret.txt");
    std::os::unix::fs::symlink(outside.path().join("secret.txt"), site.root().join("sources/secret.txt"))
        .expect("symlink");
    assert_eq!(
        only_error(&build_within_deadline(&site)),
        "content/records.toml:6:8: error: source file `sources/secret.txt` leads outside the site folder through a symbolic link"
    );

    let site = site_with_source_file("sources/elsewhere/secret.txt");
    std::os::unix::fs::symlink(outside.path(), site.root().join("sources/elsewhere")).expect("symlink");
    assert_eq!(
        only_error(&build_within_deadline(&site)),
        "content/records.toml:6:8: error: source file `sources/elsewhere/secret.txt` leads outside the site folder through a symbolic link"
    );
}

#[cfg(unix)]
#[test]
fn a_link_that_stays_inside_the_site_is_followed() {
    let site = site_with_source_file("sources/current.txt");
    std::os::unix::fs::symlink("article.txt", site.root().join("sources/current.txt")).expect("symlink");
    let outcome = build_within_deadline(&site);
    assert!(outcome.site.is_some(), "{:#?}", error_lines(&outcome));
}

#[test]
fn a_file_over_the_size_limit_is_refused_before_it_is_read() {
    let site = site_with_source_file("sources/huge.txt");
    let huge = std::fs::File::create(site.root().join("sources/huge.txt")).expect("create");
    // Sparse: no disk space used, but its size is one byte over the limit.
    huge.set_len(briefing::load::SOURCE_FILE_LIMIT + 1).expect("set_len");
    assert_eq!(
        only_error(&build_within_deadline(&site)),
        "content/records.toml:6:8: error: source file `sources/huge.txt` is too large (16.0 MiB; the limit is 16 MiB)"
    );
}

#[test]
fn a_file_at_the_size_limit_is_read() {
    let site = site_with_source_file("sources/big.txt");
    let mut text = site.read("sources/article.txt").into_bytes();
    text.resize(briefing::load::SOURCE_FILE_LIMIT as usize, b' ');
    std::fs::write(site.root().join("sources/big.txt"), text).expect("write");
    let outcome = build_within_deadline(&site);
    assert!(outcome.site.is_some(), "{:#?}", error_lines(&outcome));
}

#[test]
fn a_link_in_static_or_content_leading_outside_the_site_is_refused() {
    let outside = tempfile::tempdir().expect("temp dir");
    std::fs::write(outside.path().join("secret.txt"), "secret").expect("write");
    let site = TestSite::base();
    std::fs::create_dir_all(site.root().join("static")).expect("mkdir");
    std::os::unix::fs::symlink(outside.path().join("secret.txt"), site.root().join("static/secret.txt")).expect("link");
    std::os::unix::fs::symlink(outside.path(), site.root().join("content/elsewhere")).expect("link");
    let outcome = site.build();
    assert_eq!(
        error_lines(&outcome),
        [
            "content/elsewhere: error: this symbolic link leads outside the site folder; it was not read",
            "static/secret.txt: error: this symbolic link leads outside the site folder; it was not read",
        ]
    );
    assert!(!site.output().join("secret.txt").exists());
}
