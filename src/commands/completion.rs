//! `kubectl sidecar completion SHELL`: completion scripts for the `kubectl-sidecar` executable.
//! (Completion of `kubectl sidecar …` goes through kubectl and `kubectl_complete-sidecar`,
//! see `crate::complete`.)

use std::io::Write;

use clap::CommandFactory;
use clap_complete::{Shell as Generator, generate};

use crate::cli::{Cli, Shell};
use crate::error::Result;
use crate::render::structured::write_error;

/// The executable the scripts complete.
pub const BIN: &str = "kubectl-sidecar";

pub fn script(shell: Shell) -> Vec<u8> {
    let generator = match shell {
        Shell::Bash => Generator::Bash,
        Shell::Zsh => Generator::Zsh,
        Shell::Fish => Generator::Fish,
        Shell::Powershell => Generator::PowerShell,
    };
    let mut command = Cli::command().bin_name(BIN);
    let mut buffer = Vec::new();
    generate(generator, &mut command, BIN, &mut buffer);
    buffer
}

pub fn write_script(shell: Shell, out: &mut dyn Write) -> Result<()> {
    out.write_all(&script(shell)).map_err(write_error)?;
    out.flush().map_err(write_error)
}
