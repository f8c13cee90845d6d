//! `kubectl sidecar order` (in progress).

use std::io::Write;

use crate::error::{Error, Result};
use crate::options::Options;

pub async fn run(_options: &Options, _out: &mut dyn Write, _err: &mut dyn Write) -> Result<()> {
    Err(Error::runtime("order: not built yet"))
}
