//! `briefing serve`, run as users run it: the real binary on a free port of 127.0.0.1, spoken to
//! with raw HTTP over TCP (no client that would normalise paths), fixture sites edited on disk.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::{TestSite, snapshot};

/// How long any wait for the server may take before the test fails (a bound, not a measurement).
const PATIENCE: Duration = Duration::from_secs(60);

/// A running `briefing serve`; stopped with SIGKILL when dropped if the test did not stop it.
struct Server {
    child: Child,
    port: u16,
    /// The line with the URL.
    first_line: String,
    stdout: Receiver<String>,
    stderr: Arc<Mutex<String>>,
}

impl Server {
    fn start(root: &Path) -> Self {
        Self::start_with(root, &[])
    }

    fn start_with(root: &Path, args: &[&str]) -> Self {
        Self::start_with_env(root, args, &[])
    }

    fn start_with_env(root: &Path, args: &[&str], env: &[(&str, &Path)]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_briefing"))
            .args(["serve", "-p", "0", "--root"])
            .arg(root)
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start briefing serve");
        let (lines, stdout) = channel();
        let out = child.stdout.take().expect("stdout");
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let err = child.stderr.take().expect("stderr");
        let collected = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut reader = BufReader::new(err);
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                collected.lock().expect("stderr").push_str(&line);
                line.clear();
            }
        });
        let mut server = Self { child, port: 0, first_line: String::new(), stdout, stderr };
        let first = server.next_line();
        let port = first
            .split("http://127.0.0.1:")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("no URL in the first line: {first:?}"));
        server.port = port;
        server.first_line = first;
        server
    }

    /// The next line serve prints on stdout.
    fn next_line(&self) -> String {
        match self.stdout.recv_timeout(PATIENCE) {
            Ok(line) => line,
            Err(RecvTimeoutError::Timeout) => panic!("serve printed nothing; stderr:\n{}", self.stderr()),
            Err(RecvTimeoutError::Disconnected) => panic!("serve exited; stderr:\n{}", self.stderr()),
        }
    }

    fn stderr(&self) -> String {
        self.stderr.lock().expect("stderr").clone()
    }

    /// Waits until stderr holds `text`, and returns all of it.
    fn wait_for_stderr(&self, text: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let stderr = self.stderr();
            if stderr.contains(text) {
                return stderr;
            }
            assert!(Instant::now() < deadline, "stderr never showed {text:?}:\n{stderr}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn get(&self, target: &str) -> Response {
        self.request(&format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"))
    }

    /// Sends `raw` as is and reads the whole response.
    fn request(&self, raw: &str) -> Response {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        stream.set_read_timeout(Some(PATIENCE)).expect("timeout");
        stream.write_all(raw.as_bytes()).expect("send");
        let mut bytes = Vec::new();
        stream.read_to_end(&mut bytes).expect("read response");
        Response::parse(&bytes)
    }

    /// Stops the server as Ctrl-C does, and waits for it to exit.
    fn interrupt(mut self, signal: &str) -> (ExitStatus, String) {
        let status = Command::new("kill").args([signal, &self.child.id().to_string()]).status().expect("kill");
        assert!(status.success());
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                // The reader thread may still be copying the last of stderr.
                std::thread::sleep(Duration::from_millis(100));
                return (status, self.stderr());
            }
            assert!(Instant::now() < deadline, "serve did not stop on {signal}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
struct Response {
    status: u16,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

impl Response {
    fn parse(bytes: &[u8]) -> Self {
        let split = bytes.windows(4).position(|w| w == b"\r\n\r\n").expect("end of headers");
        let head = String::from_utf8_lossy(&bytes[..split]).into_owned();
        let mut lines = head.split("\r\n");
        let status_line = lines.next().expect("status line");
        let status = status_line.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("status code");
        let headers = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_string()))
            .collect();
        Self { status, headers, body: bytes[split + 4..].to_vec() }
    }

    fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", String::as_str)
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A page's event stream, read over raw TCP (HTTP/1.0, so the body is not chunked).
struct Events {
    stream: TcpStream,
    buffer: String,
}

impl Events {
    fn open(server: &Server) -> Self {
        Self::open_at(server, "/__briefing/events")
    }

    fn open_at(server: &Server, path: &str) -> Self {
        let mut stream = TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
        stream.set_read_timeout(Some(Duration::from_millis(100))).expect("timeout");
        stream.write_all(format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").as_bytes()).expect("send");
        Self { stream, buffer: String::new() }
    }

    /// The next `status` event's data.
    fn next(&mut self) -> serde_json::Value {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let event: String = self.buffer.drain(..end + 2).collect();
                if let Some(data) = event.lines().find_map(|line| line.strip_prefix("data: "))
                    && event.lines().any(|line| line == "event: status")
                {
                    return serde_json::from_str(data).expect("status is JSON");
                }
                continue;
            }
            assert!(Instant::now() < deadline, "no event came; got so far:\n{}", self.buffer);
            let mut chunk = [0u8; 8192];
            match self.stream.read(&mut chunk) {
                Ok(0) => panic!("the event stream closed; got:\n{}", self.buffer),
                Ok(n) => self.buffer.push_str(&String::from_utf8_lossy(&chunk[..n]).replace("\r\n", "\n")),
                Err(err) if matches!(err.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
                Err(err) => panic!("reading events: {err}"),
            }
        }
    }

    /// The first status event, after the response's headers.
    fn first(server: &Server) -> (Self, serde_json::Value) {
        Self::first_at(server, "/__briefing/events")
    }

    fn first_at(server: &Server, path: &str) -> (Self, serde_json::Value) {
        let mut events = Self::open_at(server, path);
        let status = events.next();
        assert!(events.buffer.is_empty() || !events.buffer.contains("HTTP/1."), "headers left in {}", events.buffer);
        (events, status)
    }
}

fn build_id(status: &serde_json::Value) -> String {
    status["build"].as_str().expect("build id").to_string()
}

/// The bytes a clean in-memory build of `root` gives for `path`, as `briefing build` would write them.
fn built(root: &Path, path: &str) -> Vec<u8> {
    built_for(root, path, "http://127.0.0.1:1/")
}

/// The bytes a clean in-memory build of `root` with `base_url` gives for `path`.
fn built_for(root: &Path, path: &str, base_url: &str) -> Vec<u8> {
    let mut options = briefing::BuildOptions::new(root);
    options.base_url = Some(briefing::load::BaseUrl::parse(base_url).expect("a base URL"));
    let outcome = briefing::render_site(&options);
    let site = outcome.site.expect("the site builds");
    site.files.into_iter().find(|file| file.path == path).map(|file| file.bytes.to_vec()).expect("built file")
}

/// A page as serve sends it: the build's bytes with the served address as base URL, and the script tag.
fn served_page(root: &Path, path: &str, build: &str, port: u16) -> String {
    with_script(&built(root, path), build).replace("http://127.0.0.1:1/", &format!("http://127.0.0.1:{port}/"))
}

fn with_script(html: &[u8], build: &str) -> String {
    with_script_under(html, build, "/")
}

/// A page with the script tag serve puts in when the site is mounted at `mount`.
fn with_script_under(html: &[u8], build: &str, mount: &str) -> String {
    let html = String::from_utf8(html.to_vec()).expect("utf-8");
    let at = html.rfind("</body>").expect("</body>");
    format!(
        "{}<script src=\"{mount}__briefing/live.js\" data-build=\"{build}\" defer></script>{}",
        &html[..at],
        &html[at..]
    )
}

/// A stand-in for the default browser (`BROWSER`): a script that writes the URL it is given to the
/// returned file.
fn fake_browser(folder: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let browser = folder.join("browser");
    let opened = folder.join("opened.txt");
    std::fs::write(&browser, format!("#!/bin/sh\necho \"$1\" > '{}'\n", opened.display())).expect("write script");
    let mut permissions = std::fs::metadata(&browser).expect("meta").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&browser, permissions).expect("chmod");
    (browser, opened)
}

/// What the stand-in browser was asked to open, once it has been.
fn opened_url(opened: &Path) -> String {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Ok(url) = std::fs::read_to_string(opened)
            && !url.is_empty()
        {
            return url;
        }
        assert!(Instant::now() < deadline, "the browser was not started");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn pages_are_served_from_memory_with_their_types_the_reload_script_and_no_caching() {
    let site = TestSite::base();
    let before = snapshot(site.root());
    let server = Server::start(site.root());
    let (_events, status) = Events::first(&server);
    let build = build_id(&status);
    assert_eq!(status["failed"], serde_json::Value::Null);

    let page = server.get("/one.html");
    assert_eq!(page.status, 200);
    assert_eq!(page.header("content-type"), "text/html; charset=utf-8");
    assert_eq!(page.header("cache-control"), "no-store");
    assert_eq!(page.header("content-length"), page.body.len().to_string());
    // The page is the build's, with the served address as base URL, plus the script tag.
    assert_eq!(page.text(), served_page(site.root(), "one.html", &build, server.port));

    let head = server.request("HEAD /one.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-type"), "text/html; charset=utf-8");
    assert_eq!(head.header("content-length"), page.body.len().to_string());
    assert_eq!(head.body, b"");

    let front = server.get("/");
    assert_eq!(front.status, 200);
    assert!(front.text().contains("<title>Fixture briefing</title>"), "{}", front.text());
    let css_name = front.text().split("href=\"briefing.").nth(1).and_then(|r| r.split('"').next()).map(str::to_string);
    let css = server.get(&format!("/briefing.{}", css_name.expect("stylesheet link")));
    assert_eq!((css.status, css.header("content-type")), (200, "text/css; charset=utf-8"));
    let svg = server.get("/favicon.svg");
    assert_eq!((svg.status, svg.header("content-type")), (200, "image/svg+xml; charset=utf-8"));
    let script = server.get("/__briefing/live.js");
    assert_eq!((script.status, script.header("content-type")), (200, "text/javascript; charset=utf-8"));
    // The script finds its event stream beside itself, wherever the site is mounted.
    assert!(script.text().contains("new URL('events', script.src)"), "{}", script.text());
    assert!(script.text().contains("new EventSource(eventsUrl)"), "{}", script.text());

    // A folder: redirected to its slash form (relative links resolve from it), then its index.
    let folder = server.get("/quotes?x=1");
    assert_eq!((folder.status, folder.header("location")), (302, "/quotes/?x=1"));
    let index = server.get("/quotes/");
    assert_eq!(index.status, 200);
    assert_eq!(index.text(), served_page(site.root(), "quotes/index.html", &build, server.port));

    let missing = server.get("/no-such-page.html");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.header("content-type"), "text/html; charset=utf-8");
    assert_eq!(missing.header("cache-control"), "no-store");
    assert_eq!(missing.text(), served_page(site.root(), "404.html", &build, server.port));
    assert_eq!(server.get("/__briefing/other").status, 404);

    for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
        let refused = server.request(&format!(
            "{method} /one.html HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        ));
        assert_eq!(refused.status, 405, "{method}");
        assert_eq!(refused.header("allow"), "GET, HEAD", "{method}");
    }
    drop(server);
    assert_eq!(snapshot(site.root()), before, "serve wrote to the site folder");
}

#[test]
fn no_request_path_reaches_anything_outside_the_build() {
    let site = TestSite::base();
    site.write("secret.txt", "TOP SECRET\n");
    let server = Server::start(site.root());
    let not_found_page = server.get("/no-such-page.html").text();
    let targets = [
        "/../Cargo.toml",
        "/../secret.txt",
        "/../../../../../../etc/passwd",
        "/%2e%2e/secret.txt",
        "/%2E%2E/%2e%2e/etc/passwd",
        "/..%2fsecret.txt",
        "/..%2Fsecret.txt",
        "/%2e%2e%2fsecret.txt",
        "/content/..%5c..%5csecret.txt",
        "/%00",
        "/one.html%00",
        "//etc/passwd",
        "//secret.txt",
        "/./secret.txt",
        "/content/one.md",
        "/site.toml",
        "/secret.txt",
        "/%5c..%5csecret.txt",
        "/\\..\\secret.txt",
        "/content\\..\\..\\secret.txt",
    ];
    for target in targets {
        let response = server.get(target);
        assert_eq!(response.status, 404, "{target}");
        assert_eq!(response.text(), not_found_page, "{target}");
    }
    // Targets that are not valid request lines at all are refused by the HTTP parser itself.
    for target in ["\\..\\secret.txt", "../secret.txt", "/a b/../secret.txt"] {
        let response = server.request(&format!("GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
        assert_eq!(response.status, 400, "{target}");
        assert!(!response.text().contains("SECRET"), "{target}");
    }
    // An absolute-form target names the path on this server, like any other.
    let absolute =
        server.request("GET http://127.0.0.1/../secret.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert_eq!(absolute.status, 404);
    assert!(!absolute.text().contains("SECRET"));
}

#[test]
fn an_edit_rebuilds_and_tells_open_pages_to_reload() {
    let site = TestSite::base();
    let server = Server::start(site.root());
    let (mut events, first) = Events::first(&server);
    // The whole-site files (the search index counts as one) are made on their first request, then kept.
    assert!(server.get("/print.html").text().contains("The chief said the tools"));
    let line = server.next_line();
    assert!(line.starts_with("7 whole-site files made on request in "), "{line}");
    assert!(server.get("/atom.xml").text().contains("The chief said the tools"));

    site.edit("content/one.md", "The chief said the tools", "The chief said, on a Tuesday, the tools");
    let reload = events.next();
    assert_ne!(build_id(&reload), build_id(&first), "the build id changes so pages reload");
    assert_eq!(reload["failed"], serde_json::Value::Null);
    let line = server.next_line();
    // The page; the files made from the whole site that hold its text (the print edition,
    // `briefing.json` and `atom.xml`: the fixture's `one.md` is dated) wait for their next request.
    assert!(
        line.starts_with("content/one.md changed: 1 page re-rendered (7 whole-site files on request) in "),
        "{line}"
    );
    assert!(line.ends_with(" ms"), "{line}");
    assert!(server.get("/one.html").text().contains("The chief said, on a Tuesday, the tools"));
    for file in ["/print.html", "/briefing.json", "/atom.xml"] {
        assert!(server.get(file).text().contains("The chief said, on a Tuesday, the tools"), "{file}");
    }
    assert!(server.next_line().starts_with("7 whole-site files made on request in "));

    // An editor's save: write a hidden temporary file, rename it over the page.
    let text = site.read("content/two.md").replace("raised [a dispute]", "has raised [a dispute]");
    site.write("content/.two.md.tmp", &text);
    std::fs::rename(site.root().join("content/.two.md.tmp"), site.root().join("content/two.md")).expect("rename");
    let reload = events.next();
    assert_eq!(server.next_line().split(':').next(), Some("content/two.md changed"));
    assert!(server.get("/two.html").text().contains("has raised"));
    let build = build_id(&reload);

    // A save that changes no output: reported, but open pages keep their place.
    site.edit("content/two.md", "has raised", "has raised");
    let line = server.next_line();
    assert!(line.starts_with("content/two.md changed: 0 pages re-rendered in "), "{line}");
    // A template folder made after start is watched; a change to the base template reaches every page.
    std::fs::create_dir(site.root().join("templates")).expect("mkdir");
    assert!(server.next_line().starts_with("templates changed: 0 pages re-rendered in "));
    let theme_base = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/base.html"))
        .expect("theme base.html");
    site.write("templates/base.html", &theme_base.replacen("</body>", "<!-- edited --></body>", 1));
    let line = server.next_line();
    let pages: usize = server
        .first_line
        .split("Built ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("page count");
    // Every page; the print edition, not asked for since the edit of two.md, is not among them.
    assert!(line.starts_with(&format!("templates/base.html changed: {pages} pages re-rendered in ")), "{line}");
    let after_template = events.next();
    assert_ne!(build_id(&after_template), build);
    assert!(server.get("/quotes/not-worried.html").text().contains("<!-- edited -->"));
    assert!(server.get("/print.html").text().contains("<!-- edited -->"));
}

#[test]
fn a_broken_edit_keeps_the_last_good_build_and_sends_its_errors_until_fixed() {
    let site = TestSite::base();
    let server = Server::start(site.root());
    let (mut events, first) = Events::first(&server);
    let good = server.get("/one.html").text();

    site.edit("content/one.md", "(quote:reasonable)", "(quote:reasonabel)");
    let broken = events.next();
    assert_eq!(build_id(&broken), build_id(&first), "the last good build stays served");
    let failed = &broken["failed"];
    assert_eq!(failed["errors"], 1);
    assert_eq!(failed["warnings"], 0);
    let diagnostic = &failed["diagnostics"][0];
    assert_eq!(diagnostic["severity"], "error");
    assert_eq!(diagnostic["location"], "content/one.md:10:53");
    assert_eq!(diagnostic["message"], "no quote with id `reasonabel`");
    assert_eq!(diagnostic["help"], "did you mean `quote:reasonable`?");
    assert_eq!(
        diagnostic["excerpt"],
        "10 | The chief said the tools were [becoming reasonable](quote:reasonabel).[^why]\n   |                                                     ^^^^^^^^^^^^^^^^ unknown reference"
    );
    assert_eq!(server.get("/one.html").text(), good);

    // The terminal shows what `briefing build` shows for the same files, then one line.
    let stderr = server.wait_for_stderr("still serving the last good build");
    let build = Command::new(env!("CARGO_BIN_EXE_briefing"))
        .args(["build", "-o"])
        .arg(site.root().join("../serve-build-output-never-written"))
        .arg("--root")
        .arg(site.root())
        .output()
        .expect("run build");
    let build_stderr = String::from_utf8_lossy(&build.stderr);
    let diagnostics = build_stderr.split("error: build failed").next().expect("diagnostics");
    assert!(diagnostics.contains("--> content/one.md:10:53"), "{build_stderr}");
    let (shown, last) =
        stderr.rsplit_once("error: content/one.md changed: build failed with 1 error in ").expect("last line");
    assert_eq!(shown, diagnostics);
    assert!(last.ends_with(" ms; still serving the last good build\n"), "{last}");

    // A page opened while the error stands gets it at once.
    let (_late, status) = Events::first(&server);
    assert_eq!(status["failed"]["diagnostics"][0]["location"], "content/one.md:10:53");

    site.edit("content/one.md", "(quote:reasonabel)", "(quote:reasonable)");
    let fixed = events.next();
    assert_eq!(fixed["failed"], serde_json::Value::Null);
    assert_ne!(build_id(&fixed), build_id(&first), "fixing the file reloads the pages showing the error");
    assert_eq!(server.get("/one.html").text(), good.replace(&build_id(&first), &build_id(&fixed)));
}

#[test]
fn a_deleted_page_answers_404_and_leaves_every_index_and_a_new_page_joins_them() {
    let site = TestSite::base();
    let server = Server::start(site.root());
    let (mut events, _) = Events::first(&server);
    assert_eq!(server.get("/two.html").status, 200);
    assert!(server.get("/").text().contains("href=\"two.html\""));
    assert!(server.get("/one.html").text().contains("two.html"));

    site.edit("content/one.md", " See [the practice](two.md#practice).", "");
    events.next();
    site.remove("content/two.md");
    events.next();
    let line = server.next_line();
    let line = if line.starts_with("content/one.md") { server.next_line() } else { line };
    assert!(line.starts_with("content/two.md removed: "), "{line}");
    assert!(line.contains(", 1 removed in "), "{line}");
    let gone = server.get("/two.html");
    assert_eq!(gone.status, 404);
    assert_eq!(gone.text(), server.get("/no-such-page.html").text());
    for page in ["/", "/one.html", "/use-cases/storyboards.html", "/controversies/consent.html", "/topics/ai.html"] {
        let response = server.get(page);
        assert_eq!(response.status, 200, "{page}");
        assert!(!response.text().contains("two.html"), "{page} still links to the deleted page");
    }

    site.write("content/three.md", "+++\ntitle = \"The third\"\nweight = 3\n+++\nA new section.\n");
    events.next();
    let new = server.get("/three.html");
    assert_eq!(new.status, 200);
    assert!(new.text().contains("A new section."));
    assert!(server.get("/").text().contains("href=\"three.html\""), "the front page lists the new section");
    assert!(server.get("/one.html").text().contains("three.html"), "the previous section links to it");
}

#[test]
fn input_folders_made_after_start_are_watched_and_editor_leftovers_ignored() {
    let site = TestSite::base();
    let server = Server::start(site.root());
    let (mut events, first) = Events::first(&server);
    // Leftovers alone do not rebuild: the next rebuild's line names only the real change.
    site.write("content/.one.md.swp", "x");
    site.write("content/one.md~", "x");
    site.write("content/#one.md#", "x");
    std::fs::create_dir_all(site.root().join("static/img")).expect("mkdir");
    site.write("static/img/dot.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n");
    let status = events.next();
    assert_ne!(build_id(&status), build_id(&first));
    let line = server.next_line();
    assert!(line.contains("changed: 1 page re-rendered"), "{line}");
    assert!(!line.contains("swp") && !line.starts_with("4 files"), "{line}");
    let dot = server.get("/img/dot.svg");
    assert_eq!((dot.status, dot.header("content-type")), (200, "image/svg+xml; charset=utf-8"));
    // A file in the folder made after start is seen too.
    site.write("static/img/dot.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1\"/>\n");
    events.next();
    assert!(server.get("/img/dot.svg").text().contains("width=\"1\""));
    site.edit("site.toml", "title = \"Fixture briefing\"", "title = \"Renamed briefing\"");
    events.next();
    assert!(server.next_line().starts_with("static/img/dot.svg changed"));
    assert!(server.next_line().starts_with("site.toml changed"));
    assert!(server.get("/").text().contains("Renamed briefing"));
}

#[test]
fn a_port_in_use_is_a_usage_error_that_names_it_and_the_flag() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("address").port();
    let site = TestSite::base();
    let run = Command::new(env!("CARGO_BIN_EXE_briefing"))
        .args(["serve", "-p", &port.to_string(), "--root"])
        .arg(site.root())
        .output()
        .expect("run serve");
    assert_eq!(run.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&run.stderr),
        format!(
            "error: port {port} on 127.0.0.1 is already in use (another `briefing serve`?); choose another with -p PORT, or -p 0 for any free port\n"
        )
    );
    assert_eq!(run.stdout, b"");

    // 192.0.2.1 is reserved for documentation: no machine has it, so it cannot be bound.
    let elsewhere = Command::new(env!("CARGO_BIN_EXE_briefing"))
        .args(["serve", "-i", "192.0.2.1", "--root"])
        .arg(site.root())
        .output()
        .expect("run serve");
    assert_eq!(elsewhere.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&elsewhere.stderr),
        "error: cannot listen on 192.0.2.1: it is not an address of this machine; pass one with -i INTERFACE (127.0.0.1, the default, is reachable from this machine only)\n"
    );

    let bad = Command::new(env!("CARGO_BIN_EXE_briefing"))
        .args(["serve", "-u", "not a url", "--root"])
        .arg(site.root())
        .output()
        .expect("run serve");
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr)
            .starts_with("error: invalid value 'not a url' for '--base-url <BASE_URL>'")
    );

    let unmountable = Command::new(env!("CARGO_BIN_EXE_briefing"))
        .args(["serve", "-p", "0", "-u", "https://example.org/a%2Fb/", "--root"])
        .arg(site.root())
        .output()
        .expect("run serve");
    assert_eq!(unmountable.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&unmountable.stderr),
        "error: cannot serve the site under the path of --base-url `https://example.org/a%2Fb/`: its path segment `a%2Fb` holds an encoded `/`, `\\` or control character, which no request path may hold; write the path as published, e.g. https://example.org/briefing/\n"
    );
    assert_eq!(unmountable.stdout, b"");
}

