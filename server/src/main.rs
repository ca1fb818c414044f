use std::process::ExitCode;

use clap::Parser;

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
