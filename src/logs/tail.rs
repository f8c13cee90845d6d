//! One container's log stream: splitting the body into lines and parsing the timestamp the
//! API puts in front of each (`timestamps=true` is always requested, so lines can be merged).
//!
//! The tail knows nothing about formatting; it yields [`Line`]s.

use std::io;

use futures::{AsyncBufRead, AsyncBufReadExt};
use jiff::Timestamp;

/// Longest piece of a line kept in memory at once; longer lines are cut into several
/// [`Line`]s with the same timestamp, on a UTF-8 character boundary.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// One log line (or one piece of a very long line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// From the line's RFC3339Nano prefix; a line without one (or a piece of a long line)
    /// inherits the previous line's, so merging keeps it in place.
    pub time: Option<Timestamp>,
    pub message: String,
}

/// Splits a byte stream into lines: `\n` or `\r\n` ends a line, a final line without a
/// newline still counts, and lines longer than `max` bytes come out in pieces.
pub struct LineReader<R> {
    reader: R,
    max: usize,
    /// Bytes cut off the end of the last piece (a partial UTF-8 character).
    carry: Vec<u8>,
    /// Whether the next piece continues a line cut at `max`.
    continuing: bool,
}

impl<R: AsyncBufRead + Unpin> LineReader<R> {
    pub fn new(reader: R, max: usize) -> Self {
        LineReader {
            reader,
            max: max.max(4),
            carry: Vec::new(),
            continuing: false,
        }
    }

    /// Reads the next line or piece into `buf` (cleared first). Returns `None` at the end of
    /// the stream, else whether the piece continues the previous one.
    pub async fn next_piece(&mut self, buf: &mut Vec<u8>) -> io::Result<Option<bool>> {
        buf.clear();
        buf.append(&mut self.carry);
        loop {
            let available = self.reader.fill_buf().await?;
            if available.is_empty() {
                if buf.is_empty() {
                    return Ok(None);
                }
                return Ok(Some(std::mem::take(&mut self.continuing)));
            }
            let room = self.max.saturating_sub(buf.len());
            match available.iter().position(|&b| b == b'\n') {
                Some(end) if end <= room => {
                    buf.extend_from_slice(&available[..end]);
                    self.reader.consume_unpin(end + 1);
                    if buf.last() == Some(&b'\r') {
                        buf.pop();
                    }
                    return Ok(Some(std::mem::take(&mut self.continuing)));
                }
                _ => {
                    let take = available.len().min(room);
                    buf.extend_from_slice(&available[..take]);
                    self.reader.consume_unpin(take);
                    if buf.len() >= self.max {
                        let cut = char_boundary(buf);
                        self.carry = buf.split_off(cut);
                        let continued = std::mem::replace(&mut self.continuing, true);
                        return Ok(Some(continued));
                    }
                }
            }
        }
    }
}

/// Where to cut `bytes` so a multi-byte UTF-8 character at the end is not split; the whole
/// length when the end is not inside one (or the bytes are not UTF-8 at all).
fn char_boundary(bytes: &[u8]) -> usize {
    let len = bytes.len();
    for back in 1..=3.min(len) {
        let b = bytes[len - back];
        if b & 0b1100_0000 != 0b1000_0000 {
            // A lead byte: the character it starts needs this many bytes.
            let needed = match b {
                0xC0..=0xDF => 2,
                0xE0..=0xEF => 3,
                0xF0..=0xF7 => 4,
                _ => 1,
            };
            return if needed > back { len - back } else { len };
        }
    }
    len
}

