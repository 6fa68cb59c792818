//! Request paths → keys of the in-memory build. A path is decoded once and checked segment by
//! segment; anything that could mean another folder (`..`, encoded slashes, backslashes, NUL) is refused.

use percent_encoding::percent_decode_str;

/// What a request path names in the build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wanted {
    /// A file of the build, by its root-relative path: `quotes/index.html` for `/quotes/`.
    File(String),
    /// A path that no build output can have (`/../x`, `/%2e%2e/x`, `/a%2fb`, `//x`, `/\x`, `/%00`).
    Refused,
}

/// Maps the raw (still percent-encoded) path of a request to the file it names. A path ending in
/// `/` names the folder's `index.html`.
pub fn resolve(raw: &str) -> Wanted {
    match key_of(raw) {
        Some(key) => Wanted::File(key),
        None => Wanted::Refused,
    }
}

fn key_of(raw: &str) -> Option<String> {
    let rest = raw.strip_prefix('/')?;
    // An encoded `/` or `\` would be a separator to some file systems but not to this lookup: no
    // output path holds one, so refuse them rather than guess.
    let lowered = rest.to_ascii_lowercase();
    if lowered.contains("%2f") || lowered.contains("%5c") || rest.contains('\\') {
        return None;
    }
    let decoded = percent_decode_str(rest).decode_utf8().ok()?;
    if decoded.chars().any(|c| c.is_control() || c == '\\') {
        return None;
    }
    let segments: Vec<&str> = decoded.split('/').collect();
    let (last, folders) = segments.split_last()?;
    if folders.iter().any(|s| s.is_empty() || is_dot_segment(s)) || is_dot_segment(last) {
        return None;
    }
    Some(if last.is_empty() { format!("{decoded}index.html") } else { decoded.into_owned() })
}

fn is_dot_segment(segment: &str) -> bool {
    segment == "." || segment == ".."
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(key: &str) -> Wanted {
        Wanted::File(key.to_string())
    }

    #[test]
    fn folders_name_their_index_and_files_themselves() {
        assert_eq!(resolve("/"), file("index.html"));
        assert_eq!(resolve("/quotes/"), file("quotes/index.html"));
        assert_eq!(resolve("/quotes"), file("quotes"));
        assert_eq!(resolve("/quotes/great-artists.html"), file("quotes/great-artists.html"));
        assert_eq!(resolve("/briefing.9545ceb46a.css"), file("briefing.9545ceb46a.css"));
    }

    #[test]
    fn percent_encoding_is_decoded_once() {
        assert_eq!(resolve("/caf%C3%A9.html"), file("café.html"));
        assert_eq!(resolve("/a%20b.html"), file("a b.html"));
        // `%252e` decodes to the literal text `%2e`, a harmless (missing) file name.
        assert_eq!(resolve("/%252e%252e/x"), file("%2e%2e/x"));
    }

    #[test]
    fn anything_that_could_climb_or_escape_is_refused() {
        for raw in [
            "/../Cargo.toml",
            "/quotes/../../Cargo.toml",
            "/%2e%2e/Cargo.toml",
            "/%2E%2E/%2e%2e/etc/passwd",
            "/..%2fCargo.toml",
            "/..%2FCargo.toml",
            "/a%5c..%5cb",
            "/\\..\\Cargo.toml",
            "/%00",
            "/index.html%00.txt",
            "//etc/passwd",
            "/a//b",
            "/./index.html",
            "/quotes/.",
            "/quotes/..",
            "/%ff",
            "/%0a",
            "index.html",
            "",
            "*",
        ] {
            assert_eq!(resolve(raw), Wanted::Refused, "{raw}");
        }
    }
}
