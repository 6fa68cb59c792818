//! The output folder is never a way to lose files: foreign folders refused (or kept with --force),
//! files briefing did not write carried over, non-folders and the site refused, concurrent builds serialised.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::support::{copy_tree, fixtures};

/// A temporary folder holding the base fixture site in `site/`, where the tests run `briefing` as a
/// user would, from the folder itself, with paths as they would type them.
struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        copy_tree(&fixtures().join("base"), &dir.path().join("site"));
        Self { dir }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }

    /// Runs `briefing ARGS` in the workspace.
    fn briefing(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_briefing")).args(args).current_dir(self.dir.path()).output().expect("run")
    }

    /// `briefing build -r site ARGS`, which must succeed.
    fn build_ok(&self, args: &[&str]) {
        let run = self.briefing(&[&["build", "-r", "site"], args].concat());
        assert_eq!(run.status.code(), Some(0), "build failed:\n{}", stderr(&run));
    }

    /// Everything in the workspace, symlinks and special files included (never followed).
    fn tree(&self) -> Tree {
        tree(self.dir.path())
    }
}

type Tree = BTreeMap<PathBuf, Entry>;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    Folder,
    File(Vec<u8>),
    Link(PathBuf),
    Special,
}

fn tree(dir: &Path) -> Tree {
    walkdir::WalkDir::new(dir)
        .min_depth(1)
        .into_iter()
        .map(|entry| {
            let entry = entry.expect("walk");
            let kind = entry.file_type();
            let value = if kind.is_dir() {
                Entry::Folder
            } else if kind.is_symlink() {
                Entry::Link(std::fs::read_link(entry.path()).expect("read link"))
            } else if kind.is_file() {
                Entry::File(std::fs::read(entry.path()).expect("read"))
            } else {
                Entry::Special
            };
            (entry.path().strip_prefix(dir).expect("inside").to_path_buf(), value)
        })
        .collect()
}

/// The entries outside `output` (a workspace-relative folder).
fn outside(tree: &Tree, output: &str) -> Tree {
    tree.iter().filter(|(path, _)| !path.starts_with(output)).map(|(p, e)| (p.clone(), e.clone())).collect()
}

/// The entries inside `output`, relative to it.
fn inside(tree: &Tree, output: &str) -> Tree {
    tree.iter()
        .filter_map(|(path, entry)| Some((path.strip_prefix(output).ok()?.to_path_buf(), entry.clone())))
        .filter(|(path, _)| !path.as_os_str().is_empty())
        .collect()
}

fn stderr(run: &Output) -> String {
    String::from_utf8_lossy(&run.stderr).into_owned()
}

/// What a clean build of the base site writes, for comparisons.
fn clean_build() -> Tree {
    let clean = Workspace::new();
    clean.build_ok(&["-o", "out"]);
    inside(&clean.tree(), "out")
}

#[test]
fn a_folder_briefing_did_not_write_is_refused_and_kept_intact() {
    let ws = Workspace::new();
    ws.write("docs/thesis.txt", "thesis");
    ws.write("docs/chapters/one.md", "one");
    ws.write("docs/appendix.txt", "appendix");
    let before = ws.tree();
    let run = ws.briefing(&["build", "-r", "site", "-o", "docs"]);
    assert_eq!(run.status.code(), Some(1));
    assert_eq!(
        stderr(&run),
        "error: refusing to build into this folder: it holds files briefing did not write (`docs/appendix.txt`, \
         `docs/chapters` and 1 more), and no `.briefing-manifest` marks it as an earlier output (docs)\n  |\n\
         help: choose a new or empty folder, or pass `--force` to build into it: briefing keeps every file it did \
         not write\n\nerror: build failed with 1 error; the previous output was left untouched\n"
    );
    assert_eq!(ws.tree(), before, "nothing changed anywhere");
}

#[test]
fn with_force_a_foreign_folder_gets_the_output_and_keeps_its_files() {
    let ws = Workspace::new();
    ws.write("docs/thesis.txt", "thesis");
    ws.write("docs/chapters/one.md", "one");
    std::os::unix::fs::symlink("../site/content", ws.path("docs/content-link")).expect("symlink");
    let before = ws.tree();
    ws.build_ok(&["-o", "docs", "--force"]);
    let after = ws.tree();
    assert_eq!(outside(&after, "docs"), outside(&before, "docs"), "nothing outside the output changed");
    let mut expected = clean_build();
    expected.extend(inside(&before, "docs"));
    assert_eq!(inside(&after, "docs"), expected, "the build plus every foreign file, the link still a link");
    // Now it is a previous output: no --force needed, and the foreign files stay.
    ws.build_ok(&["-o", "docs"]);
    assert_eq!(ws.tree(), after);
}

