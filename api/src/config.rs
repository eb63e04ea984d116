//! The server's configuration: flags with environment fallbacks, so `--help` is the reference.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

use crate::auth::RateLimits;

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

    /// Requests per minute allowed to each anonymous client (by address).
    #[arg(long, env = "ANONYMOUS_RATE_LIMIT", default_value_t = 600)]
    pub anonymous_rate_limit: u32,

    /// Requests per minute allowed to each token holder (partners, editors, moderators).
    #[arg(long, env = "TOKEN_RATE_LIMIT", default_value_t = 6000)]
    pub token_rate_limit: u32,

    /// Print the GraphQL schema (SDL) and exit.
    #[arg(long)]
    pub print_schema: bool,
}

impl Config {
    pub fn rate_limits(&self) -> RateLimits {
        RateLimits {
            anonymous_per_minute: self.anonymous_rate_limit,
            authenticated_per_minute: self.token_rate_limit,
        }
    }
}
