//! `newsflow`: the command-line front end. Parses flags into settings, builds
//! stages from the registry, runs them with the rayon runner and prints one
//! clear line per error.

use std::process::ExitCode;

use clap::Parser;
use newsflow_cli::{cli, commands};

/// mimalloc instead of the system allocator: the stages make many small,
/// short-lived allocations on several threads, where glibc's allocator is
/// slower and keeps freed memory in per-thread arenas (higher peak RSS).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit codes, documented in `newsflow --help`.
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// The run failed (bad config, a stage error, an I/O error).
    pub const FAILED: u8 = 1;
    /// The command line could not be parsed.
    pub const USAGE: u8 = 2;
}

fn main() -> ExitCode {
    let args = match cli::Cli::try_parse() {
        Ok(args) => args,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    cli::init_logging(&args.global);
    match commands::dispatch(args) {
        Ok(()) => ExitCode::from(exit::OK),
        Err(err) if is_broken_pipe(&err) => ExitCode::from(exit::OK),
        Err(err) => {
            let chain: Vec<String> = err.chain().map(ToString::to_string).collect();
            let mut line = String::new();
            for part in chain {
                // Library errors often repeat their cause; print each part once.
                if !line.contains(&part) {
                    if !line.is_empty() {
                        line.push_str(": ");
                    }
                    line.push_str(&part);
                }
            }
            eprintln!("newsflow: error: {line}");
            ExitCode::from(exit::FAILED)
        }
    }
}

/// A downstream reader that went away (`newsflow ingest | head`) is not an
/// error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || cause.to_string().contains("Broken pipe")
    })
}
