//! Runs headless Chromium on local pages with every host name mapped to
//! nothing, and reads the requests it made from its net log.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

/// Maximum time one Chromium run may take before the test kills it.
const RUN_TIMEOUT: Duration = Duration::from_secs(120);

/// Places where Debian and other distributions install Chromium.
const CANDIDATES: [&str; 3] = [
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
];

/// The `initiator` that Chromium's net log gives requests of the browser
/// itself, as opposed to requests of a page.
const BROWSER_INITIATOR: &str = "not an origin";

pub struct Chromium {
    binary: PathBuf,
}

/// Output and requests of one Chromium run.
pub struct BrowserRun {
    pub stdout: String,
    /// http, https, ws and wss URLs that pages requested.
    pub page_requests: Vec<String>,
    /// The same for requests of the browser itself (update checks, sign-in),
    /// which the resolver rules keep from leaving the machine too.
    pub browser_requests: Vec<String>,
}

impl Chromium {
    /// Returns the installed Chromium, or none after printing that the test
    /// is skipped. Under `CI=true` a missing Chromium fails the test.
    pub fn find_or_skip() -> Option<Self> {
        let found = CANDIDATES
            .iter()
            .map(PathBuf::from)
            .find(|path| path.is_file());
        if found.is_none() {
            let message = format!(
                "Chromium not found at {}; install Debian's chromium package",
                CANDIDATES.join(", ")
            );
            assert!(std::env::var("CI").as_deref() != Ok("true"), "{message}");
            eprintln!("{message}; skipping the browser checks");
        }
        found.map(|binary| Self { binary })
    }

    /// Opens `url` with the flags of a quiet headless run plus `extra`,
    /// using a new profile and net log under `work`, labelled `label`.
    pub fn run(&self, work: &Path, label: &str, extra: &[String], url: &str) -> BrowserRun {
        let profile = work.join(format!("profile-{label}"));
        let net_log = work.join(format!("net-log-{label}.json"));
        fs::create_dir_all(&profile).expect("create the Chromium profile folder");
        let mut command = Command::new(&self.binary);
        command
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--host-resolver-rules=MAP * ~NOTFOUND",
                "--virtual-time-budget=5000",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(format!("--log-net-log={}", net_log.display()))
            .args(extra)
            .arg(url)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = command.spawn().expect("start Chromium");
        let mut stdout_pipe = child.stdout.take().expect("Chromium stdout");
        let reader = thread::spawn(move || {
            let mut text = String::new();
            let _ = std::io::Read::read_to_string(&mut stdout_pipe, &mut text);
            text
        });
        let deadline = Instant::now() + RUN_TIMEOUT;
        loop {
            match child.try_wait().expect("poll Chromium") {
                Some(_) => break,
                None if Instant::now() >= deadline => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!(
                        "Chromium did not finish {url} within {} s",
                        RUN_TIMEOUT.as_secs()
                    );
                }
                None => thread::sleep(Duration::from_millis(50)),
            }
        }
        let stdout = reader.join().expect("the stdout reader does not panic");
        let (page_requests, browser_requests) = read_requests(&net_log);
        BrowserRun {
            stdout,
            page_requests,
            browser_requests,
        }
    }
}

/// Splits the network URL requests of a net log into those of pages and
/// those of the browser.
fn read_requests(net_log: &Path) -> (Vec<String>, Vec<String>) {
    let text = fs::read_to_string(net_log)
        .unwrap_or_else(|error| panic!("cannot read the net log {}: {error}", net_log.display()));
    // A net log that Chromium could not close lacks its final `]}`.
    let log: Value = serde_json::from_str(&text)
        .or_else(|_| serde_json::from_str(&format!("{}]}}", text.trim_end().trim_end_matches(','))))
        .unwrap_or_else(|error| panic!("net log {} is not JSON: {error}", net_log.display()));
    let start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"].as_u64();
    assert!(
        start_job.is_some(),
        "the net log names URL_REQUEST_START_JOB"
    );
    let (mut pages, mut browser) = (Vec::new(), Vec::new());
    for event in log["events"].as_array().into_iter().flatten() {
        if event["type"].as_u64() != start_job {
            continue;
        }
        let Some(url) = event["params"]["url"].as_str() else {
            continue;
        };
        let is_network = ["http://", "https://", "ws://", "wss://"]
            .iter()
            .any(|scheme| url.starts_with(scheme));
        if !is_network {
            continue;
        }
        if event["params"]["initiator"].as_str() == Some(BROWSER_INITIATOR) {
            browser.push(url.to_string());
        } else {
            pages.push(url.to_string());
        }
    }
    (pages, browser)
}

/// Returns the `file://` URL of an absolute path.
pub fn file_url(path: &Path) -> String {
    let text = path.to_str().expect("test paths are UTF-8");
    let mut url = String::from("file://");
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            url.push(char::from(byte));
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    url
}
