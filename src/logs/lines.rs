//! [`Lines`]: a batch of one container's log lines, stored as one text buffer plus where each
//! message ends, so reading a log allocates per buffer growth, not per line. The history merge
//! receives each container's log as a sequence of such batches (chunks), and a chunk can be
//! written to and read back from a spill file as one frame.

use std::ops::Range;

use jiff::Timestamp;

use super::tail::Line;

/// The lines of one container's log (or one chunk of it), in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lines {
    text: String,
    /// Each line's time and the end of its message in `text` (it starts where the previous
    /// one ends).
    entries: Vec<(Option<Timestamp>, usize)>,
}

impl Lines {
    pub fn new() -> Self {
        Lines::default()
    }

    /// Room for `text` bytes of messages and `lines` lines before any reallocation.
    pub fn with_capacity(text: usize, lines: usize) -> Self {
        Lines {
            text: String::with_capacity(text),
            entries: Vec::with_capacity(lines),
        }
    }

    pub fn push(&mut self, time: Option<Timestamp>, message: &str) {
        self.text.push_str(message);
        self.entries.push((time, self.text.len()));
    }

    /// Appends `bytes` lossily decoded (U+FFFD for invalid sequences, like
    /// `String::from_utf8_lossy`), without an intermediate allocation when they are valid.
    pub fn push_bytes(&mut self, time: Option<Timestamp>, bytes: &[u8]) {
        for chunk in bytes.utf8_chunks() {
            self.text.push_str(chunk.valid());
            if !chunk.invalid().is_empty() {
                self.text.push(char::REPLACEMENT_CHARACTER);
            }
        }
        self.entries.push((time, self.text.len()));
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Bytes of message text held.
    pub fn text_len(&self) -> usize {
        self.text.len()
    }

    /// Line `index` as `(time, message)`.
    pub fn get(&self, index: usize) -> (Option<Timestamp>, &str) {
        let start = match index.checked_sub(1) {
            Some(previous) => self.entries[previous].1,
            None => 0,
        };
        let (time, end) = self.entries[index];
        (time, self.text.get(start..end).unwrap_or_default())
    }

    /// The lines in order, as `(time, message)`.
    pub fn iter(&self) -> LinesIter<'_> {
        LinesIter {
            lines: self,
            front: 0,
            back: self.entries.len(),
        }
    }

    /// Where line `index`'s message starts in `text`.
    fn start_of(&self, index: usize) -> usize {
        index.checked_sub(1).map_or(0, |i| self.entries[i].1)
    }

    /// Splits the lines into consecutive ranges of at most `max_text` bytes of text each (a
    /// longer line gets a range of its own).
    pub fn ranges(&self, max_text: usize) -> Vec<Range<usize>> {
        let mut ranges = Vec::new();
        let mut first = 0;
        for index in 0..self.len() {
            let grown = self.entries[index].1 - self.start_of(first);
            if index > first && grown > max_text {
                ranges.push(first..index);
                first = index;
            }
        }
        if first < self.len() {
            ranges.push(first..self.len());
        }
        ranges
    }

    /// Appends lines `range` to `frame` in the spill format: the line count, then per line its
    /// time and message length, then the text.
    pub fn encode(&self, range: Range<usize>, frame: &mut Vec<u8>) {
        frame.extend_from_slice(&(range.len() as u64).to_le_bytes());
        for index in range.clone() {
            let (seconds, nanos) = match self.entries[index].0 {
                Some(time) => (time.as_second(), time.subsec_nanosecond()),
                None => (0, NO_TIME),
            };
            let length = self.entries[index].1 - self.start_of(index);
            frame.extend_from_slice(&seconds.to_le_bytes());
            frame.extend_from_slice(&nanos.to_le_bytes());
            frame.extend_from_slice(&(length as u64).to_le_bytes());
        }
        let text = self.start_of(range.start)..self.start_of(range.end);
        frame.extend_from_slice(&self.text.as_bytes()[text]);
    }