#[test]
fn an_empty_or_missing_folder_is_built_into() {
    let ws = Workspace::new();
    std::fs::create_dir(ws.path("empty")).expect("mkdir");
    let before = ws.tree();
    ws.build_ok(&["-o", "empty"]);
    ws.build_ok(&["-o", "new/deeper/out"]);
    let after = ws.tree();
    assert_eq!(inside(&after, "empty"), clean_build());
    assert_eq!(inside(&after, "new/deeper/out"), clean_build());
    assert_eq!(outside(&outside(&after, "empty"), "new"), outside(&before, "empty"));
}

#[test]
fn files_added_to_an_output_are_kept_and_stale_pages_removed() {
    let ws = Workspace::new();
    ws.write("site/content/extra.md", "+++\ntitle = \"Extra\"\n+++\nSoon gone.\n");
    ws.build_ok(&[]);
    assert!(ws.path("site/public/extra.html").is_file());
    ws.write("site/public/CNAME", "briefing.example.org");
    ws.write("site/public/.well-known/security.txt", "Contact: mailto:a@example.org");
    std::fs::remove_file(ws.path("site/content/extra.md")).expect("remove the page");
    let before = ws.tree();
    ws.build_ok(&[]);
    ws.build_ok(&[]);
    let after = ws.tree();
    assert_eq!(outside(&after, "site/public"), outside(&before, "site/public"));
    let mut expected = inside(&Workspace::clean_at_default(), "site/public");
    for kept in ["CNAME", ".well-known", ".well-known/security.txt"] {
        expected.insert(PathBuf::from(kept), before[&Path::new("site/public").join(kept)].clone());
    }
    assert_eq!(inside(&after, "site/public"), expected, "extra.html is gone, the added files are kept");
    let manifest = ws.read("site/public/.briefing-manifest");
    assert!(manifest.starts_with("# briefing output manifest v1\n"), "{manifest}");
    assert!(!manifest.contains("CNAME") && !manifest.contains("extra.html"), "{manifest}");
}

impl Workspace {
    /// A clean build of the base site into its default `site/public`.
    fn clean_at_default() -> Tree {
        let clean = Workspace::new();
        clean.build_ok(&[]);
        clean.tree()
    }
}

#[test]
fn a_foreign_file_where_the_build_writes_is_an_error_and_nothing_is_replaced() {
    let ws = Workspace::new();
    ws.build_ok(&[]);
    ws.write("site/public/extra.html", "my own page");
    ws.write("site/public/CNAME", "briefing.example.org");
    ws.write("site/content/extra.md", "+++\ntitle = \"Extra\"\n+++\nA new section.\n");
    let before = ws.tree();
    let run = ws.briefing(&["build", "-r", "site"]);
    assert_eq!(run.status.code(), Some(1));
    assert_eq!(
        stderr(&run),
        "error: this file was not written by briefing, and the new build writes a file at the same path \
         (site/public/extra.html)\n  |\nhelp: briefing never replaces what it did not write: move or rename it, \
         then build again\n\nerror: build failed with 1 error; the previous output was left untouched\n"
    );
    assert_eq!(ws.tree(), before);
}

#[test]
fn with_force_a_hand_written_page_in_the_way_is_an_error_and_nothing_is_replaced() {
    let ws = Workspace::new();
    ws.write("docs/index.html", "my hand-written front page");
    ws.write("docs/quotes/index.html", "my quotes");
    ws.write("docs/one.html/readme.txt", "a folder where the build writes a page");
    let before = ws.tree();
    let run = ws.briefing(&["build", "-r", "site", "-o", "docs", "--force"]);
    assert_eq!(run.status.code(), Some(1));
    let text = stderr(&run);
    let errors: Vec<_> = text.lines().filter(|l| l.starts_with("error")).collect();
    assert_eq!(
        errors,
        [
            "error: this file was not written by briefing, and the new build writes a file at the same path (docs/index.html)",
            "error: this folder was not made by briefing, and the new build writes a file at the same path (docs/one.html)",
            "error: this file was not written by briefing, and the new build writes a file at the same path (docs/quotes/index.html)",
            "error: build failed with 3 errors; the previous output was left untouched",
        ],
        "{text}"
    );
    assert_eq!(ws.tree(), before);
}

