//! Holding logs until the merge can use them, when more containers are picked than
//! `--max-log-requests` lets stream at once: the merge needs every container's next line, so
//! the logs read first must wait until the last ones are opened. They wait in a temporary file
//! (private to the user, unlinked on Unix as soon as it is created, so even a killed run leaves
//! nothing behind), in frames of at most [`FRAME_TEXT`] bytes of text, so reading them back
//! holds one frame per container. Without a usable temporary directory they wait in memory.

use std::cell::RefCell;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};

use super::lines::Lines;

/// Most message text in one frame: what reading a held log back keeps per container.
const FRAME_TEXT: usize = 16 * 1024;

/// Written frames are gathered up to this size before a write to the file.
const WRITE_BUFFER: usize = 1024 * 1024;

/// Where one frame of a held log is: its offset and length in the spill.
pub type Frame = (u64, usize);

/// Held logs: frames appended by [`Spill::hold`], read back in any order by [`Spill::read`].
pub struct Spill {
    inner: RefCell<Inner>,
}

struct Inner {
    /// `None`: everything stays in `buffer`.
    file: Option<File>,
    /// Frames not written to the file yet (all of them without a file).
    buffer: Vec<u8>,
    /// Bytes in the file: `buffer` starts at this offset.
    written: u64,
    /// Reused for frames read back from the file.
    scratch: Vec<u8>,
}

impl Spill {
    /// A spill backed by a new temporary file, or by memory (with the reason) when no file
    /// can be created.
    pub fn new() -> (Spill, Option<io::Error>) {
        let (file, error) = match crate::spill::temp_file("logs") {
            Ok(file) => (Some(file), None),
            Err(error) => (None, Some(error)),
        };
        let inner = Inner {
            file,
            buffer: Vec::new(),
            written: 0,
            scratch: Vec::new(),
        };
        let spill = Spill {
            inner: RefCell::new(inner),
        };
        (spill, error)
    }

    /// Holds `lines` (the next lines of one container), adding where they went to `frames`.
    pub fn hold(&self, lines: &Lines, frames: &mut Vec<Frame>) -> io::Result<()> {
        let mut inner = self.inner.borrow_mut();
        for range in lines.ranges(FRAME_TEXT) {
            let start = inner.buffer.len();
            lines.encode(range, &mut inner.buffer);
            frames.push((inner.written + start as u64, inner.buffer.len() - start));
        }
        if inner.buffer.len() >= WRITE_BUFFER {
            inner.write_out()?;
        }
        Ok(())
    }

    /// The lines of one frame written by [`Spill::hold`].
    pub fn read(&self, (offset, length): Frame) -> io::Result<Lines> {
        let mut inner = self.inner.borrow_mut();
        let inner = &mut *inner;
        let bytes = match offset.checked_sub(inner.written) {
            Some(start) => {
                let start = usize::try_from(start).map_err(io::Error::other)?;
                inner.buffer.get(start..start + length)
            }
            None => {
                let file = inner
                    .file
                    .as_mut()
                    .ok_or_else(|| io::Error::other("no file"))?;
                inner.scratch.resize(length, 0);
                file.seek(SeekFrom::Start(offset))?;
                file.read_exact(&mut inner.scratch)?;
                Some(&inner.scratch[..])
            }
        };
        bytes
            .and_then(Lines::decode)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "corrupt frame"))
    }

    /// Bytes held so far (in the file and in memory).
    #[cfg(test)]
    pub fn size(&self) -> u64 {
        let inner = self.inner.borrow();
        inner.written + inner.buffer.len() as u64
    }
}

impl Inner {
    /// Moves the gathered frames to the file, if there is one.
    fn write_out(&mut self) -> io::Result<()> {
        let Some(file) = self.file.as_mut() else {
            return Ok(());
        };
        file.seek(SeekFrom::Start(self.written))?;
        file.write_all(&self.buffer)?;
        self.written += self.buffer.len() as u64;
        self.buffer.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(prefix: &str, count: usize, size: usize) -> Lines {
        let mut lines = Lines::new();
        for i in 0..count {
            let time = jiff::Timestamp::from_second(1_800_000_000 + i as i64).ok();
            lines.push(time, &format!("{prefix}{i}:{}", "x".repeat(size)));
        }
        lines
    }

    /// Frames of two containers held alternately, in and beyond the write buffer, read back
    /// in another order: each container gets its lines back.
    #[test]
    fn held_lines_come_back_whole_and_in_order() {
        let (spill, error) = Spill::new();
        assert!(error.is_none(), "{error:?}");
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let mut expected_a = Vec::new();
        let mut expected_b = Vec::new();
        for round in 0..80 {
            let batch_a = lines(&format!("a{round}-"), 50, 700);
            let batch_b = lines(&format!("b{round}-"), 3, 10);
            spill.hold(&batch_a, &mut a).unwrap();
            spill.hold(&batch_b, &mut b).unwrap();
            expected_a.extend(batch_a.iter().map(|(t, m)| (t, m.to_string())));
            expected_b.extend(batch_b.iter().map(|(t, m)| (t, m.to_string())));
        }
        assert!(spill.size() > 2 * WRITE_BUFFER as u64);
        let read = |frames: &[Frame]| -> Vec<(Option<jiff::Timestamp>, String)> {
            frames
                .iter()
                .flat_map(|f| {
                    let lines = spill.read(*f).unwrap();
                    assert!(lines.text_len() <= FRAME_TEXT);
                    lines
                        .iter()
                        .map(|(t, m)| (t, m.to_string()))
                        .collect::<Vec<_>>()
                })
                .collect()
        };
        assert_eq!(read(&b), expected_b);
        assert_eq!(read(&a), expected_a);
    }
}
