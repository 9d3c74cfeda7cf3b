//! Helpers shared by the fake server's own tests: a fixtures folder that
//! removes itself, and one HTTP request sent over a real TCP connection.

#![allow(dead_code)]

use std::fs;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use fake_tumblr::FakeTumblr;
use serde_json::Value;

/// A fixtures folder written for one test and removed when dropped.
pub struct TempFixtures {
    pub dir: PathBuf,
}

static NEXT_DIR: AtomicU32 = AtomicU32::new(0);

impl TempFixtures {
    /// Creates an empty `api-v2` folder in a new temporary folder named
    /// after `label`.
    pub fn create(label: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "fake-tumblr-{label}-{}-{}",
            std::process::id(),
            NEXT_DIR.fetch_add(1, Ordering::Relaxed)
        ));
        fs::create_dir_all(dir.join("api-v2")).expect("create the fixtures folder");
        Self { dir }
    }

    /// Creates a folder with only `info` as `blog-info.json` and an empty
    /// `error-responses.json`.
    pub fn with_info(label: &str, info: &Value) -> Self {
        let fixtures = Self::create(label);
        fixtures.write("blog-info.json", &info.to_string());
        fixtures.write("error-responses.json", "{}");
        fixtures
    }

    /// Writes `body` as `api-v2/{name}`.
    pub fn write(&self, name: &str, body: &str) {
        fs::write(self.dir.join("api-v2").join(name), body)
            .unwrap_or_else(|error| panic!("cannot write fixture {name}: {error}"));
    }
}

impl Drop for TempFixtures {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// A response read off the wire.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The error that ended the read, such as a reset; `None` after a
    /// normal close.
    pub end_error: Option<io::ErrorKind>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!(
                "the body is not JSON ({error}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends one request with `Connection: close`, an `X-Probe: yes` header
/// and the given extra header lines, and reads until the server closes,
/// keeping whatever arrived before a reset.
pub fn send_with(server: &FakeTumblr, method: &str, target: &str, headers: &[&str]) -> Reply {
    let mut stream = TcpStream::connect(server.addr()).expect("connect to the fake server");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("set a read timeout");
    let mut request = format!(
        "{method} {target} HTTP/1.1\r\nHost: {}\r\nX-Probe: yes\r\nConnection: close\r\n",
        server.addr()
    );
    for header in headers {
        request.push_str(header);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    stream
        .write_all(request.as_bytes())
        .expect("send the request");

    let mut raw = Vec::new();
    let mut buffer = [0u8; 8192];
    let end_error = loop {
        match stream.read(&mut buffer) {
            Ok(0) => break None,
            Err(error) => break Some(error.kind()),
            Ok(read) => raw.extend_from_slice(&buffer[..read]),
        }
    };

    let split = raw
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .expect("the response has a complete head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .expect("a status line with a numeric status");
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_string(), value.trim().to_string()))
        .collect();
    Reply {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
        end_error,
    }
}
