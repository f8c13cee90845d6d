//! `kubectl sidecar explain [RULE]`: a rule's documentation, or the catalog by group.

use std::io::Write;

use crate::checks::{self, doc};
use crate::error::Result;
use crate::render::structured::write_error;

/// `rule` was checked against the catalog by the command line parser.
pub fn run(rule: Option<&str>, width: usize, out: &mut dyn Write) -> Result<()> {
    let text = match rule.and_then(checks::find) {
        Some(rule) => doc::explain(rule, width),
        None => doc::list(width),
    };
    out.write_all(text.as_bytes()).map_err(write_error)?;
    out.flush().map_err(write_error)
}
