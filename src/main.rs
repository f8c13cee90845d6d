//! kubectl-sidecar: parse the command line, run, map the result to an exit code.

mod app;
mod checks;
mod cli;
mod commands;
mod complete;
mod diagnose;
mod error;
mod fix;
mod logs;
mod model;
mod options;
mod render;
mod source;
mod spill;

use std::io::Write;

use clap::Parser;

fn main() {
    // Invoked as kubectl_complete-sidecar (a link to this binary): kubectl's plugin completion.
    let mut args = std::env::args_os();
    let invoked_as = args
        .next()
        .and_then(|a| {
            std::path::Path::new(&a)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
        })
        .unwrap_or_default();
    if invoked_as == complete::COMPLETION_EXECUTABLE {
        let words: Vec<String> = args.map(|a| a.to_string_lossy().into_owned()).collect();
        std::process::exit(run_completion(&words));
    }

    let cli = cli::Cli::parse();
    let ambient = options::Ambient::from_process();
    // Two workers: list pages are fetched on one while the main thread decodes the previous
    // page, and log streams are read while lines are merged and printed.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            std::process::exit(1);
        }
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut err = std::io::stderr();
    let result = runtime.block_on(app::run(cli, &ambient, &mut out, &mut err));
    let code = match result {
        Ok(()) => 0,
        Err(e) if e.kind == error::ErrorKind::BrokenPipe => 0,
        Err(e)
            if matches!(
                e.kind,
                error::ErrorKind::Findings | error::ErrorKind::Interrupted
            ) =>
        {
            e.exit_code()
        }
        Err(e) => {
            let _ = out.flush();
            let _ = writeln!(err, "error: {}", render::sanitize::neutralise(&e.message));
            if let Some(hint) = &e.hint {
                let _ = writeln!(err, "hint: {}", render::sanitize::neutralise(hint));
            }
            e.exit_code()
        }
    };
    // A flush error here means the reader went away; there is nobody left to tell.
    let _ = out.flush();
    std::process::exit(code);
}

/// kubectl's plugin completion never fails loudly: at worst it offers nothing.
fn run_completion(words: &[String]) -> i32 {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return 0;
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let _ = runtime.block_on(complete::run(words, &mut out));
    0
}