#[test]
fn a_file_a_fifo_or_the_site_config_as_output_is_refused_untouched() {
    let ws = Workspace::new();
    ws.write("notes.txt", "my notes");
    let fifo = std::ffi::CString::new(ws.path("pipe").into_os_string().into_encoded_bytes()).expect("path");
    // SAFETY: a valid NUL-terminated path; mkfifo only creates the named pipe.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0, "mkfifo");
    std::os::unix::fs::symlink("notes.txt", ws.path("to-notes")).expect("symlink");
    let before = ws.tree();
    for (output, kind) in [
        ("notes.txt", "a file"),
        ("pipe", "a named pipe (FIFO)"),
        ("site/site.toml", "a file"),
        ("to-notes", "a symbolic link to a file"),
    ] {
        let run = ws.briefing(&["build", "-r", "site", "-o", output]);
        assert_eq!(run.status.code(), Some(1), "{output}");
        assert_eq!(
            stderr(&run),
            format!(
                "error: the output must be a folder, but this is {kind} ({output})\n  |\nhelp: pass a new or empty \
                 folder with `-o`, or a previous output of briefing\n\nerror: build failed with 1 error; the previous \
                 output was left untouched\n"
            )
        );
        assert_eq!(ws.tree(), before, "{output}: nothing changed");
    }
}

#[test]
fn the_site_reached_through_a_symlink_is_refused() {
    let ws = Workspace::new();
    std::os::unix::fs::symlink("site", ws.path("link")).expect("symlink");
    let before = ws.tree();
    let site = std::fs::canonicalize(ws.path("site")).expect("canonical");
    let through = |rel: &str| format!(" (through symbolic links, it is `{}`)", site.join(rel).display());
    for (output, reason) in [
        ("link/content", format!("it is inside the site's `content/` folder{}", through("content"))),
        ("link/static/new", format!("it is inside the site's `static/` folder{}", through("static/new"))),
        ("link", format!("it is the site folder itself (through symbolic links, it is `{}`)", site.display())),
        ("link/..", "it holds the site folder".to_string()),
    ] {
        let run = ws.briefing(&["build", "-r", "site", "-o", output]);
        assert_eq!(run.status.code(), Some(1), "{output}");
        let text = stderr(&run);
        assert_eq!(
            text.lines().next().unwrap_or_default(),
            format!("error: refusing to build into this folder: {reason} ({output})"),
            "{text}"
        );
        assert_eq!(ws.tree(), before, "{output}: nothing changed");
    }
}

#[test]
fn an_output_that_is_a_symlink_stays_a_symlink_to_the_built_folder() {
    let ws = Workspace::new();
    std::fs::create_dir(ws.path("real")).expect("mkdir");
    std::os::unix::fs::symlink("real", ws.path("out")).expect("symlink");
    ws.build_ok(&["-o", "out"]);
    ws.write("real/CNAME", "example.org");
    ws.build_ok(&["-o", "out"]);
    let after = ws.tree();
    assert_eq!(after[Path::new("out")], Entry::Link(PathBuf::from("real")));
    let mut expected = clean_build();
    expected.insert(PathBuf::from("CNAME"), Entry::File(b"example.org".to_vec()));
    assert_eq!(inside(&after, "real"), expected);
    let names: Vec<_> = std::fs::read_dir(ws.dir.path()).expect("list").map(|e| e.expect("e").file_name()).collect();
    assert_eq!(names.len(), 3, "site, real, out and nothing else: {names:?}");
}

#[test]
fn a_failed_build_leaves_the_output_and_its_manifest_intact() {
    let ws = Workspace::new();
    ws.build_ok(&[]);
    ws.write("site/public/CNAME", "example.org");
    ws.write("site/content/bad.toml", "[[quote]]\nid = \"x\"\nspeakr = \"ada-chief\"\n");
    let before = ws.tree();
    let run = ws.briefing(&["build", "-r", "site"]);
    assert_eq!(run.status.code(), Some(1));
    assert!(stderr(&run).ends_with("error: build failed with 1 error; the previous output was left untouched\n"));
    assert_eq!(ws.tree(), before);
}

