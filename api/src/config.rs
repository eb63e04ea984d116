//! The server's configuration: flags with environment fallbacks, so `--help` is the reference.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

/// Community asset directory: GraphQL API over a geo-aware directory of VCFSE groups, classes and funds.
#[derive(Debug, Clone, Parser)]
#[command(name = "api", version)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "LISTEN_ADDR", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Directory holding the database; created and seeded with the Norfolk data on first start.
    #[arg(long, env = "DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// Print the GraphQL schema (SDL) and exit.
    #[arg(long)]
    pub print_schema: bool,
}
