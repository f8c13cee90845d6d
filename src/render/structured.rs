//! `-o json` and `-o yaml`: the report structs serialized as they are.

use std::io::Write;

use serde::Serialize;

use crate::error::{Error, Result};

pub fn write_json<T: Serialize>(out: &mut dyn Write, value: &T) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(|e| match e.io_error_kind() {
        Some(kind) => write_error(kind.into()),
        None => Error::runtime(format!("cannot write JSON output: {e}")),
    })?;
    writeln!(out).map_err(write_error)
}

pub fn write_yaml<T: Serialize>(out: &mut dyn Write, value: &T) -> Result<()> {
    // Plain scalars: folding long image digests into `>-` blocks hurts grep and diffs.
    let mut options = serde_saphyr::SerializerOptions::default();
    options.prefer_block_scalars = false;
    let text = serde_saphyr::to_string_with_options(value, options)
        .map_err(|e| Error::runtime(format!("cannot write YAML output: {e}")))?;
    out.write_all(text.as_bytes()).map_err(write_error)
}

/// Output errors keep their `io::ErrorKind` visible so `main` can treat a closed pipe
/// (`| head`) as success.
pub fn write_error(e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return Error {
            kind: crate::error::ErrorKind::BrokenPipe,
            message: "output closed".to_string(),
            hint: None,
        };
    }
    Error::runtime(format!("cannot write output: {e}"))
}
