//! Request paths → keys of the in-memory build, under the path the site is mounted at. A path is decoded
//! once and checked segment by segment; anything that could mean another folder (`..`, `%2f`, `\`, NUL) is refused.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// What a request path names in the build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wanted {
    /// A file of the build, by its path relative to the mount: `quotes/index.html` for `/quotes/`.
    File(String),
    /// A folder above the mount, or the mount without its trailing slash (`/`, `/briefings/netflix`):
    /// answered with a redirect to the mount.
    Mount,
    /// A well-formed path outside the mount (`/one.html` when the site is at `/briefings/netflix/`).
    Outside,
    /// A path that no build output can have (`/../x`, `/%2e%2e/x`, `/a%2fb`, `//x`, `/\x`, `/%00`).
    Refused,
}

/// The path the site is served under: `/` by default, the path of `--base-url` when it has one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mount {
    /// Decoded segments: `["briefings", "netflix"]` for `/briefings/netflix/`; none at `/`.
    segments: Vec<String>,
}

/// Everything but RFC 3986's unreserved characters is percent-encoded in a mount's path, so it can
/// go as is into a `Location` header, a printed URL and an HTML attribute.
const ENCODED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

impl Mount {
    /// The site at `/`.
    pub fn root() -> Self {
        Self::default()
    }

    /// The mount for an absolute `http(s)://host/path/` base URL (already checked by
    /// `load::base_url_problem`): its path, with `.` and `..` segments resolved as a browser would.
    /// A path whose segments no request could name (an encoded `/` or `\`, a control character,
    /// invalid UTF-8) is an error saying so.
    pub fn of_base_url(url: &str) -> Result<Self, String> {
        let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
        let path = after_scheme.find('/').map_or("", |at| &after_scheme[at..]);
        let path = path.split(['?', '#']).next().unwrap_or_default();
        let mut segments: Vec<String> = Vec::new();
        for raw in path.split('/').filter(|segment| !segment.is_empty()) {
            let segment = percent_decode_str(raw)
                .decode_utf8()
                .map_err(|_| format!("its path segment `{raw}` is not UTF-8 once decoded"))?;
            if segment.chars().any(|c| c == '/' || c == '\\' || c.is_control()) {
                return Err(format!(
                    "its path segment `{raw}` holds an encoded `/`, `\\` or control character, which no request path may hold"
                ));
            }
            match segment.as_ref() {
                "." => {}
                ".." => {
                    segments.pop();
                }
                _ => segments.push(segment.into_owned()),
            }
        }
        Ok(Self { segments })
    }

    /// The mount as a URL path, percent-encoded, with a slash at each end: `/`, `/briefings/netflix/`.
    pub fn path(&self) -> String {
        let mut path = String::from("/");
        for segment in &self.segments {
            path.extend(utf8_percent_encode(segment, ENCODED));
            path.push('/');
        }
        path
    }

    /// What is left of `segments` below the mount, if they are under it.
    fn strip<'a, 'b>(&self, segments: &'a [&'b str]) -> Option<&'a [&'b str]> {
        let (head, rest) = segments.split_at_checked(self.segments.len())?;
        head.iter().zip(&self.segments).all(|(a, b)| a == b).then_some(rest)
    }

    /// Whether `segments` name the mount without its trailing slash, or a folder above it.
    fn is_led_to_by(&self, segments: &[&str]) -> bool {
        let folders = match segments.split_last() {
            Some((&"", folders)) => folders,
            _ => segments,
        };
        folders.len() <= self.segments.len() && folders.iter().zip(&self.segments).all(|(a, b)| a == b)
    }
}

/// Maps the raw (still percent-encoded) path of a request to what it names under `mount`. A path
/// ending in `/` names the folder's `index.html`.
pub fn resolve(raw: &str, mount: &Mount) -> Wanted {
    let Some(decoded) = decoded(raw) else {
        return Wanted::Refused;
    };
    let segments: Vec<&str> = decoded.split('/').collect();
    match mount.strip(&segments) {
        Some(rest) if !rest.is_empty() => Wanted::File(key_of(rest)),
        _ if mount.is_led_to_by(&segments) => Wanted::Mount,
        _ => Wanted::Outside,
    }
}

/// The request path without its leading `/`, decoded, if no segment of it could climb or escape.
fn decoded(raw: &str) -> Option<String> {
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
    Some(decoded.into_owned())
}

