//! Minimal HTTP/1.1 for the fake server: reads one request head at a time
//! from a connection and writes responses with a `Content-Length`, at once
//! or paced. Request bodies are read and discarded, and chunked request
//! bodies are rejected.

use std::io::{self, BufRead, Read, Write};
use std::thread;

use crate::config::Pace;

/// Largest request head accepted, in bytes.
const MAX_HEAD_LEN: usize = 64 * 1024;

/// Largest request body read and discarded, in bytes.
const MAX_BODY_LEN: u64 = 1024 * 1024;

/// One parsed request head.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestHead {
    pub method: String,
    /// Path as sent, without the query string.
    pub path: String,
    /// Query string as sent, without the `?`; empty when absent.
    pub query: String,
    /// `HTTP/1.0` or `HTTP/1.1`.
    pub version: String,
    /// Headers in the order sent, names lowercased.
    pub headers: Vec<(String, String)>,
}

impl RequestHead {
    /// Returns the first value of header `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Returns whether the client asked to keep the connection open.
    pub fn keep_alive(&self) -> bool {
        let connection = self.header("connection").map(str::to_ascii_lowercase);
        match connection.as_deref() {
            Some("close") => false,
            Some("keep-alive") => true,
            _ => self.version == "HTTP/1.1",
        }
    }
}

/// Reads the next request head and discards its body. Returns `Ok(None)`
/// when the client closed the connection before sending a request.
pub fn read_request(reader: &mut impl BufRead) -> io::Result<Option<RequestHead>> {
    let mut head_len = 0;
    let mut request_line = String::new();
    // Tolerates blank lines before the request line.
    loop {
        request_line.clear();
        let read = reader.read_line(&mut request_line)?;
        if read == 0 {
            return Ok(None);
        }
        head_len += read;
        if !request_line.trim().is_empty() {
            break;
        }
        if head_len > MAX_HEAD_LEN {
            return Err(invalid("request head too long"));
        }
    }

    let mut parts = request_line.split_whitespace();
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid(&format!(
            "invalid request line {:?}",
            request_line.trim_end()
        )));
    };
    let (path, query) = target.split_once('?').unwrap_or((target, ""));

    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        let read = reader.read_line(&mut line)?;
        if read == 0 {
            return Err(invalid("connection closed inside the request head"));
        }
        head_len += read;
        if head_len > MAX_HEAD_LEN {
            return Err(invalid("request head too long"));
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            break;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(invalid(&format!("invalid header line {line:?}")));
        };
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }

    let head = RequestHead {
        method: method.to_string(),
        path: path.to_string(),
        query: query.to_string(),
        version: version.to_string(),
        headers,
    };
    discard_body(reader, &head)?;
    Ok(Some(head))
}

fn discard_body(reader: &mut impl BufRead, head: &RequestHead) -> io::Result<()> {
    if head.header("transfer-encoding").is_some() {
        return Err(invalid("chunked request bodies are not supported"));
    }
    let Some(length) = head.header("content-length") else {
        return Ok(());
    };
    let length: u64 = length
        .parse()
        .map_err(|_| invalid(&format!("invalid Content-Length {length:?}")))?;
    if length > MAX_BODY_LEN {
        return Err(invalid(&format!(
            "request body of {length} bytes is too large"
        )));
    }
    io::copy(&mut Read::take(&mut *reader, length), &mut io::sink())?;
    Ok(())
}

fn invalid(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.to_string())
}

/// A response to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    /// Headers other than `Content-Length` and `Connection`.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Number of body bytes actually sent before closing the connection;
    /// `None` sends the whole body. `Content-Length` always states the
    /// whole body.
    pub send_only: Option<usize>,
    /// How slowly the response is written.
    pub pace: Pace,
    /// Whether the connection ends with a TCP reset (RST) after the bytes
    /// are sent, rather than a normal close or keep-alive.
    pub reset: bool,
}

impl Response {
    /// Creates a response with one `Content-Type` header.
    pub fn new(status: u16, content_type: &str, body: Vec<u8>) -> Self {
        Self {
            status,
            headers: vec![("Content-Type".to_string(), content_type.to_string())],
            body,
            send_only: None,
            pace: Pace::default(),
            reset: false,
        }
    }

    /// Creates a JSON response.
    pub fn json(status: u16, value: &serde_json::Value) -> Self {
        Self::new(
            status,
            "application/json; charset=utf-8",
            value.to_string().into_bytes(),
        )
    }

    /// Creates a plain-text response.
    pub fn text(status: u16, text: &str) -> Self {
        Self::new(
            status,
            "text/plain; charset=utf-8",
            text.as_bytes().to_vec(),
        )
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Returns whether the connection must be closed after this response.
    pub fn closes_connection(&self) -> bool {
        self.send_only.is_some() || self.reset
    }

    /// Returns whether writing this response sends its whole body.
    pub fn sends_whole_body(&self) -> bool {
        self.send_only.is_none_or(|sent| sent >= self.body.len()) && !self.reset
    }
}

/// Writes `response` at the speed that its `pace` sets. A `HEAD` request
/// gets the headers only.
pub fn write_response(
    writer: &mut impl Write,
    response: &Response,
    is_head: bool,
    keep_alive: bool,
) -> io::Result<()> {
    let keep_alive = keep_alive && !response.closes_connection();
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nServer: fake-tumblr\r\nContent-Length: {}\r\nConnection: {}\r\n",
        response.status,
        reason_phrase(response.status),
        response.body.len(),
        if keep_alive { "keep-alive" } else { "close" },
    );
    for (name, value) in &response.headers {
        head.push_str(name);
        head.push_str(": ");
        head.push_str(value);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");

    let pace = response.pace;
    thread::sleep(pace.before_headers);
    writer.write_all(head.as_bytes())?;
    if is_head {
        return writer.flush();
    }
    let sent = response
        .send_only
        .unwrap_or(response.body.len())
        .min(response.body.len());
    let body = &response.body[..sent];
    if pace.chunk_len == 0 {
        writer.write_all(body)?;
        return writer.flush();
    }
    let mut chunks = body.chunks(pace.chunk_len).peekable();
    while let Some(chunk) = chunks.next() {
        writer.write_all(chunk)?;
        writer.flush()?;
        if chunks.peek().is_some() {
            thread::sleep(pace.between_chunks);
        }
    }
    writer.flush()
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        206 => "Partial Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        410 => "Gone",
        416 => "Range Not Satisfiable",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// Splits a query string into decoded key and value pairs.
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(key), percent_decode(value))
        })
        .collect()
}

