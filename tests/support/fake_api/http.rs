//! Just enough HTTP/1.1 for the fake API server: reading requests off a keep-alive connection and
//! writing responses with either `Content-Length` or chunked transfer encoding.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::Duration;

/// Largest request head (request line plus headers) we accept.
const MAX_HEAD_BYTES: usize = 64 * 1024;
/// How often a blocked read wakes up to check whether the server is stopping.
const POLL_INTERVAL: Duration = Duration::from_millis(100);
/// How long a write may block before the connection is given up.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// A parsed request. The body, if any, has been read and discarded.
#[derive(Debug)]
pub(super) struct Request {
    pub method: String,
    /// Percent-decoded path, without the query string.
    pub path: String,
    /// Decoded query pairs in order; pairs with invalid escapes are dropped, as Go does.
    pub query: Vec<(String, String)>,
    /// Header names are lower-cased.
    pub headers: Vec<(String, String)>,
    http10: bool,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of a query parameter, like Go's `url.Values.Get`.
    pub fn query_value(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Whether the client asked to close the connection after this exchange.
    pub fn wants_close(&self) -> bool {
        let tokens = self.header("connection").unwrap_or("").to_ascii_lowercase();
        let has = |t: &str| tokens.split(',').any(|x| x.trim() == t);
        if self.http10 {
            !has("keep-alive")
        } else {
            has("close")
        }
    }
}

/// Why no request could be read.
#[derive(Debug)]
pub(super) enum ReadError {
    /// The peer closed the connection (or the server is stopping): just drop the connection.
    Closed,
    /// The bytes were not a valid request: answer 400 and close.
    Malformed(String),
}

/// The reading half of one client connection, with its own buffer so that keep-alive works.
pub(super) struct Connection<'a> {
    stream: TcpStream,
    buf: Vec<u8>,
    stop: &'a AtomicBool,
}

impl<'a> Connection<'a> {
    pub fn new(stream: TcpStream, stop: &'a AtomicBool) -> io::Result<Self> {
        stream.set_read_timeout(Some(POLL_INTERVAL))?;
        // A client that stops reading must not pin this thread forever.
        stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
        stream.set_nodelay(true)?;
        Ok(Connection {
            stream,
            buf: Vec::new(),
            stop,
        })
    }

    /// The stream to write responses to.
    pub fn stream(&mut self) -> &mut TcpStream {
        &mut self.stream
    }

    /// Reads more bytes into the buffer. `Closed` on EOF, I/O error or server stop.
    fn fill(&mut self) -> Result<(), ReadError> {
        let mut chunk = [0u8; 8192];
        loop {
            if self.stop.load(Ordering::SeqCst) {
                return Err(ReadError::Closed);
            }
            match self.stream.read(&mut chunk) {
                Ok(0) => return Err(ReadError::Closed),
                Ok(n) => {
                    self.buf.extend_from_slice(&chunk[..n]);
                    return Ok(());
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock
                            | io::ErrorKind::TimedOut
                            | io::ErrorKind::Interrupted
                    ) => {}
                Err(_) => return Err(ReadError::Closed),
            }
        }
    }

