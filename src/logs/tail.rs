//! One container's log stream: splitting the body into lines and parsing the timestamp the
//! API puts in front of each (`timestamps=true` is always requested, so lines can be merged).
//!
//! The tail knows nothing about formatting; it yields [`Line`]s (followed streams) or chunks of
//! [`Lines`] (history: one text buffer per chunk, no allocation per line).

use std::io;

use futures::{AsyncBufRead, AsyncBufReadExt};
use jiff::Timestamp;

use super::lines::Lines;

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
    /// The piece being assembled when a line spans reads or is cut.
    buf: Vec<u8>,
    /// Bytes cut off the end of the last piece (a partial UTF-8 character).
    carry: Vec<u8>,
    /// Whether the next piece continues a line cut at `max`.
    continuing: bool,
    /// Whether the last piece used up the bytes the reader had: the next one may have to wait
    /// for the network.
    drained: bool,
}

impl<R: AsyncBufRead + Unpin> LineReader<R> {
    pub fn new(reader: R, max: usize) -> Self {
        LineReader {
            reader,
            max: max.max(4),
            buf: Vec::new(),
            carry: Vec::new(),
            continuing: false,
            drained: true,
        }
    }

    /// Whether the last piece used up the bytes received so far.
    pub fn drained(&self) -> bool {
        self.drained
    }

    /// Reads the next line or piece into `buf` (cleared first). Returns `None` at the end of
    /// the stream, else whether the piece continues the previous one.
    pub async fn next_piece(&mut self, buf: &mut Vec<u8>) -> io::Result<Option<bool>> {
        self.with_piece(|bytes, continued| {
            buf.clear();
            buf.extend_from_slice(bytes);
            continued
        })
        .await
    }

    /// Reads the next line or piece and hands it to `f` with whether it continues the
    /// previous one; `None` at the end of the stream. A line that lies whole in the reader's
    /// buffer is handed over in place, without a copy.
    pub async fn with_piece<T>(
        &mut self,
        f: impl FnOnce(&[u8], bool) -> T,
    ) -> io::Result<Option<T>> {
        self.buf.clear();
        self.buf.append(&mut self.carry);
        loop {
            let available = self.reader.fill_buf().await?;
            let received = available.len();
            if available.is_empty() {
                self.drained = true;
                if self.buf.is_empty() {
                    return Ok(None);
                }
                let continued = std::mem::take(&mut self.continuing);
                return Ok(Some(f(&self.buf, continued)));
            }
            let room = self.max.saturating_sub(self.buf.len());
            match memchr_newline(available) {
                Some(end) if end <= room => {
                    let continued = std::mem::take(&mut self.continuing);
                    let result = if self.buf.is_empty() {
                        let line = &available[..end];
                        f(line.strip_suffix(b"\r").unwrap_or(line), continued)
                    } else {
                        self.buf.extend_from_slice(&available[..end]);
                        if self.buf.last() == Some(&b'\r') {
                            self.buf.pop();
                        }
                        f(&self.buf, continued)
                    };
                    self.reader.consume_unpin(end + 1);
                    self.drained = end + 1 == received;
                    return Ok(Some(result));
                }
                _ => {
                    let take = available.len().min(room);
                    self.buf.extend_from_slice(&available[..take]);
                    self.reader.consume_unpin(take);
                    if self.buf.len() >= self.max {
                        self.drained = take == received;
                        let cut = char_boundary(&self.buf);
                        self.carry = self.buf.split_off(cut);
                        let continued = std::mem::replace(&mut self.continuing, true);
                        return Ok(Some(f(&self.buf, continued)));
                    }
                }
            }
        }
    }
}

/// The position of the first `\n`, eight bytes at a time.
fn memchr_newline(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    const NEWLINES: u64 = u64::from_ne_bytes([b'\n'; 8]);
    let mut chunks = bytes.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_ne_bytes(word) ^ NEWLINES;
        // Non-zero exactly when some byte of `x` is zero (some byte was `\n`).
        if x.wrapping_sub(ONES) & !x & HIGHS != 0 {
            return chunk.iter().position(|&b| b == b'\n').map(|i| offset + i);
        }
        offset += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| b == b'\n')
        .map(|i| offset + i)
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

