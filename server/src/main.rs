use std::process::ExitCode;

use clap::Parser;

// mimalloc: about a fifth more pages per second than glibc's malloc,
// which spent a fifth of the CPU of a rendered page (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_arena_eager_commit` in mimalloc.h (v3); the -sys crate has
/// no constant for it.
const MI_OPTION_ARENA_EAGER_COMMIT: i32 = 4;

/// Committed up front, arenas cost resident memory they never use: 10,000
/// idle event streams took 337 MB instead of 209 MB. The option must be set
/// before the first allocation reserves an arena, hence a constructor that
/// runs before `main` (and before the Rust runtime allocates).
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array")]
static CONFIGURE_ALLOCATOR: extern "C" fn() = {
    extern "C" fn configure() {
        // SAFETY: stores an integer option; no memory is touched.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_ARENA_EAGER_COMMIT, 0) };
    }
    configure
};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = server::cli::Cli::parse();
    match server::cli::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line that says what to fix; details are in the log above.
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
