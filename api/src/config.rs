//! The server's configuration: flags with environment fallbacks, so `--help` is the reference.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use ipnet::IpNet;

use crate::auth::RateLimits;
use crate::client::TrustedProxies;
use crate::server::ConnectionLimits;

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

    /// Proxies whose `X-Forwarded-For`/`Forwarded` headers name the client, as addresses or
    /// networks (comma-separated, e.g. `127.0.0.1,10.0.0.0/8`). Empty: none are believed.
    #[arg(long, env = "TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_proxy)]
    pub trusted_proxies: Vec<IpNet>,

    /// Connections open at once; further clients wait until one closes.
    #[arg(long, env = "MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,

    /// Seconds a connection may stay silent (idle keep-alive, a stalled upload) before it is closed.
    #[arg(long, env = "IDLE_TIMEOUT_SECS", default_value_t = 60)]
    pub idle_timeout_secs: u64,

    /// Seconds a request may take, from admission to its answer (then `TIMEOUT`).
    #[arg(long, env = "REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,

    /// Largest request body accepted, in bytes (larger: 413 `PAYLOAD_TOO_LARGE`).
    #[arg(long, env = "MAX_BODY_BYTES", default_value_t = 1 << 20)]
    pub max_body_bytes: usize,

    /// GraphQL requests executed at once; more wait for a turn (within the request timeout).
    #[arg(long, env = "QUERY_CONCURRENCY", default_value_t = 16)]
    pub query_concurrency: usize,

    /// Searches run on the search index at once (search, suggestions, list pages); more wait
    /// their turn. A search is CPU work, so more than the cores only stretches each one.
    /// Default: twice the cores.
    #[arg(long, env = "SEARCH_CONCURRENCY")]
    pub search_concurrency: Option<usize>,

    /// Web origins whose browser code may call the API (comma-separated, e.g.
    /// `https://www.norfolk.gov.uk,https://partner.example`). Empty: any origin, as suits a
    /// public read API.
    #[arg(long, env = "CORS_ORIGINS", value_delimiter = ',', value_parser = parse_origin)]
    pub cors_origins: Vec<String>,

    /// How often, in milliseconds, the search index looks at the database's change log for
    /// changes to apply (written by this server or another process). At least 1.
    #[arg(long, env = indexer::search::sync::FOLLOW_INTERVAL_ENV, default_value_t = 200)]
    pub index_follow_interval_ms: u64,

    /// A PostgreSQL database shared by several API replicas
    /// (`postgres://user:password@host:5432/directory`). Without it the directory lives in
    /// the embedded SQLite file in the data directory. Each replica keeps its own search index
    /// in its own data directory either way.
    #[arg(long, env = "DATABASE_URL", value_parser = parse_database_url)]
    pub database_url: Option<String>,

    /// A read-only streaming replica of `--database-url` (same URL form): the reads that may
    /// lag the primary by the replication delay go there (building and following the search
    /// index, hydrating search hits, the ORUK and OpenActive feeds); writes, accounts and what
    /// an edit reads back stay on the primary. Needs `--database-url`.
    #[arg(long, env = "READ_DATABASE_URL", value_parser = parse_database_url, requires = "database_url")]
    pub read_database_url: Option<String>,

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

    /// How the directory runs (the search index's follow interval).
    pub fn directory_options(&self) -> indexer::DirectoryOptions {
        indexer::DirectoryOptions {
            follow_interval: Duration::from_millis(self.index_follow_interval_ms.max(1)),
            database_url: self.database_url.clone(),
            read_database_url: self.read_database_url.clone(),
            search_concurrency: self
                .search_concurrency
                .unwrap_or_else(indexer::directory::default_search_concurrency)
                .max(1),
        }
    }

    /// Everything the server needs besides the directory.
    pub fn server_options(&self) -> ServerOptions {
        ServerOptions {
            rate_limits: self.rate_limits(),
            trusted_proxies: TrustedProxies::new(self.trusted_proxies.clone()),
            connections: ConnectionLimits {
                max_connections: self.max_connections,
                idle_timeout: Duration::from_secs(self.idle_timeout_secs.max(1)),
                ..ConnectionLimits::default()
            },
            request_timeout: Duration::from_secs(self.request_timeout_secs.max(1)),
            max_body_bytes: self.max_body_bytes,
            query_concurrency: self.query_concurrency.max(1),
            cors_origins: self.cors_origins.clone(),
        }
    }
}