/// The build's key for the segments below the mount: a folder (empty last segment) names its `index.html`.
fn key_of(segments: &[&str]) -> String {
    let joined = segments.join("/");
    if joined.is_empty() || joined.ends_with('/') { format!("{joined}index.html") } else { joined }
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

    fn at_root(raw: &str) -> Wanted {
        resolve(raw, &Mount::root())
    }

    fn mount(url: &str) -> Mount {
        Mount::of_base_url(url).expect("a mount")
    }

    #[test]
    fn folders_name_their_index_and_files_themselves() {
        assert_eq!(at_root("/"), file("index.html"));
        assert_eq!(at_root("/quotes/"), file("quotes/index.html"));
        assert_eq!(at_root("/quotes"), file("quotes"));
        assert_eq!(at_root("/quotes/great-artists.html"), file("quotes/great-artists.html"));
        assert_eq!(at_root("/briefing.9545ceb46a.css"), file("briefing.9545ceb46a.css"));
    }

    #[test]
    fn percent_encoding_is_decoded_once() {
        assert_eq!(at_root("/caf%C3%A9.html"), file("café.html"));
        assert_eq!(at_root("/a%20b.html"), file("a b.html"));
        // `%252e` decodes to the literal text `%2e`, a harmless (missing) file name.
        assert_eq!(at_root("/%252e%252e/x"), file("%2e%2e/x"));
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
            assert_eq!(at_root(raw), Wanted::Refused, "{raw}");
        }
    }

    #[test]
    fn a_base_url_mounts_the_site_at_its_path() {
        for (url, path) in [
            ("https://example.org", "/"),
            ("https://example.org/", "/"),
            ("http://127.0.0.1:1111/", "/"),
            ("https://example.org/briefings/netflix/", "/briefings/netflix/"),
            ("https://example.org/briefings/netflix", "/briefings/netflix/"),
            ("https://user@example.org:8443/briefing/", "/briefing/"),
            ("https://example.org//a//b/", "/a/b/"),
            ("https://example.org/a/./b/../c/", "/a/c/"),
            ("https://example.org/%2e%2e/a/", "/a/"),
            ("https://example.org/caf%C3%A9/", "/caf%C3%A9/"),
            ("https://example.org/café/", "/caf%C3%A9/"),
            ("https://example.org/a%20b/x&y/", "/a%20b/x%26y/"),
            ("https://example.org/a-b_c.d~e/", "/a-b_c.d~e/"),
        ] {
            assert_eq!(mount(url).path(), path, "{url}");
        }
    }

    #[test]
    fn a_base_url_path_no_request_could_name_is_refused() {
        for (url, error) in [
            (
                "https://example.org/a%2Fb/",
                "its path segment `a%2Fb` holds an encoded `/`, `\\` or control character, which no request path may hold",
            ),
            (
                "https://example.org/a%5cb/",
                "its path segment `a%5cb` holds an encoded `/`, `\\` or control character, which no request path may hold",
            ),
            (
                "https://example.org/%00/",
                "its path segment `%00` holds an encoded `/`, `\\` or control character, which no request path may hold",
            ),
            ("https://example.org/%ff/", "its path segment `%ff` is not UTF-8 once decoded"),
        ] {
            assert_eq!(Mount::of_base_url(url), Err(error.to_string()), "{url}");
        }
    }

    #[test]
    fn under_a_mount_its_files_are_found_and_the_way_to_it_redirects() {
        let netflix = mount("https://example.org/briefings/netflix/");
        let cases = [
            ("/briefings/netflix/", file("index.html")),
            ("/briefings/netflix/quotes/", file("quotes/index.html")),
            ("/briefings/netflix/quotes", file("quotes")),
            ("/briefings/netflix/one.html", file("one.html")),
            ("/briefings/netflix/__briefing/events", file("__briefing/events")),
            ("/briefings/netflix/briefings/netflix/", file("briefings/netflix/index.html")),
            ("/", Wanted::Mount),
            ("/briefings", Wanted::Mount),
            ("/briefings/", Wanted::Mount),
            ("/briefings/netflix", Wanted::Mount),
            ("/one.html", Wanted::Outside),
            ("/index.html", Wanted::Outside),
            ("/__briefing/events", Wanted::Outside),
            ("/brief", Wanted::Outside),
            ("/briefings/netflixy/", Wanted::Outside),
            ("/briefings/netflix.html", Wanted::Outside),
            ("/briefings/one.html", Wanted::Outside),
            ("/netflix/briefings/", Wanted::Outside),
            ("/Briefings/netflix/", Wanted::Outside),
        ];
        for (raw, wanted) in cases {
            assert_eq!(resolve(raw, &netflix), wanted, "{raw}");
        }
        let cafe = mount("https://example.org/caf%C3%A9/");
        assert_eq!(resolve("/caf%C3%A9/one.html", &cafe), file("one.html"));
        assert_eq!(resolve("/caf%c3%a9/one.html", &cafe), file("one.html"));
        assert_eq!(resolve("/café/one.html", &cafe), file("one.html"));
        assert_eq!(resolve("/caf%C3%A9", &cafe), Wanted::Mount);
    }

    #[test]
    fn under_a_mount_anything_that_could_climb_or_escape_is_refused() {
        let netflix = mount("https://example.org/briefings/netflix/");
        for raw in [
            "/briefings/netflix/../../Cargo.toml",
            "/briefings/netflix/..",
            "/briefings/netflix/.",
            "/briefings/netflix/./one.html",
            "/briefings/netflix/quotes/../one.html",
            "/briefings/x/../netflix/one.html",
            "/briefings/./netflix/one.html",
            "/briefings/netflix/%2e%2e/%2e%2e/Cargo.toml",
            "/briefings/netflix/%2E%2E/one.html",
            "/briefings/netflix/..%2f..%2fCargo.toml",
            "/briefings%2fnetflix/one.html",
            "/briefings/netflix%2Fone.html",
            "/briefings/netflix/%5c..%5cCargo.toml",
            "/briefings/netflix/\\..\\Cargo.toml",
            "/briefings/netflix/%00",
            "/briefings/netflix/one.html%00.txt",
            "/briefings/netflix//etc/passwd",
            "/briefings//netflix/one.html",
            "//briefings/netflix/one.html",
            "/briefings/netflix/%ff",
            "/..",
            "/briefings/..",
            "briefings/netflix/one.html",
        ] {
            assert_eq!(resolve(raw, &netflix), Wanted::Refused, "{raw}");
        }
    }
}
