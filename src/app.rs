//! Dispatch from the parsed command line to a subcommand.

use std::io::Write;

use crate::cli::{Cli, Command, FailOn, SeverityArg};
use crate::commands;
use crate::error::Result;
use crate::model::finding::Severity;
use crate::options::{Ambient, Options};

pub async fn run(
    cli: Cli,
    ambient: &Ambient,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<()> {
    match cli.command {
        Command::Ls(args) => {
            let options =
                Options::from_args(&args.common, args.output, &args.files.filenames, ambient)?;
            let ls = commands::ls::LsOptions {
                only_problems: args.only_problems,
                metrics: args.metrics,
            };
            commands::ls::run(&options, &ls, out, err).await
        }
        Command::Order(args) => {
            let output = args.output.into();
            let options = Options::from_args(&args.common, output, &args.files.filenames, ambient)?;
            commands::order::run(&options, out, err).await
        }
        Command::Volumes(args) => {
            let options =
                Options::from_args(&args.common, args.output, &args.files.filenames, ambient)?;
            commands::volumes::run(&options, out, err).await
        }
        Command::Logs(args) => {
            // Logs need a cluster: no -f FILE here (-f is --follow, as in kubectl logs).
            let options = Options::from_args(&args.common, args.output.into(), &[], ambient)?;
            let logs = commands::logs::LogsOptions::from_args(&args, &options)?;
            commands::logs::run(&options, &logs, out, err).await
        }
        Command::Completion(args) => commands::completion::write_script(args.shell, out),
        Command::Explain(args) => {
            let width = ambient.terminal_width.filter(|w| *w >= 40).unwrap_or(100);
            commands::explain::run(args.rule.as_deref(), width, out)
        }
        Command::Diagnose(args) if args.list_rules => commands::diagnose::list_rules(out),
        Command::Diagnose(args) => {
            let output = args.output.into();
            let options = Options::from_args(&args.common, output, &args.files.filenames, ambient)?;
            let severity = |s: SeverityArg| match s {
                SeverityArg::Info => Severity::Info,
                SeverityArg::Warning => Severity::Warning,
                SeverityArg::Critical => Severity::Critical,
            };
            let diagnose = commands::diagnose::DiagnoseOptions {
                min_severity: severity(args.severity),
                fail_on: match args.fail_on {
                    FailOn::Never => None,
                    FailOn::Info => Some(Severity::Info),
                    FailOn::Warning => Some(Severity::Warning),
                    FailOn::Critical => Some(Severity::Critical),
                },
                group_replicas: !args.no_group,
                memory_threshold: args.memory_threshold,
                fix: args.fix,
            };
            commands::diagnose::run(&options, &diagnose, out, err).await
        }
    }
}