    /// Reads one CRLF-terminated line (without the CRLF).
    fn read_line(&mut self) -> Result<Vec<u8>, ReadError> {
        loop {
            if let Some(pos) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line = self.buf[..pos].to_vec();
                self.buf.drain(..pos + 2);
                return Ok(line);
            }
            if self.buf.len() > MAX_HEAD_BYTES {
                return Err(ReadError::Malformed("request header too large".into()));
            }
            self.fill()?;
        }
    }

    /// Reads and discards exactly `n` bytes.
    fn skip_bytes(&mut self, mut n: u64) -> Result<(), ReadError> {
        loop {
            let take = n.min(self.buf.len() as u64) as usize;
            self.buf.drain(..take);
            n -= take as u64;
            if n == 0 {
                return Ok(());
            }
            self.fill()?;
        }
    }

    /// Reads the next request, skipping stray empty lines between requests (RFC 9112 §2.2).
    pub fn read_request(&mut self) -> Result<Request, ReadError> {
        let mut line = self.read_line()?;
        while line.is_empty() {
            line = self.read_line()?;
        }
        let line = String::from_utf8(line).map_err(|_| malformed("request line is not UTF-8"))?;
        let mut parts = line.split(' ');
        let (Some(method), Some(target), Some(version), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(malformed("malformed request line"));
        };
        let http10 = match version {
            "HTTP/1.1" => false,
            "HTTP/1.0" => true,
            _ => return Err(malformed("unsupported HTTP version")),
        };
        if method.is_empty() || !method.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(malformed("malformed method"));
        }

        let mut headers = Vec::new();
        let mut head_bytes = line.len();
        loop {
            let raw = self.read_line()?;
            if raw.is_empty() {
                break;
            }
            head_bytes += raw.len();
            if head_bytes > MAX_HEAD_BYTES {
                return Err(malformed("request header too large"));
            }
            let raw = String::from_utf8(raw).map_err(|_| malformed("header is not UTF-8"))?;
            let (name, value) = raw
                .split_once(':')
                .ok_or_else(|| malformed("malformed header"))?;
            if name.is_empty() || name.contains(' ') {
                return Err(malformed("malformed header name"));
            }
            headers.push((name.to_ascii_lowercase(), value.trim().to_string()));
        }

        let (raw_path, raw_query) = target.split_once('?').unwrap_or((target, ""));
        if !raw_path.starts_with('/') {
            return Err(malformed("request target must be an absolute path"));
        }
        let path = percent_decode(raw_path, false)
            .ok_or_else(|| malformed("invalid URL escape in path"))?;
        let query = parse_query(raw_query);
        let request = Request {
            method: method.to_string(),
            path,
            query,
            headers,
            http10,
        };
        self.discard_body(&request)?;
        Ok(request)
    }

    /// Reads and drops a request body announced by `Content-Length` or chunked encoding.
    fn discard_body(&mut self, request: &Request) -> Result<(), ReadError> {
        let chunked = request
            .header("transfer-encoding")
            .is_some_and(|te| te.to_ascii_lowercase().contains("chunked"));
        if chunked {
            loop {
                let size_line = self.read_line()?;
                let size_line = String::from_utf8_lossy(&size_line);
                let size_hex = size_line.split(';').next().unwrap_or("").trim();
                let size = u64::from_str_radix(size_hex, 16)
                    .map_err(|_| malformed("invalid chunk size"))?;
                if size == 0 {
                    // Trailer section, ended by an empty line.
                    while !self.read_line()?.is_empty() {}
                    return Ok(());
                }
                self.skip_bytes(size)?;
                if !self.read_line()?.is_empty() {
                    return Err(malformed("chunk not followed by CRLF"));
                }
            }
        }
        if let Some(length) = request.header("content-length") {
            let length: u64 = length
                .parse()
                .map_err(|_| malformed("invalid Content-Length"))?;
            self.skip_bytes(length)?;
        }
        Ok(())
    }
}

fn malformed(message: &str) -> ReadError {
    ReadError::Malformed(message.to_string())
}

/// Decodes `%XX` escapes (and `+` as space in query strings). `None` on an invalid escape.
pub(super) fn percent_decode(input: &str, plus_is_space: bool) -> Option<String> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = input.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// Parses a query string like Go's `URL.Query()`: `&`-separated, malformed pairs silently dropped.
fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|pair| !pair.is_empty())
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            Some((percent_decode(k, true)?, percent_decode(v, true)?))
        })
        .collect()
}

/// What the server sends back.
pub(super) struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub extra_headers: Vec<(String, String)>,
    pub body: Body,
}