/// Splits a piece into its timestamp and message: `None` when the prefix before the first
/// space is not a timestamp (or the piece continues a cut line).
fn split_stamp(bytes: &[u8], continued: bool) -> Option<(Timestamp, &[u8])> {
    if continued {
        return None;
    }
    let (stamp, rest) = match bytes.iter().position(|&b| b == b' ') {
        Some(space) => (&bytes[..space], &bytes[space + 1..]),
        None => (bytes, &[][..]),
    };
    parse_stamp(stamp).map(|time| (time, rest))
}

/// Parses a timestamp prefix: the kubelet's fixed shape fast, anything else with jiff.
pub fn parse_stamp(stamp: &[u8]) -> Option<Timestamp> {
    if let Some(time) = parse_kubelet_stamp(stamp) {
        return Some(time);
    }
    std::str::from_utf8(stamp)
        .ok()
        .and_then(|s| s.parse::<Timestamp>().ok())
}

/// The kubelet's shape only: `YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z` (UTC). `None` for anything
/// else — including valid RFC 3339 in another shape, which [`parse_stamp`] hands to jiff.
fn parse_kubelet_stamp(s: &[u8]) -> Option<Timestamp> {
    if s.len() < 20 || s.len() > 30 || s[s.len() - 1] != b'Z' {
        return None;
    }
    if s[4] != b'-' || s[7] != b'-' || s[10] != b'T' || s[13] != b':' || s[16] != b':' {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        s.get(range)?.iter().try_fold(0u32, |n, &b| {
            b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
        })
    };
    let year = digits(0..4)?;
    let month = digits(5..7)?;
    let day = digits(8..10)?;
    let hour = digits(11..13)?;
    let minute = digits(14..16)?;
    let second = digits(17..19)?;
    let nanos = match s.len() {
        20 => 0,
        // A dot, 1 to 9 digits, the `Z`.
        22..=30 if s[19] == b'.' => {
            let fraction = digits(20..s.len() - 1)?;
            let scale = 10u32.pow(u32::try_from(30 - s.len()).ok()?);
            fraction * scale
        }
        _ => return None,
    };
    // Leave years 0000 and 9999 (the edges of jiff's range) and leap seconds to jiff.
    if !(1..=9998).contains(&year) || !(1..=12).contains(&month) || day == 0 {
        return None;
    }
    if day > days_in_month(year, month) || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let days = days_from_civil(i64::from(year), month, day);
    let seconds = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
    Timestamp::new(seconds, i32::try_from(nanos).ok()?).ok()
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let shifted_month = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * shifted_month + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Parses one piece: `RFC3339Nano message`, lossily decoded. A continuation piece, or a line
/// whose prefix is not a timestamp, keeps all its text and takes `previous` as its time.
pub fn parse_line(bytes: &[u8], continued: bool, previous: Option<Timestamp>) -> Line {
    match split_stamp(bytes, continued) {
        Some((time, rest)) => Line {
            time: Some(time),
            message: String::from_utf8_lossy(rest).into_owned(),
        },
        None => Line {
            time: previous,
            message: String::from_utf8_lossy(bytes).into_owned(),
        },
    }
}

/// Most lines in one chunk of a (non-followed) log.
pub const CHUNK_LINES: usize = 4096;

/// Most message text in one chunk (a line started below it is kept whole). With a few chunks
/// ahead per container this is most of what the history holds per container; smaller chunks
/// cost more hand-overs (measured: 32 KiB is as fast as 64 KiB, 2 KiB twice as slow).
pub const CHUNK_BYTES: usize = 32 * 1024;

/// Room past [`CHUNK_BYTES`] for the line that crosses it, so most chunks never reallocate.
const CHUNK_SLACK: usize = 4 * 1024;

/// Reads a (non-followed) log in chunks of whole lines for the history merge. A chunk ends at
/// [`CHUNK_LINES`] lines or [`CHUNK_BYTES`] of text, or as soon as the bytes received so far are
/// used up: a container that writes slowly hands over what it has instead of holding it back.
/// Lines stamped before `since` are dropped (the API takes `sinceTime` in whole seconds).
pub struct ChunkReader<R> {
    reader: LineReader<R>,
    since: Option<Timestamp>,
    /// The time of the last line read, inherited by lines without one.
    last: Option<Timestamp>,
    /// An error met after some lines of a chunk: returned after that chunk.
    failed: Option<io::Error>,
    ended: bool,
}

impl<R: AsyncBufRead + Unpin> ChunkReader<R> {
    pub fn new(reader: R, since: Option<Timestamp>) -> Self {
        ChunkReader {
            reader: LineReader::new(reader, MAX_LINE_BYTES),
            since,
            last: None,
            failed: None,
            ended: false,
        }
    }

    /// The next chunk (never empty), the error the stream broke with (after the lines read
    /// before it), or `None` at the end.
    pub async fn next_chunk(&mut self) -> Option<io::Result<Lines>> {
        if let Some(error) = self.failed.take() {
            return Some(Err(error));
        }
        // Sized once: a chunk that grew by doubling would hold up to twice its text.
        let mut lines = Lines::with_capacity(CHUNK_BYTES + CHUNK_SLACK, CHUNK_BYTES / 64);
        while !self.ended {
            let (since, last) = (self.since, &mut self.last);
            let piece = self.reader.with_piece(|bytes, continued| {
                let (time, message) = match split_stamp(bytes, continued) {
                    Some((time, rest)) => (Some(time), rest),
                    None => (*last, bytes),
                };
                *last = time;
                if since.is_none_or(|since| time.is_none_or(|t| t >= since)) {
                    lines.push_bytes(time, message);
                }
            });
            match piece.await {
                Ok(Some(())) => {
                    let full = lines.len() >= CHUNK_LINES || lines.text_len() >= CHUNK_BYTES;
                    if !lines.is_empty() && (full || self.reader.drained()) {
                        return Some(Ok(lines));
                    }
                }
                Ok(None) => self.ended = true,
                Err(error) => {
                    self.ended = true;
                    if lines.is_empty() {
                        return Some(Err(error));
                    }
                    self.failed = Some(error);
                }
            }
        }
        (!lines.is_empty()).then_some(Ok(lines))
    }
}

/// Reads a whole (non-followed) log: the lines (lines before `since` dropped) and the error
/// the stream broke with, if it did.
#[cfg(test)]
pub async fn read_all<R: AsyncBufRead + Unpin>(
    reader: R,
    since: Option<Timestamp>,
) -> (Lines, Option<io::Error>) {
    let mut all = Lines::new();
    let mut chunks = ChunkReader::new(reader, since);
    while let Some(chunk) = chunks.next_chunk().await {
        match chunk {
            Ok(lines) => lines
                .iter()
                .for_each(|(time, message)| all.push(time, message)),
            Err(error) => return (all, Some(error)),
        }
    }
    (all, None)
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

    /// The chunks of a body that arrives in `frames`, as message lists, the last item being
    /// the error the body broke with.
    fn chunks_of(frames: Vec<io::Result<Vec<u8>>>) -> Vec<Result<Vec<String>, String>> {
        use futures::TryStreamExt;
        let body = futures::stream::iter(frames).into_async_read();
        let mut reader = ChunkReader::new(body, None);
        let mut chunks = Vec::new();
        while let Some(chunk) = block_on(reader.next_chunk()) {
            chunks.push(
                chunk
                    .map(|lines| lines.iter().map(|(_, m)| m.to_string()).collect())
                    .map_err(|e| e.to_string()),
            );
        }
        chunks
    }

    fn owned(messages: &[&str]) -> Result<Vec<String>, String> {
        Ok(messages.iter().map(|m| m.to_string()).collect())
    }

    /// A chunk ends where the bytes received so far end (a slow container's lines are not
    /// held back), never inside a line, and at the size limits.
    #[test]
    fn chunks_end_with_the_bytes_received() {
        let frame = |text: &str| Ok(text.as_bytes().to_vec());
        let got = chunks_of(vec![
            frame("1 a\n2 b\n"),
            frame("3 c\n4 d"),
            frame("\n5 e\n"),
        ]);
        assert_eq!(got, [owned(&["1 a", "2 b"]), owned(&["3 c", "4 d", "5 e"])]);

        let many: String = (0..CHUNK_LINES + 5).map(|i| format!("{i}\n")).collect();
        let sizes: Vec<usize> = chunks_of(vec![frame(&many)])
            .into_iter()
            .map(|c| c.unwrap().len())
            .collect();
        assert_eq!(sizes, [CHUNK_LINES, 5]);
        let long = format!("{}\n", "x".repeat(CHUNK_BYTES / 2 + 1)).repeat(3);
        let sizes: Vec<usize> = chunks_of(vec![frame(&long)])
            .into_iter()
            .map(|c| c.unwrap().len())
            .collect();
        assert_eq!(sizes, [2, 1]);
    }

    /// A body that breaks: the whole lines before it, then the error; a cut line is dropped.
    #[test]
    fn a_broken_body_ends_with_its_error_after_the_lines_read() {
        let reset = || Err(io::Error::new(io::ErrorKind::ConnectionReset, "reset"));
        let got = chunks_of(vec![Ok(b"1 a\n2 cut".to_vec()), reset()]);
        assert_eq!(got, [owned(&["1 a"]), Err("reset".to_string())]);
        assert_eq!(chunks_of(vec![reset()]), [Err("reset".to_string())]);
        assert!(chunks_of(vec![]).is_empty());
    }

    #[test]
    fn read_all_drops_lines_before_since() {
        let body = b"2026-11-23T10:00:00.900000000Z early\n2026-11-23T10:00:01.200000000Z late\r\n";
        let (lines, error) = block_on(read_all(
            Cursor::new(body.to_vec()),
            Some(ts("2026-11-23T10:00:01Z")),
        ));
        assert!(error.is_none());
        let got: Vec<_> = lines.iter().collect();
        assert_eq!(got, [(Some(ts("2026-11-23T10:00:01.2Z")), "late")]);
    }

    /// `read_all` and the per-line path (`next_piece` + `parse_line`) agree on every input
    /// shape: CRLF, lines spanning reads, long lines cut in pieces, invalid UTF-8, no stamp.
    #[test]
    fn read_all_matches_piece_by_piece_parsing() {
        let mut body = Vec::new();
        body.extend_from_slice(b"2026-11-23T10:00:00.123Z first\r\n");
        body.extend_from_slice(b"no stamp here\n\n");
        body.extend_from_slice(b"2026-11-23T10:00:01Z caf\xe9 \xff\r\n");
        body.extend_from_slice("2026-11-23T10:00:02.5Z ".as_bytes());
        body.extend_from_slice("é".repeat(MAX_LINE_BYTES).as_bytes());
        body.extend_from_slice(b"\n2026-11-23T10:00:03+01:00 offset\n");
        body.extend_from_slice(b"2026-11-23T10:00:04Z last without newline\r");
        for since in [None, Some(ts("2026-11-23T10:00:01Z"))] {
            // A reader handing out 7 bytes at a time: lines span reads.
            let small = futures::io::BufReader::with_capacity(7, Cursor::new(body.clone()));
            let big = Cursor::new(body.clone());
            let expected: Vec<(Option<Timestamp>, String)> = block_on(async {
                let mut reader = LineReader::new(Cursor::new(body.clone()), MAX_LINE_BYTES);
                let (mut buf, mut out, mut last) = (Vec::new(), Vec::new(), None);
                while let Some(continued) = reader.next_piece(&mut buf).await.unwrap() {
                    let line = parse_line(&buf, continued, last);
                    last = line.time;
                    if since.is_none_or(|s| line.time.is_none_or(|t| t >= s)) {
                        out.push((line.time, line.message));
                    }
                }
                out
            });
            assert!(expected.len() >= 5, "{}", expected.len());
            for lines in [
                block_on(read_all(small, since)).0,
                block_on(read_all(big, since)).0,
            ] {
                let got: Vec<(Option<Timestamp>, String)> =
                    lines.iter().map(|(t, m)| (t, m.to_string())).collect();
                assert_eq!(got, expected);
            }
        }
    }

    #[test]
    fn newline_search_finds_the_first_one() {
        for len in 0..40 {
            for at in 0..=len {
                let mut bytes = vec![b'a'; len];
                if at < len {
                    bytes[at] = b'\n';
                    if at + 3 < len {
                        bytes[at + 3] = b'\n';
                    }
                }
                let expected = bytes.iter().position(|&b| b == b'\n');
                assert_eq!(memchr_newline(&bytes), expected, "{len} {at}");
            }
        }
        assert_eq!(memchr_newline(b"\xff\x8a\x0b\x09\n"), Some(4));
    }

    fn jiff_stamp(s: &str) -> Option<Timestamp> {
        s.parse::<Timestamp>().ok()
    }

    #[test]
    fn fast_stamps_agree_with_jiff() {
        // A small deterministic generator: dates over the whole range the fast path takes.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |bound: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % bound
        };
        let mut checked = 0;
        for _ in 0..20_000 {
            let year = match next(4) {
                0 => 1 + next(9998),
                1 => 1968 + next(10),
                _ => 1999 + next(40),
            };
            let month = 1 + next(12);
            let day = 1 + next(31);
            let (hour, minute, second) = (next(24), next(60), next(60));
            let digits = usize::try_from(next(10)).unwrap();
            let fraction: String = (0..digits)
                .map(|_| char::from(b'0' + u8::try_from(next(10)).unwrap()))
                .collect();
            let dot = if digits == 0 { "" } else { "." };
            let text = format!(
                "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{dot}{fraction}Z"
            );
            let fast = parse_kubelet_stamp(text.as_bytes());
            let reference = jiff_stamp(&text);
            assert_eq!(fast, reference, "{text}");
            assert_eq!(parse_stamp(text.as_bytes()), reference, "{text}");
            checked += usize::from(fast.is_some());
        }
        assert!(checked > 15_000, "{checked}");
    }

    #[test]
    fn fast_stamp_edge_cases() {
        let valid = [
            "2024-02-29T23:59:59.999999999Z",
            "2000-02-29T00:00:00Z",
            "1970-01-01T00:00:00Z",
            "1969-12-31T23:59:59.9Z",
            "0001-01-01T00:00:00Z",
            "9998-12-31T23:59:59.123456789Z",
            "2026-11-23T10:00:01.5Z",
            "2026-11-23T10:00:01.05Z",
            "2026-11-23T10:00:01.000000001Z",
            "2026-11-23T10:00:01.100000000Z",
        ];
        for text in valid {
            let fast = parse_kubelet_stamp(text.as_bytes());
            assert!(fast.is_some(), "{text}");
            assert_eq!(fast, jiff_stamp(text), "{text}");
        }
        // Not the fast shape: left to jiff, which may still accept them.
        let other = [
            "",
            "2026-11-23T10:00:01.Z",
            "2026-11-23T10:00:01.1234567890Z",
            "2026-11-23T10:00:01+00:00",
            "2026-11-23T10:00:01.5+01:00",
            "2026-11-23t10:00:01Z",
            "2026-11-23T10:00:01z",
            "2026-11-23 10:00:01Z",
            "2026-11-23T10:00:60Z",
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
            "+2026-11-23T10:00:01Z",
        ];
        for text in other {
            assert_eq!(parse_kubelet_stamp(text.as_bytes()), None, "{text}");
            assert_eq!(parse_stamp(text.as_bytes()), jiff_stamp(text), "{text}");
        }
        // Invalid: rejected by both, never mis-parsed.
        let invalid = [
            "2023-02-29T00:00:00Z",
            "2100-02-29T00:00:00Z",
            "2024-02-30T00:00:00Z",
            "2024-04-31T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-00-01T00:00:00Z",
            "2024-01-00T00:00:00Z",
            "2024-01-01T24:00:00Z",
            "2024-01-01T23:60:00Z",
            "2024-01-01T23:00:61Z",
            "2024-1-01T00:00:00.5Z",
            "2024-01-01T00:00:00.5a3Z",
            "2024-01-01T00:0a:00Z",
            "2024-01-01T00:00:00.-5Z",
            "2024-01-01T00:00:00.+5Z",
            "not-a-time",
            "2024-01-01T00:00:00.5ZZ",
            "2024-01-01T00:00:00",
        ];
        for text in invalid {
            assert_eq!(parse_kubelet_stamp(text.as_bytes()), None, "{text}");
            assert_eq!(parse_stamp(text.as_bytes()), None, "{text}");
            assert_eq!(jiff_stamp(text), None, "{text}");
        }
        // Non-ASCII bytes never panic.
        assert_eq!(parse_stamp("2024-01-01T00:00:0é5Z".as_bytes()), None);
        assert_eq!(parse_stamp(b"2024-01-01T00:00:00.\xff\xffZ"), None);
    }
}
