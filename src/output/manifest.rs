//! The manifest that marks a folder as briefing's output: the sorted list of the files the last build
//! wrote there, so the next build knows which files are its own to replace and keeps every other one.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The manifest's name in the output root.
pub const MANIFEST: &str = ".briefing-manifest";

/// The first line, which tells a manifest from a file that merely has its name.
const FIRST_LINE: &str = "# briefing output manifest v1";
const HEADER: &str = "# briefing output manifest v1\n\
    # The files briefing wrote into this folder. The next build replaces them and keeps every other file.\n";

/// Manifests are about 40 bytes a file; anything far larger is not one.
const MAX_LEN: u64 = 256 << 20;

/// The manifest's text for these files (root-relative, `/`-separated): no date or other varying
/// part, so the same build writes the same bytes.
pub fn format(files: &BTreeSet<PathBuf>) -> String {
    let mut text = String::from(HEADER);
    for file in files {
        text.push_str(&escape(&crate::load::slash_path(file)));
        text.push('\n');
    }
    text
}

/// The files a folder's manifest lists, with the manifest itself; `None` when the folder has no
/// manifest (nothing by that name, or something that is not a manifest briefing wrote).
pub fn read(folder: &Path) -> io::Result<Option<BTreeSet<PathBuf>>> {
    let path = folder.join(MANIFEST);
    match fs::symlink_metadata(&path) {
        Ok(meta) if meta.is_file() && meta.len() <= MAX_LEN => {}
        Ok(_) => return Ok(None),
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err),
    }
    let Ok(text) = String::from_utf8(fs::read(&path)?) else { return Ok(None) };
    Ok(parse(&text))
}

fn parse(text: &str) -> Option<BTreeSet<PathBuf>> {
    let mut lines = text.lines();
    if lines.next() != Some(FIRST_LINE) {
        return None;
    }
    let mut files: BTreeSet<PathBuf> = lines
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| PathBuf::from(unescape(line)))
        .collect();
    files.insert(PathBuf::from(MANIFEST));
    Some(files)
}

/// One path a line: `%`, line feed and carriage return are percent-encoded, nothing else.
fn escape(path: &str) -> String {
    path.replace('%', "%25").replace('\n', "%0A").replace('\r', "%0D")
}

fn unescape(line: &str) -> String {
    line.replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_is_a_header_and_sorted_paths() {
        let files: BTreeSet<PathBuf> = ["quotes/b.html", "index.html", "quotes/a.html"].map(PathBuf::from).into();
        assert_eq!(
            format(&files),
            "# briefing output manifest v1\n\
             # The files briefing wrote into this folder. The next build replaces them and keeps every other file.\n\
             index.html\nquotes/a.html\nquotes/b.html\n"
        );
    }

    #[test]
    fn a_manifest_reads_back_as_its_files_and_itself() {
        let files: BTreeSet<PathBuf> = ["a%0A.html", "odd\nname.html", "100%.txt", "x\r"].map(PathBuf::from).into();
        let mut expected = files.clone();
        expected.insert(PathBuf::from(MANIFEST));
        assert_eq!(parse(&format(&files)), Some(expected));
    }

    #[test]
    fn a_file_without_the_first_line_is_not_a_manifest() {
        assert_eq!(parse("index.html\n"), None);
        assert_eq!(parse(""), None);
        assert_eq!(parse("# briefing output manifest v2\nindex.html\n"), None);
    }

    #[test]
    fn only_a_regular_file_of_that_name_is_read() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert_eq!(read(dir.path()).expect("read"), None);
        fs::create_dir(dir.path().join(MANIFEST)).expect("mkdir");
        assert_eq!(read(dir.path()).expect("read"), None);
        fs::remove_dir(dir.path().join(MANIFEST)).expect("rmdir");
        fs::write(dir.path().join("real"), format(&BTreeSet::new())).expect("write");
        std::os::unix::fs::symlink(dir.path().join("real"), dir.path().join(MANIFEST)).expect("symlink");
        assert_eq!(read(dir.path()).expect("read"), None, "a link is not followed");
        fs::remove_file(dir.path().join(MANIFEST)).expect("rm");
        fs::write(dir.path().join(MANIFEST), format(&BTreeSet::from([PathBuf::from("a.html")]))).expect("write");
        assert_eq!(read(dir.path()).expect("read"), Some(["a.html", MANIFEST].map(PathBuf::from).into()));
    }
}
