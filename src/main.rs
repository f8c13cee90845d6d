//! kubectl-sidecar: parse the command line, run, map the result to an exit code.

mod app;
mod cli;
mod commands;
mod diagnose;
mod error;
mod model;
mod options;
mod render;
mod source;

use std::io::Write;

use clap::Parser;

fn main() {
    let cli = cli::Cli::parse();
    let ambient = options::Ambient::from_process();
    let runtime = match tokio::runtime::Builder::new_current_thread()
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
        Err(e) if e.kind == error::ErrorKind::Findings => e.exit_code(),
        Err(e) => {
            let _ = out.flush();
            let _ = writeln!(err, "error: {}", e.message);
            if let Some(hint) = &e.hint {
                let _ = writeln!(err, "hint: {hint}");
            }
            e.exit_code()
        }
    };
    // A flush error here means the reader went away; there is nobody left to tell.
    let _ = out.flush();
    std::process::exit(code);
}