/// Decodes `%XX` escapes and `+` as a space. Invalid escapes stay as sent.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                decoded.push(b' ');
                i += 1;
            }
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|hex| u8::from_str_radix(hex, 16).ok()) {
                    Some(byte) => {
                        decoded.push(byte);
                        i += 3;
                    }
                    None => {
                        decoded.push(b'%');
                        i += 1;
                    }
                }
            }
            byte => {
                decoded.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

/// Encodes `text` for a query string, leaving unreserved characters as
/// they are.
pub fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufReader;

    #[test]
    fn read_request_head() {
        let raw =
            b"GET /v2/blog/x/posts?offset=2&api_key=k HTTP/1.1\r\nHost: a\r\nX-Test:  v \r\n\r\n";
        let mut reader = BufReader::new(&raw[..]);
        let head = read_request(&mut reader)
            .expect("the request must parse")
            .expect("one request is present");
        assert_eq!(head.method, "GET", "method");
        assert_eq!(head.path, "/v2/blog/x/posts", "path");
        assert_eq!(head.query, "offset=2&api_key=k", "query");
        assert_eq!(head.header("x-test"), Some("v"), "header value trimmed");
        assert!(
            head.keep_alive(),
            "HTTP/1.1 keeps the connection by default"
        );
        let next = read_request(&mut reader).expect("end of stream is not an error");
        assert!(next.is_none(), "no second request");
    }

    #[test]
    fn read_request_body_discarded() {
        let raw = b"POST /a HTTP/1.1\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabcGET /b HTTP/1.0\r\n\r\n";
        let mut reader = BufReader::new(&raw[..]);
        let first = read_request(&mut reader)
            .expect("first parses")
            .expect("first present");
        assert!(!first.keep_alive(), "Connection: close is honoured");
        let second = read_request(&mut reader)
            .expect("second parses")
            .expect("second present");
        assert_eq!(
            second.path, "/b",
            "the body of the first request was skipped"
        );
        assert!(!second.keep_alive(), "HTTP/1.0 closes by default");
    }

    #[test]
    fn parse_query_decodes() {
        let pairs = parse_query("a=1&b=x%2By+z&flag&&c=%zz");
        let expected = [("a", "1"), ("b", "x+y z"), ("flag", ""), ("c", "%zz")];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(pairs, expected, "decoded pairs");
        assert_eq!(percent_decode("100%"), "100%", "trailing percent kept");
        assert_eq!(percent_encode("a b/c"), "a%20b%2Fc", "encoding");
    }

    /// A writer that records the time of each write.
    struct TimedWrites {
        start: std::time::Instant,
        writes: Vec<(std::time::Duration, Vec<u8>)>,
    }

    impl Write for TimedWrites {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.writes.push((self.start.elapsed(), buf.to_vec()));
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn write_response_paced() {
        use std::time::{Duration, Instant};

        let mut response = Response::text(200, "abcdefghij");
        response.pace = Pace {
            before_headers: Duration::from_millis(30),
            chunk_len: 4,
            between_chunks: Duration::from_millis(20),
        };
        let mut out = TimedWrites {
            start: Instant::now(),
            writes: Vec::new(),
        };
        write_response(&mut out, &response, false, true).expect("writing succeeds");
        let bodies: Vec<&[u8]> = out.writes[1..]
            .iter()
            .map(|(_, bytes)| bytes.as_slice())
            .collect();
        assert_eq!(
            bodies,
            [&b"abcd"[..], &b"efgh"[..], &b"ij"[..]],
            "body in chunks of 4 bytes"
        );
        assert!(
            out.writes[0].0 >= Duration::from_millis(30),
            "headers wait {:?}",
            out.writes[0].0
        );
        let last = out.writes.last().expect("writes").0;
        assert!(
            last >= Duration::from_millis(70),
            "two pauses between three chunks, last write at {last:?}"
        );
    }

    #[test]
    fn write_response_truncated() {
        let mut response = Response::text(200, "abcdef");
        response.send_only = Some(3);
        let mut out = Vec::new();
        write_response(&mut out, &response, false, true).expect("writing to a Vec succeeds");
        let text = String::from_utf8(out).expect("the response is text");
        assert!(
            text.contains("Content-Length: 6\r\n"),
            "full length announced"
        );
        assert!(
            text.contains("Connection: close\r\n"),
            "truncation closes the connection"
        );
        assert!(
            text.ends_with("\r\n\r\nabc"),
            "only half the body is sent: {text:?}"
        );
    }
}