    /// Reads back one frame written by [`Lines::encode`]; `None` if it is not one.
    pub fn decode(frame: &[u8]) -> Option<Lines> {
        let mut rest = frame;
        let count = usize::try_from(take_u64(&mut rest)?).ok()?;
        let mut entries = Vec::with_capacity(count.min(rest.len() / ENTRY_BYTES));
        let mut end = 0usize;
        for _ in 0..count {
            let seconds = i64::from_le_bytes(take(&mut rest)?);
            let nanos = i32::from_le_bytes(take(&mut rest)?);
            let time = match nanos {
                NO_TIME => None,
                _ => Some(Timestamp::new(seconds, nanos).ok()?),
            };
            end = end.checked_add(usize::try_from(take_u64(&mut rest)?).ok()?)?;
            entries.push((time, end));
        }
        let text = std::str::from_utf8(rest).ok()?;
        (text.len() == end).then(|| Lines {
            text: text.to_string(),
            entries,
        })
    }
}

/// The nanoseconds written for a line without a timestamp (never a valid value).
const NO_TIME: i32 = i32::MIN;

/// Bytes per line in a spill frame: seconds, nanoseconds, message length.
const ENTRY_BYTES: usize = 8 + 4 + 8;

fn take<const N: usize>(rest: &mut &[u8]) -> Option<[u8; N]> {
    let (head, tail) = rest.split_first_chunk::<N>()?;
    *rest = tail;
    Some(*head)
}

fn take_u64(rest: &mut &[u8]) -> Option<u64> {
    take(rest).map(u64::from_le_bytes)
}

impl From<Vec<Line>> for Lines {
    fn from(lines: Vec<Line>) -> Self {
        let mut out = Lines::new();
        for line in lines {
            out.push(line.time, &line.message);
        }
        out
    }
}

impl<'a> IntoIterator for &'a Lines {
    type Item = (Option<Timestamp>, &'a str);
    type IntoIter = LinesIter<'a>;
    fn into_iter(self) -> LinesIter<'a> {
        self.iter()
    }
}

/// Iterator over a [`Lines`] batch.
#[derive(Debug, Clone)]
pub struct LinesIter<'a> {
    lines: &'a Lines,
    front: usize,
    back: usize,
}

impl<'a> Iterator for LinesIter<'a> {
    type Item = (Option<Timestamp>, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        if self.front >= self.back {
            return None;
        }
        let item = self.lines.get(self.front);
        self.front += 1;
        Some(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.back - self.front;
        (n, Some(n))
    }
}

impl DoubleEndedIterator for LinesIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.front >= self.back {
            return None;
        }
        self.back -= 1;
        Some(self.lines.get(self.back))
    }
}

impl ExactSizeIterator for LinesIter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Lines {
        let mut lines = Lines::new();
        lines.push("2026-11-23T10:00:01.5Z".parse().ok(), "first");
        lines.push(None, "");
        lines.push("1969-12-31T23:59:59.25Z".parse().ok(), "before the epoch");
        lines.push_bytes("2026-11-23T10:00:02Z".parse().ok(), b"caf\xe9 ok");
        lines
    }

    #[test]
    fn frames_round_trip_any_range() {
        let lines = sample();
        for start in 0..=lines.len() {
            for end in start..=lines.len() {
                let mut frame = Vec::new();
                lines.encode(start..end, &mut frame);
                let back = Lines::decode(&frame).expect("a frame");
                let expected: Vec<_> = lines.iter().skip(start).take(end - start).collect();
                assert_eq!(back.iter().collect::<Vec<_>>(), expected, "{start}..{end}");
            }
        }
    }

    #[test]
    fn truncated_frames_are_refused() {
        let lines = sample();
        let mut frame = Vec::new();
        lines.encode(0..lines.len(), &mut frame);
        for cut in 0..frame.len() {
            assert_eq!(Lines::decode(&frame[..cut]), None, "{cut}");
        }
    }

    #[test]
    fn ranges_cover_every_line_within_the_size() {
        let lines = sample();
        // Texts of 5, 0, 16 and 9 bytes (the invalid byte became a 3-byte U+FFFD).
        assert_eq!(lines.ranges(8), [0..2, 2..3, 3..4]);
        assert_eq!(lines.ranges(21), [0..3, 3..4]);
        assert_eq!(lines.ranges(1000), vec![0..lines.len()]);
        assert!(Lines::new().ranges(8).is_empty());
    }
}
