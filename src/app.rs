//! Dispatch from the parsed command line to a subcommand.

use std::io::Write;

use crate::cli::{Cli, Command};
use crate::commands;
use crate::error::Result;
use crate::options::{Ambient, Options};

pub async fn run(
    cli: Cli,
    ambient: &Ambient,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<()> {
    match cli.command {
        Command::Ls(args) => {
            let options = Options::from_args(&args.common, ambient)?;
            let ls = commands::ls::LsOptions {
                only_problems: args.only_problems,
            };
            commands::ls::run(&options, &ls, out, err).await
        }
    }
}
