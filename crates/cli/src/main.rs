//! `newsflow`: the command-line front end. Parses flags into settings, builds
//! stages from the registry, runs them with the rayon runner and prints one
//! clear line per error.

use std::process::ExitCode;

use clap::Parser;
use newsflow_cli::{cli, commands};

/// mimalloc (v3) instead of the system allocator: the stages make many
/// small, short-lived allocations on several threads, where glibc's
/// allocator is slower and keeps freed memory in per-thread arenas (higher
/// peak RSS). See [`tune_allocator`] for its one setting and
/// [`start_purger`] for a thread that keeps it returning memory.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Milliseconds mimalloc waits before it returns freed memory to the
/// system. Its default, 1,000 ms, keeps the buffers of the last large
/// documents resident long after they are freed: 377–389 MiB peak RSS on
/// the 20k benchmark corpus against 245–269 MiB with 10 ms (and the
/// runner's read-ahead cap), for about one second more system time
/// (`docs/benchmarks.md`, seventh round).
const PURGE_DELAY_MS: std::ffi::c_long = 10;

/// `mi_option_purge_delay`, its place in the `mi_option_e` enum of mimalloc
/// v3's `mimalloc.h` (libmimalloc-sys does not export it for v3). The test
/// below checks it against the option's default.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Sets mimalloc's purge delay to [`PURGE_DELAY_MS`] unless the user chose
/// one with `MIMALLOC_PURGE_DELAY` (mimalloc reads its environment before
/// `main`, and an explicit setting wins).
fn tune_allocator() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    // SAFETY: `mi_option_set` stores one number in mimalloc's option table
    // after checking that the id is in range; it does not allocate, and it
    // runs here before the program starts any other thread. mimalloc reads
    // the purge delay each time it decides whether to return memory, so the
    // new value applies from here on.
    #[allow(unsafe_code)]
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS);
    }
}

/// How often the purger thread ([`start_purger`]) makes mimalloc return
/// what was freed since its last turn.
const PURGE_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

/// Starts a thread that asks mimalloc to return freed memory every
/// [`PURGE_EVERY`].
///
/// mimalloc returns freed memory from a purge pass that the allocating
/// threads start once the delay has passed. In v3 (up to 3.3.2, the version
/// bundled here) that pass can clear its "something to purge" mark while
/// another thread is scheduling a purge, and from then on no pass starts
/// until a thread exits (upstream issue 1246 of microsoft/mimalloc). A 2M
/// document run stayed at its peak of 334 MiB for 400 s of its second pass
/// that way, with about 100 MiB of live heap, and fell to 119 MiB when the
/// pass ended (`docs/benchmarks.md`, eleventh round). A forced collection
/// starts a pass whatever the mark says. Every 100 ms it returns memory a
/// little sooner than the 100 ms arena delay would, at no cost measured at
/// 20k or 200k documents.
fn start_purger() {
    let spawned = std::thread::Builder::new()
        .name("newsflow-purge".into())
        .spawn(|| {
            // SAFETY: `mi_thread_init` sets up this thread's mimalloc state
            // (a forced collection on a thread without it does nothing); it
            // takes no arguments and may be called on any thread.
            #[allow(unsafe_code)]
            unsafe {
                libmimalloc_sys::mi_thread_init();
            }
            loop {
                std::thread::sleep(PURGE_EVERY);
                // SAFETY: `mi_collect` frees this thread's empty pages and
                // purges the arenas under mimalloc's own locks; it may be
                // called on any thread at any time.
                #[allow(unsafe_code)]
                unsafe {
                    libmimalloc_sys::mi_collect(true);
                }
            }
        });
    // Without the thread, memory is still returned, only less reliably.
    if let Err(e) = spawned {
        tracing::debug!("no purger thread: {e}");
    }
}

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
    tune_allocator();
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
    start_purger();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(unsafe_code)]
    fn the_option_set_is_the_purge_delay() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return;
        }
        // SAFETY: reads one number from the option table; this test is the
        // only one in the binary, so nothing sets options concurrently.
        let get = || unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        assert_eq!(get(), 1000, "not v3's purge delay, whose default is 1 s");
        tune_allocator();
        assert_eq!(get(), PURGE_DELAY_MS);
    }
}