#[test]
fn what_a_crashed_build_left_beside_the_output_is_cleared() {
    let ws = Workspace::new();
    ws.build_ok(&[]);
    let built = ws.tree();
    ws.write("site/.public.staging-123/index.html", "half a build");
    ws.write("site/.public.old-77/.briefing-manifest", "# briefing output manifest v1\nindex.html\n");
    ws.write("site/.public.old-77/index.html", "an old page");
    ws.write("site/.public.staging-12x/mine.txt", "not a name briefing uses");
    ws.write("site/.public.old-/mine.txt", "nor this");
    let mut expected = ws.tree();
    for gone in [".public.staging-123", ".public.staging-123/index.html", ".public.old-77"] {
        expected.remove(&Path::new("site").join(gone));
    }
    expected.retain(|path, _| !path.starts_with("site/.public.old-77"));
    ws.build_ok(&[]);
    assert_eq!(ws.tree(), expected);
    assert_eq!(inside(&ws.tree(), "site/public"), inside(&built, "site/public"));
}

#[test]
fn an_output_set_aside_by_a_crash_mid_swap_is_put_back() {
    let ws = Workspace::new();
    ws.build_ok(&[]);
    ws.write("site/public/CNAME", "example.org");
    std::fs::rename(ws.path("site/public"), ws.path("site/.public.old-5")).expect("set aside");
    ws.write("site/.public.staging-5/index.html", "the crashed build's half");
    let run = ws.briefing(&["build", "-r", "site"]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    assert!(stderr(&run).starts_with(
        "warning: put back the previous output from `" // the real path follows
    ));
    assert_eq!(ws.read("site/public/CNAME"), "example.org");
    let names: Vec<_> = std::fs::read_dir(ws.path("site")).expect("list").map(|e| e.expect("e").file_name()).collect();
    assert!(!names.iter().any(|n| n.to_string_lossy().starts_with(".public.")), "{names:?}");
}

#[test]
fn two_builds_into_one_folder_at_once_both_succeed_and_leave_a_clean_build() {
    let ws = Workspace::new();
    let clean = clean_build();
    for round in 0..30 {
        let spawn = || {
            Command::new(env!("CARGO_BIN_EXE_briefing"))
                .args(["build", "-r", "site", "-o", "out"])
                .current_dir(ws.dir.path())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn")
        };
        let (first, second) = (spawn(), spawn());
        for child in [first, second] {
            let run = child.wait_with_output().expect("wait");
            let text = stderr(&run);
            assert_eq!(run.status.code(), Some(0), "round {round}: {text}");
            assert!(text.is_empty() || text == "waiting for another build into out to finish…\n", "{text}");
        }
        let names: Vec<_> =
            std::fs::read_dir(ws.dir.path()).expect("list").map(|e| e.expect("e").file_name()).collect();
        assert_eq!(names.len(), 2, "round {round}: only site and out: {names:?}");
        assert_eq!(inside(&ws.tree(), "out"), clean, "round {round}");
    }
}

#[test]
fn a_build_waits_for_the_lock_says_so_once_and_removes_the_lock_file() {
    let ws = Workspace::new();
    let lock = std::fs::File::create(ws.path(".out.lock")).expect("create");
    lock.lock().expect("lock");
    let mut child = Command::new(env!("CARGO_BIN_EXE_briefing"))
        .args(["build", "-r", "site", "-o", "out"])
        .current_dir(ws.dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut lines = std::io::BufReader::new(child.stderr.take().expect("stderr")).lines();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let _ = tx.send(lines.next());
        lines.map_while(Result::ok).collect::<Vec<_>>()
    });
    let first = rx.recv_timeout(std::time::Duration::from_secs(60)).expect("the build reports that it waits");
    assert_eq!(first.expect("a line").expect("text"), "waiting for another build into out to finish…");
    assert!(!ws.path("out").exists(), "nothing is written while another build holds the lock");
    // Let go the way a finishing build does: the lock file goes first, so the waiter must lock anew.
    std::fs::remove_file(ws.path(".out.lock")).expect("remove");
    drop(lock);
    assert!(child.wait().expect("wait").success());
    assert_eq!(reader.join().expect("join"), Vec::<String>::new(), "said once, then nothing");
    assert_eq!(inside(&ws.tree(), "out"), clean_build());
    assert!(!ws.path(".out.lock").exists());
}

