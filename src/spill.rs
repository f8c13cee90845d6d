//! Data kept aside on disk while a big run goes on, so memory stays flat whatever the size
//! of the cluster: `diagnose` writes rendered entries here by severity bucket, `logs` the
//! logs it must hold until the merge (`logs::spill`). Files are private to the user and
//! unlinked as soon as they are created, so even a killed run leaves nothing behind.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};

/// Records appended to an unnamed temporary file (removed as soon as it is opened, so it
/// goes away with the process however it ends), read back in order.
pub struct SpillFile {
    writer: BufWriter<File>,
    records: usize,
}

impl SpillFile {
    pub fn new() -> Result<Self> {
        let file = temp_file("report").map_err(|e| spill_error(&e))?;
        Ok(SpillFile {
            writer: BufWriter::with_capacity(64 * 1024, file),
            records: 0,
        })
    }

    pub fn push(&mut self, record: &[u8]) -> Result<()> {
        let len = u32::try_from(record.len())
            .map_err(|_| Error::runtime("internal error: an output entry over 4 GiB"))?;
        self.writer
            .write_all(&len.to_le_bytes())
            .and_then(|()| self.writer.write_all(record))
            .map_err(|e| spill_error(&e))?;
        self.records += 1;
        Ok(())
    }

    pub fn records(&self) -> usize {
        self.records
    }

    /// Hands every record to `each`, in the order they were pushed.
    pub fn replay(&mut self, each: &mut dyn FnMut(&[u8]) -> Result<()>) -> Result<()> {
        self.writer.flush().map_err(|e| spill_error(&e))?;
        let file = self.writer.get_mut();
        file.seek(SeekFrom::Start(0)).map_err(|e| spill_error(&e))?;
        let mut reader = BufReader::with_capacity(64 * 1024, &*file);
        let mut record = Vec::new();
        for _ in 0..self.records {
            let mut len = [0u8; 4];
            reader.read_exact(&mut len).map_err(|e| spill_error(&e))?;
            record.resize(u32::from_le_bytes(len) as usize, 0);
            reader
                .read_exact(&mut record)
                .map_err(|e| spill_error(&e))?;
            each(&record)?;
        }
        // Appending again continues after the last record.
        file.seek(SeekFrom::End(0)).map_err(|e| spill_error(&e))?;
        Ok(())
    }
}

/// Makes temporary file names unique within the process.
static TEMP_FILES: AtomicU64 = AtomicU64::new(0);
/// Windows deletes a file opened with this flag when its last handle closes.
#[cfg(windows)]
const FILE_FLAG_DELETE_ON_CLOSE: u32 = 0x0400_0000;

/// A new temporary file readable by its owner only, gone once closed (even by a killed run).
pub fn temp_file(what: &str) -> std::io::Result<File> {
    let dir = std::env::temp_dir();
    loop {
        let number = TEMP_FILES.fetch_add(1, Ordering::Relaxed);
        let name = format!("kubectl-sidecar-{what}-{}-{number}", std::process::id());
        let path = dir.join(name);
        let mut options = std::fs::OpenOptions::new();
        options.read(true).write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        #[cfg(windows)]
        std::os::windows::fs::OpenOptionsExt::custom_flags(&mut options, FILE_FLAG_DELETE_ON_CLOSE);
        match options.open(&path) {
            Ok(file) => {
                // Unlinked at once: the open file lives on, and nothing is left behind.
                #[cfg(unix)]
                std::fs::remove_file(&path)?;
                return Ok(file);
            }
            // A leftover of an earlier process with the same ID: try the next name.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && number < 1000 => {}
            Err(e) => return Err(e),
        }
    }
}

fn spill_error(e: &std::io::Error) -> Error {
    Error::runtime(format!(
        "cannot keep output aside in {}: {e}",
        std::env::temp_dir().display()
    ))
    .with_hint("set TMPDIR to a writable directory with free space")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_come_back_in_order_and_appending_continues() {
        let mut spill = SpillFile::new().unwrap();
        spill.push(b"first").unwrap();
        spill.push(b"").unwrap();
        spill.push("dritte ✓".as_bytes()).unwrap();
        let mut seen: Vec<Vec<u8>> = Vec::new();
        spill
            .replay(&mut |r| {
                seen.push(r.to_vec());
                Ok(())
            })
            .unwrap();
        assert_eq!(
            seen,
            [
                b"first".to_vec(),
                Vec::new(),
                "dritte ✓".as_bytes().to_vec()
            ]
        );
        spill.push(b"fourth").unwrap();
        let mut count = 0;
        spill
            .replay(&mut |_| {
                count += 1;
                Ok(())
            })
            .unwrap();
        assert_eq!((count, spill.records()), (4, 4));
    }
}
