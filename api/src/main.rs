//! `api`: serves the directory's GraphQL API. All logic lives in the `api` and `indexer` libraries.

use std::process::ExitCode;

use api::config::Config;
use clap::Parser;

/// mimalloc rather than the system allocator: a page of the ORUK API or a feed renders and
/// frees thousands of small strings, and glibc's malloc was a quarter of that time (measured).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=warn,tantivy=warn,sqlx::postgres::notice=warn".into()),
        )
        // Colour codes only for a person at a terminal: a log collector gets plain lines.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
    let config = Config::parse();
    if config.print_schema {
        print!("{}", api::graphql::sdl());
        return ExitCode::SUCCESS;
    }
    match run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: Config) -> anyhow::Result<()> {
    let directory = indexer::Directory::open_with_options(&config.data_dir, config.directory_options()).await?;
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    tracing::info!(address = %listener.local_addr()?, data_dir = %config.data_dir.display(), "serving GraphQL at /graphql");
    api::serve(
        listener,
        api::AppState::with_options(directory.clone(), config.server_options()),
        shutdown_signal(),
    )
    .await?;
    directory.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    tracing::info!("shutting down");
}