/// An origin as browsers send it: `scheme://host[:port]`, nothing after.
/// A proxy's address (`127.0.0.1`, one host) or network (`10.0.0.0/8`).
fn parse_proxy(raw: &str) -> Result<IpNet, String> {
    let raw = raw.trim();
    raw.parse::<IpNet>()
        .or_else(|_| raw.parse::<std::net::IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{raw:?} is neither an IP address nor a network like 10.0.0.0/8"))
}

/// A `postgres://` or `postgresql://` URL (the only shared database the directory runs on).
fn parse_database_url(raw: &str) -> Result<String, String> {
    let url = raw.trim();
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(url.to_string())
    } else {
        Err("expected a postgres:// URL (leave it unset for the embedded SQLite database)".into())
    }
}

fn parse_origin(raw: &str) -> Result<String, String> {
    let rest = raw
        .strip_prefix("https://")
        .or_else(|| raw.strip_prefix("http://"))
        .ok_or_else(|| format!("{raw:?} is not an origin: it must start with https:// or http://"))?;
    let valid = !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if valid {
        Ok(raw.to_string())
    } else {
        Err(format!(
            "{raw:?} is not an origin: scheme, host and port only (no path, no trailing slash)"
        ))
    }
}

/// How the server treats clients: rate limits, who to believe about addresses, and the
/// bounds on connections, request time, body size and concurrent GraphQL work.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    pub rate_limits: RateLimits,
    pub trusted_proxies: TrustedProxies,
    pub connections: ConnectionLimits,
    pub request_timeout: Duration,
    pub max_body_bytes: usize,
    pub query_concurrency: usize,
    /// Origins allowed by CORS; empty allows any.
    pub cors_origins: Vec<String>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            rate_limits: RateLimits::default(),
            trusted_proxies: TrustedProxies::default(),
            connections: ConnectionLimits::default(),
            request_timeout: Duration::from_secs(30),
            max_body_bytes: 1 << 20,
            query_concurrency: 16,
            cors_origins: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The search index's follow interval is a setting with a documented default, given on the
    /// command line (or `INDEX_FOLLOW_INTERVAL_MS`), never below a millisecond.
    #[test]
    fn trusted_proxies_are_addresses_or_networks() {
        let proxies = |value: &str| {
            Config::try_parse_from(["api", "--trusted-proxies", value]).map(|config| config.trusted_proxies)
        };
        assert_eq!(
            proxies("127.0.0.1,10.0.0.0/8").expect("both forms"),
            vec![
                "127.0.0.1/32".parse::<IpNet>().expect("net"),
                "10.0.0.0/8".parse().expect("net")
            ]
        );
        assert_eq!(
            proxies("::1").expect("ipv6 host"),
            vec!["::1/128".parse::<IpNet>().expect("net")]
        );
        assert!(proxies("proxy.internal").is_err());
    }

    #[test]
    fn the_follow_interval_is_configured() {
        let interval = |args: &[&str]| {
            let config = Config::try_parse_from(std::iter::once("api").chain(args.iter().copied())).expect("config");
            config.directory_options().follow_interval
        };
        assert_eq!(interval(&[]), indexer::search::sync::FOLLOW_INTERVAL);
        assert_eq!(
            interval(&["--index-follow-interval-ms", "5000"]),
            Duration::from_secs(5)
        );
        assert_eq!(interval(&["--index-follow-interval-ms", "0"]), Duration::from_millis(1));
        assert!(Config::try_parse_from(["api", "--index-follow-interval-ms", "soon"]).is_err());
    }

    #[test]
    fn searches_at_once_default_to_twice_the_cores() {
        let turns = |args: &[&str]| {
            let config = Config::try_parse_from(std::iter::once("api").chain(args.iter().copied())).expect("config");
            config.directory_options().search_concurrency
        };
        let cores = std::thread::available_parallelism().map_or(1, |cores| cores.get());
        assert_eq!(turns(&[]), 2 * cores);
        assert_eq!(turns(&["--search-concurrency", "3"]), 3);
        assert_eq!(turns(&["--search-concurrency", "0"]), 1, "never none at all");
        assert!(Config::try_parse_from(["api", "--search-concurrency", "many"]).is_err());
    }
}