#[test]
fn open_starts_the_default_browser_on_the_served_url_or_says_why_not() {
    let site = TestSite::base();
    let tools = tempfile::tempdir().expect("temp dir");
    let (browser, opened) = fake_browser(tools.path());
    let server = Server::start_with_env(site.root(), &["--open"], &[("BROWSER", &browser)]);
    assert_eq!(opened_url(&opened), format!("http://127.0.0.1:{}/\n", server.port));
    drop(server);

    let missing = tools.path().join("no-such-browser");
    let server = Server::start_with_env(site.root(), &["--open"], &[("BROWSER", &missing)]);
    let stderr = server.wait_for_stderr("yourself\n");
    assert!(stderr.starts_with("warning: could not open a browser ("), "{stderr}");
    assert!(stderr.ends_with(&format!("); open http://127.0.0.1:{}/ yourself\n", server.port)), "{stderr}");
    assert_eq!(server.get("/").status, 200, "serve goes on");
}

#[test]
fn fifty_concurrent_connections_are_all_answered_while_pages_reload() {
    let site = TestSite::base();
    let server = Server::start(site.root());
    let port = server.port;
    let mut listeners: Vec<Events> = (0..50).map(|_| Events::open(&server)).collect();
    for events in &mut listeners {
        assert_eq!(events.next()["failed"], serde_json::Value::Null);
    }
    let pages = ["/", "/one.html", "/two.html", "/quotes/", "/quotes/not-worried.html", "/no-such-page.html"];
    let clients: Vec<_> = (0..50)
        .map(|i| {
            std::thread::spawn(move || {
                let mut failures = Vec::new();
                for round in 0..10 {
                    let page = pages[(i + round) % pages.len()];
                    let expected = if page == "/no-such-page.html" { 404 } else { 200 };
                    let request = format!("GET {page} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                    let outcome = TcpStream::connect(("127.0.0.1", port)).and_then(|mut stream| {
                        stream.set_read_timeout(Some(PATIENCE))?;
                        stream.write_all(request.as_bytes())?;
                        let mut bytes = Vec::new();
                        stream.read_to_end(&mut bytes)?;
                        Ok(bytes)
                    });
                    match outcome.map(|bytes| Response::parse(&bytes)) {
                        Ok(response) if response.status == expected && response.text().contains("</html>") => {}
                        Ok(response) => failures.push(format!("{page}: status {}", response.status)),
                        Err(err) => failures.push(format!("{page}: {err}")),
                    }
                }
                failures
            })
        })
        .collect();
    site.edit("content/one.md", "The chief said", "The chief then said");
    let failures: Vec<String> = clients.into_iter().flat_map(|client| client.join().expect("client thread")).collect();
    assert_eq!(failures, Vec::<String>::new());
    let mut builds = std::collections::BTreeSet::new();
    for events in &mut listeners {
        builds.insert(build_id(&events.next()));
    }
    assert_eq!(builds.len(), 1, "every page was told of the same new build");
}