/// Parses one piece: `RFC3339Nano message`, lossily decoded. A continuation piece, or a line
/// whose prefix is not a timestamp, keeps all its text and takes `previous` as its time.
pub fn parse_line(bytes: &[u8], continued: bool, previous: Option<Timestamp>) -> Line {
    if !continued {
        let (stamp, rest) = match bytes.iter().position(|&b| b == b' ') {
            Some(space) => (&bytes[..space], &bytes[space + 1..]),
            None => (bytes, &[][..]),
        };
        if let Some(time) = std::str::from_utf8(stamp)
            .ok()
            .and_then(|s| s.parse::<Timestamp>().ok())
        {
            return Line {
                time: Some(time),
                message: String::from_utf8_lossy(rest).into_owned(),
            };
        }
    }
    Line {
        time: previous,
        message: String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// Reads a whole (non-followed) log. Lines stamped before `since` are dropped: the API takes
/// `sinceTime` with second precision only. An error mid-stream keeps the lines read so far.
pub async fn read_all<R: AsyncBufRead + Unpin>(
    reader: R,
    since: Option<Timestamp>,
) -> (Vec<Line>, Option<io::Error>) {
    let mut lines = Vec::new();
    let mut reader = LineReader::new(reader, MAX_LINE_BYTES);
    let mut buf = Vec::new();
    let mut last = None;
    loop {
        match reader.next_piece(&mut buf).await {
            Ok(Some(continued)) => {
                let line = parse_line(&buf, continued, last);
                last = line.time;
                if since.is_none_or(|since| line.time.is_none_or(|t| t >= since)) {
                    lines.push(line);
                }
            }
            Ok(None) => return (lines, None),
            Err(e) => return (lines, Some(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;
    use futures::io::Cursor;

    fn pieces(input: &[u8], max: usize) -> Vec<(Vec<u8>, bool)> {
        block_on(async {
            let mut reader = LineReader::new(Cursor::new(input.to_vec()), max);
            let mut buf = Vec::new();
            let mut out = Vec::new();
            while let Some(continued) = reader.next_piece(&mut buf).await.unwrap() {
                out.push((buf.clone(), continued));
            }
            out
        })
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn splits_lf_crlf_and_a_final_line_without_newline() {
        let got = pieces(b"a\r\nb\n\nc", 100);
        let lines: Vec<&[u8]> = got.iter().map(|(b, _)| b.as_slice()).collect();
        assert_eq!(lines, [&b"a"[..], b"b", b"", b"c"]);
        assert!(got.iter().all(|(_, continued)| !continued));
    }

    #[test]
    fn long_lines_come_out_in_pieces_on_char_boundaries() {
        // "é" is two bytes: a cut after 5 bytes would split the third one.
        let got = pieces("ééééé\nok\n".as_bytes(), 5);
        let text: Vec<(String, bool)> = got
            .iter()
            .map(|(b, c)| (String::from_utf8(b.clone()).unwrap(), *c))
            .collect();
        assert_eq!(
            text,
            [
                ("éé".to_string(), false),
                ("éé".to_string(), true),
                ("é".to_string(), true),
                ("ok".to_string(), false)
            ]
        );
    }

    #[test]
    fn parses_timestamp_and_message() {
        let line = parse_line(b"2026-11-23T10:00:01.500000000Z hello world", false, None);
        assert_eq!(line.time, Some(ts("2026-11-23T10:00:01.5Z")));
        assert_eq!(line.message, "hello world");
        let empty = parse_line(b"2026-11-23T10:00:01Z", false, None);
        assert_eq!(empty.message, "");
    }

    #[test]
    fn lines_without_timestamp_inherit_the_previous_one() {
        let prev = Some(ts("2026-11-23T10:00:00Z"));
        let line = parse_line(b"not-a-time message", false, prev);
        assert_eq!(line.time, prev);
        assert_eq!(line.message, "not-a-time message");
        // A continuation is never parsed, even if it looks like a timestamp.
        let piece = parse_line(b"2026-11-23T11:00:00Z x", true, prev);
        assert_eq!(piece.time, prev);
        assert_eq!(piece.message, "2026-11-23T11:00:00Z x");
    }

    #[test]
    fn non_utf8_is_replaced_not_fatal() {
        let line = parse_line(b"2026-11-23T10:00:00Z caf\xe9 \xff", false, None);
        assert_eq!(line.message, "caf\u{FFFD} \u{FFFD}");
    }

    #[test]
    fn read_all_drops_lines_before_since() {
        let body = b"2026-11-23T10:00:00.900000000Z early\n2026-11-23T10:00:01.200000000Z late\r\n";
        let (lines, error) = block_on(read_all(
            Cursor::new(body.to_vec()),
            Some(ts("2026-11-23T10:00:01Z")),
        ));
        assert!(error.is_none());
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].message, "late");
    }
}