#[test]
fn the_command_line_offers_force_and_exits_1_on_a_refused_output() {
    let ws = Workspace::new();
    let help = ws.briefing(&["build", "--help"]);
    assert_eq!(help.status.code(), Some(0));
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(
        text.lines().any(|l| l.trim_start().starts_with(
            "--force                    Build into a folder that holds files briefing did not write; those files are kept, never replaced"
        )),
        "{text}"
    );
    ws.write("docs/thesis.txt", "thesis");
    assert_eq!(ws.briefing(&["build", "-r", "site", "-o", "docs"]).status.code(), Some(1));
    assert_eq!(ws.briefing(&["build", "-r", "site", "-o", "docs", "--force"]).status.code(), Some(0));
    assert_eq!(ws.briefing(&["build", "-r", "site", "--force=yes"]).status.code(), Some(2));
}

/// Every file of `dir` with its inode: the same inode after a build means the file was left alone.
fn inodes(dir: &Path) -> BTreeMap<PathBuf, u64> {
    use std::os::unix::fs::MetadataExt as _;
    walkdir::WalkDir::new(dir)
        .min_depth(1)
        .into_iter()
        .map(|entry| entry.expect("walk"))
        .filter(|entry| entry.file_type().is_file())
        .map(|entry| {
            (entry.path().strip_prefix(dir).expect("inside").to_path_buf(), entry.metadata().expect("meta").ino())
        })
        .collect()
}

#[test]
fn a_rebuild_leaves_exactly_the_unchanged_files_untouched_and_says_how_many_changed() {
    let ws = Workspace::new();
    ws.build_ok(&[]);
    let out = ws.path("site/public");
    let (before, before_inodes) = (inside(&ws.tree(), "site/public"), inodes(&out));
    let page = ws.read("site/content/two.md");
    ws.write("site/content/two.md", &format!("{page}\nOne more sentence.\n"));
    let run = ws.briefing(&["build", "-r", "site"]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let (after, after_inodes) = (inside(&ws.tree(), "site/public"), inodes(&out));
    assert_eq!(
        after,
        inside(&Workspace::clean_with("site/content/two.md", &format!("{page}\nOne more sentence.\n")), "site/public")
    );
    // The manifest too is left out: it lists the search index's files, named by their contents.
    let changed: Vec<&PathBuf> = after
        .keys()
        .filter(|path| before.get(*path) != after.get(*path) && *path != Path::new(".briefing-manifest"))
        .collect();
    let relinked: Vec<&PathBuf> =
        after_inodes.keys().filter(|path| before_inodes.get(*path) != after_inodes.get(*path)).collect();
    // The manifest is written anew by every build; every other file keeps its inode unless its bytes changed.
    let relinked: Vec<&PathBuf> =
        relinked.into_iter().filter(|path| *path != Path::new(".briefing-manifest")).collect();
    assert_eq!(relinked, changed, "a file is written exactly when its bytes changed");
    assert!(changed.contains(&&PathBuf::from("two.html")), "{changed:?}");
    let files = after_inodes.len() - 1;
    let line = String::from_utf8_lossy(&run.stdout).into_owned();
    assert!(line.trim_end().ends_with(&format!("({} of {files} files changed)", changed.len())), "{line}");
    let again = ws.briefing(&["build", "-r", "site"]);
    assert!(String::from_utf8_lossy(&again.stdout).trim_end().ends_with("(no file changed)"));
    assert_eq!(
        inodes(&out).into_iter().filter(|(p, _)| p != Path::new(".briefing-manifest")).collect::<Vec<_>>(),
        after_inodes.into_iter().filter(|(p, _)| p != Path::new(".briefing-manifest")).collect::<Vec<_>>()
    );
}

impl Workspace {
    /// A clean build of the base site with `rel` holding `text`, into `site/public`.
    fn clean_with(rel: &str, text: &str) -> Tree {
        let clean = Workspace::new();
        clean.write(rel, text);
        clean.build_ok(&[]);
        clean.tree()
    }
}