#[test]
fn ctrl_c_and_sigterm_stop_it_with_exit_0_and_nothing_left_on_disk() {
    for signal in ["-INT", "-TERM"] {
        let site = TestSite::base();
        let before = snapshot(site.root());
        let server = Server::start(site.root());
        let (_events, _) = Events::first(&server);
        let (status, stderr) = server.interrupt(signal);
        assert_eq!(status.code(), Some(0), "{signal}: {stderr}");
        assert_eq!(stderr, "", "{signal}");
        assert_eq!(snapshot(site.root()), before, "{signal}: serve left files behind");
    }
}

#[test]
fn a_first_build_that_fails_is_served_as_a_page_that_shows_the_errors() {
    let site = TestSite::base();
    site.edit("content/one.md", "(quote:reasonable)", "(quote:missing)");
    let server = Server::start(site.root());
    let stderr = server.wait_for_stderr("error: build failed with 1 error; serving what there is at http://127.0.0.1:");
    assert!(stderr.contains("no quote with id `missing`"), "{stderr}");
    let (mut events, status) = Events::first(&server);
    assert_eq!(status["failed"]["diagnostics"][0]["message"], "no quote with id `missing`");
    let page = server.get("/one.html");
    assert_eq!(page.status, 503);
    assert!(page.text().contains("<h1>The briefing has not built yet</h1>"));
    assert!(page.text().contains(&format!("data-build=\"{}\"", build_id(&status))));
    site.edit("content/one.md", "(quote:missing)", "(quote:reasonable)");
    let fixed = events.next();
    assert_ne!(build_id(&fixed), build_id(&status));
    assert_eq!(server.get("/one.html").status, 200);
}