/// A response body: all at once, or streamed in chunks.
pub(super) enum Body {
    /// Sent with `Content-Length`.
    Full(Vec<u8>),
    /// Sent with `Transfer-Encoding: chunked`, one HTTP chunk per element, flushed, with `pause`
    /// between chunks (watch events, followed logs).
    Chunked {
        chunks: Vec<Vec<u8>>,
        pause: Duration,
    },
    /// Sent with `Transfer-Encoding: chunked` as the chunks are produced: `next` blocks until
    /// there is one, `None` ends the body (a followed log that stays open).
    Stream(Box<dyn Iterator<Item = Vec<u8>> + Send>),
}

impl Response {
    pub fn json(status: u16, value: &serde_json::Value) -> Response {
        Response {
            status,
            content_type: "application/json",
            extra_headers: Vec::new(),
            body: Body::Full(value.to_string().into_bytes()),
        }
    }

    /// A JSON body already serialized.
    pub fn json_bytes(status: u16, body: Vec<u8>) -> Response {
        Response {
            status,
            content_type: "application/json",
            extra_headers: Vec::new(),
            body: Body::Full(body),
        }
    }
}

/// Writes a response. `close` adds `Connection: close`; the caller then drops the connection.
pub(super) fn write_response(
    stream: &mut TcpStream,
    response: &mut Response,
    close: bool,
    stop: &AtomicBool,
) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason_phrase(response.status)
    );
    head.push_str(&format!("Audit-Id: {}\r\n", next_audit_id()));
    head.push_str("Cache-Control: no-cache, private\r\n");
    head.push_str(&format!("Content-Type: {}\r\n", response.content_type));
    head.push_str(&format!(
        "Date: {}\r\n",
        jiff::Timestamp::now().strftime("%a, %d %b %Y %H:%M:%S GMT")
    ));
    for (name, value) in &response.extra_headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if close {
        head.push_str("Connection: close\r\n");
    }
    match &mut response.body {
        Body::Full(bytes) => {
            head.push_str(&format!("Content-Length: {}\r\n\r\n", bytes.len()));
            let mut message = head.into_bytes();
            message.extend_from_slice(bytes);
            stream.write_all(&message)?;
        }
        Body::Chunked { chunks, pause } => {
            head.push_str("Transfer-Encoding: chunked\r\n\r\n");
            stream.write_all(head.as_bytes())?;
            stream.flush()?;
            // A zero-length chunk would end the body early, so empty ones are skipped.
            for (i, chunk) in chunks.iter().filter(|c| !c.is_empty()).enumerate() {
                if i > 0 && !pause.is_zero() {
                    thread::sleep(*pause);
                }
                write_chunk(stream, chunk, stop)?;
            }
            stream.write_all(b"0\r\n\r\n")?;
        }
        Body::Stream(chunks) => {
            head.push_str("Transfer-Encoding: chunked\r\n\r\n");
            stream.write_all(head.as_bytes())?;
            stream.flush()?;
            for chunk in chunks.filter(|c| !c.is_empty()) {
                write_chunk(stream, &chunk, stop)?;
            }
            if stop.load(Ordering::SeqCst) {
                return Err(stopping());
            }
            stream.write_all(b"0\r\n\r\n")?;
        }
    }
    stream.flush()
}

/// Writes and flushes one HTTP chunk, unless the server is stopping.
fn write_chunk(stream: &mut TcpStream, chunk: &[u8], stop: &AtomicBool) -> io::Result<()> {
    if stop.load(Ordering::SeqCst) {
        return Err(stopping());
    }
    let mut frame = format!("{:x}\r\n", chunk.len()).into_bytes();
    frame.extend_from_slice(chunk);
    frame.extend_from_slice(b"\r\n");
    stream.write_all(&frame)?;
    stream.flush()
}

fn stopping() -> io::Error {
    io::Error::new(io::ErrorKind::Interrupted, "server stopping")
}

/// A fresh UUID-shaped id for the `Audit-Id` header, like the real server sends.
fn next_audit_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(1);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("00000000-0000-4000-8000-{n:012x}")
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        410 => "Gone",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}