#[test]
fn build_output_holds_no_trace_of_serve() {
    let site = TestSite::base();
    site.build_ok();
    for (path, bytes) in snapshot(&site.output()) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("__briefing"), "{} mentions serve's paths", path.display());
        assert!(!text.contains("EventSource"), "{} holds the live-reload script", path.display());
    }
}

/// Where the mounted fixture is published, and the path serve mounts it at.
const PUBLISHED: &str = "https://example.org/briefings/netflix/";
const MOUNT: &str = "/briefings/netflix/";

/// A page of the fixture as serve sends it under the mount: built with the published base URL.
fn mounted_page(root: &Path, path: &str, build: &str) -> String {
    with_script_under(&built_for(root, path, PUBLISHED), build, MOUNT)
}

#[test]
fn a_base_url_with_a_path_serves_the_site_under_that_path_as_published() {
    let site = TestSite::base();
    let tools = tempfile::tempdir().expect("temp dir");
    let (browser, opened) = fake_browser(tools.path());
    let server = Server::start_with_env(site.root(), &["-u", PUBLISHED, "--open"], &[("BROWSER", &browser)]);
    let url = format!("http://127.0.0.1:{}/briefings/netflix/", server.port);
    assert!(server.first_line.starts_with("Built "), "{}", server.first_line);
    assert!(server.first_line.ends_with(&format!("; serving at {url} (Ctrl-C to stop)")), "{}", server.first_line);
    assert_eq!(opened_url(&opened), format!("{url}\n"), "--open opens the mounted URL");

    let (mut events, status) = Events::first_at(&server, "/briefings/netflix/__briefing/events");
    let build = build_id(&status);
    for (target, file) in [
        ("/briefings/netflix/", "index.html"),
        ("/briefings/netflix/one.html", "one.html"),
        ("/briefings/netflix/quotes/", "quotes/index.html"),
    ] {
        let page = server.get(target);
        assert_eq!((page.status, page.header("content-type")), (200, "text/html; charset=utf-8"), "{target}");
        assert_eq!(page.header("cache-control"), "no-store", "{target}");
        // The build's bytes with the published base URL, and the script under the mount.
        assert_eq!(page.text(), mounted_page(site.root(), file, &build), "{target}");
    }
    let front = server.get(MOUNT).text();
    let css_name = front.split("href=\"briefing.").nth(1).and_then(|r| r.split('"').next()).expect("stylesheet link");
    let css = server.get(&format!("/briefings/netflix/briefing.{css_name}"));
    assert_eq!((css.status, css.header("content-type")), (200, "text/css; charset=utf-8"));
    let script = server.get("/briefings/netflix/__briefing/live.js");
    assert_eq!((script.status, script.header("content-type")), (200, "text/javascript; charset=utf-8"));
    let folder = server.get("/briefings/netflix/quotes?x=1");
    assert_eq!((folder.status, folder.header("location")), (302, "/briefings/netflix/quotes/?x=1"));

    // The way to the mount leads to it.
    for (target, location) in [
        ("/", MOUNT),
        ("/?x=1", "/briefings/netflix/?x=1"),
        ("/briefings", MOUNT),
        ("/briefings/", MOUNT),
        ("/briefings/netflix", MOUNT),
        ("/briefings/netflix?x=1", "/briefings/netflix/?x=1"),
    ] {
        let response = server.get(target);
        assert_eq!((response.status, response.header("location")), (307, location), "{target}");
        assert_eq!(response.body, b"", "{target}");
    }

    // Anything else outside it is the theme's 404 page, as is a missing page inside it.
    let not_found = mounted_page(site.root(), "404.html", &build);
    let missing = server.get("/briefings/netflix/no-such-page.html");
    assert_eq!((missing.status, missing.text()), (404, not_found.clone()));
    for target in [
        "/one.html",
        "/index.html",
        "/quotes/",
        "/favicon.svg",
        "/briefings/one.html",
        "/briefings/netflixy/",
        "/briefings/netflix.html",
        "/brief",
        "/Briefings/netflix/",
        "/netflix/",
        "/__briefing/live.js",
        "/__briefing/events",
    ] {
        let response = server.get(target);
        assert_eq!(response.status, 404, "{target}");
        assert_eq!(response.header("content-type"), "text/html; charset=utf-8", "{target}");
        assert_eq!(response.text(), not_found, "{target}");
    }

    // HEAD: the same headers, no body.
    let page = server.get("/briefings/netflix/one.html");
    let head = server.request("HEAD /briefings/netflix/one.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert_eq!(
        (head.status, head.header("content-length"), head.body.as_slice()),
        (200, &*page.body.len().to_string(), &b""[..])
    );
    let head = server.request("HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert_eq!((head.status, head.header("location"), head.body.as_slice()), (307, MOUNT, &b""[..]));
    let head = server.request("HEAD /one.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert_eq!(
        (head.status, head.header("content-length"), head.body.as_slice()),
        (404, &*not_found.len().to_string(), &b""[..])
    );

    // The event stream under the mount tells of rebuilds, and the page changes.
    site.edit("content/one.md", "The chief said the tools", "The chief said, under a mount, the tools");
    let reload = events.next();
    assert_ne!(build_id(&reload), build, "pages under the mount are told to reload");
    assert_eq!(reload["failed"], serde_json::Value::Null);
    let page = server.get("/briefings/netflix/one.html");
    assert_eq!(page.text(), mounted_page(site.root(), "one.html", &build_id(&reload)));
    assert!(page.text().contains("under a mount"));
}

#[test]
fn under_a_mount_no_request_path_reaches_anything_outside_the_build() {
    let site = TestSite::base();
    site.write("secret.txt", "TOP SECRET\n");
    let server = Server::start_with(site.root(), &["-u", PUBLISHED]);
    let not_found_page = server.get("/briefings/netflix/no-such-page.html");
    assert_eq!(not_found_page.status, 404);
    let not_found_page = not_found_page.text();
    let targets = [
        "/briefings/netflix/../../secret.txt",
        "/briefings/netflix/../../../../../../etc/passwd",
        "/briefings/netflix/..",
        "/briefings/netflix/.",
        "/briefings/netflix/./one.html",
        "/briefings/netflix/quotes/../one.html",
        "/briefings/x/../netflix/one.html",
        "/briefings/./netflix/one.html",
        "/briefings/..",
        "/briefings/netflix/%2e%2e/%2e%2e/secret.txt",
        "/briefings/netflix/%2E%2E/%2e%2e/etc/passwd",
        "/briefings/netflix/..%2f..%2fsecret.txt",
        "/briefings/netflix/..%2F..%2Fsecret.txt",
        "/briefings/netflix/%2e%2e%2f%2e%2e%2fsecret.txt",
        "/briefings%2fnetflix/one.html",
        "/briefings/netflix%2Fone.html",
        "/briefings/netflix/content/..%5c..%5csecret.txt",
        "/briefings/netflix/%5c..%5c..%5csecret.txt",
        "/briefings/netflix/\\..\\..\\secret.txt",
        "/briefings\\netflix\\one.html",
        "/briefings/netflix/%00",
        "/briefings/netflix/one.html%00",
        "/briefings/netflix//etc/passwd",
        "/briefings/netflix//secret.txt",
        "/briefings//netflix/one.html",
        "//briefings/netflix/one.html",
        "/briefings/netflix/content/one.md",
        "/briefings/netflix/site.toml",
        "/briefings/netflix/secret.txt",
        "/briefings/secret.txt",
        "/secret.txt",
        "/../secret.txt",
        "/%2e%2e/secret.txt",
    ];
    for target in targets {
        let response = server.get(target);
        assert_eq!(response.status, 404, "{target}");
        assert_eq!(response.text(), not_found_page, "{target}");
    }
    for target in ["\\..\\secret.txt", "briefings/netflix/../../secret.txt", "/briefings/netflix/a b/../../secret.txt"]
    {
        let response = server.request(&format!("GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
        assert_eq!(response.status, 400, "{target}");
        assert!(!response.text().contains("SECRET"), "{target}");
    }
    let absolute = server.request(
        "GET http://127.0.0.1/briefings/netflix/../../secret.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!((absolute.status, absolute.text()), (404, not_found_page));
}
