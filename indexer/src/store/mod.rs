//! The store: the source of truth for everything the directory holds, on SQLite (the embedded
//! default, one file in WAL mode) or on a PostgreSQL that several API replicas share.
//!
//! # Layout
//! - [`db`]: the two backends behind one query API; where their SQL differs, the caller picks.
//! - this module: opening the database, migrations, the `meta` key/value table.
//! - [`write`]: inserts, one intent per function, run inside a caller's transaction.
//! - [`read`]: queries, returning domain types.
//! - [`feed`]: set-wise reads for the search index, and the change log it follows.
//! - [`rpde`]: services in change-log order and OpenActive's scheduled sessions, for the feeds.
//! - [`copy`]: a whole directory from SQLite into a new PostgreSQL database (`migrate-store`).
//! - [`bulk`]: many new listings a transaction, multi-row inserts (imports, benches).
//! - [`imports`]: import sources, their runs, and which listing each source record became.
//! - [`openactive_import`]: the OpenActive consumer's memory of the feed items it has read.
//! - `gaps`: gap detection's queries, unmet-need counts and place replacement with history.
//! - `areas`: replacing a loaded area's places and postcodes; custom Places and their members.

pub mod accounts;
mod areas;
mod backup;
pub mod bulk;
mod bulk_links;
mod bulk_load;
pub mod bulk_update;
pub mod copy;
pub mod db;
pub mod editing;
pub mod editing_audit;
pub(crate) mod editing_review;
pub mod feed;
mod gaps;
pub mod imports;
pub mod openactive_import;
pub mod oruk;
pub mod read;
pub(crate) mod rows;
pub mod rpde;
mod unmet;
pub mod write;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

pub use db::{Backend, Conn, Pool};

use crate::error::Result;

pub use read::{Page, ServiceFilter};

/// The tables `count` (and `indexer stats`) report on.
pub const COUNTED_TABLES: &[&str] = &[
    "places",
    "postcodes",
    "organizations",
    "services",
    "locations",
    "schedules",
    "funds",
    "service_at_location",
    "service_areas",
    "principals",
    "tokens",
    "audit_log",
    "change_log",
    "scheduled_sessions",
    "import_sources",
    "import_records",
    "area_loads",
];

/// A handle on the directory database; cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: Pool,
    /// A read-only copy of a shared PostgreSQL (a streaming replica), if one was given: the
    /// reads that may lag the primary by the replication delay go there ([`Store::read_pool`]).
    read: Option<Pool>,
}

/// A pooled connection idle for longer than this is checked (a round trip) before it is used:
/// one the server ended meanwhile (a restart, a failover) is replaced rather than handed out.
/// One in steady use is not: that check was a fifth of an edit's round trips.
const CHECK_IDLE_CONNECTIONS_AFTER: Duration = Duration::from_secs(1);

/// How the store pools its PostgreSQL connections (to the primary and to a read database alike).
fn postgres_pool(max_connections: u32) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for > CHECK_IDLE_CONNECTIONS_AFTER {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
}

/// The `application_name` of connections to the read database (visible in `pg_stat_activity`).
pub const READER_APPLICATION_NAME: &str = "directory-reader";

impl Store {
    /// Opens (creating if missing) the SQLite database at `path` in WAL mode.
    pub async fn open(path: &Path) -> Result<Store> {
        let options = SqliteConnectOptions::from_str("sqlite://")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        Ok(Store {
            pool: Pool::Sqlite(pool),
            read: None,
        })
    }

    /// Connects to the PostgreSQL database at `url` (`postgres://user:password@host/database`),
    /// the store several API replicas share.
    pub async fn connect_postgres(url: &str, max_connections: u32) -> Result<Store> {
        let pool = postgres_pool(max_connections).connect(url).await?;
        Ok(Store {
            pool: Pool::Postgres(pool),
            read: None,
        })
    }

    /// Sends the reads that can lag to the PostgreSQL database at `url`, a read-only streaming
    /// replica of this store's primary: building and following the search index (the change
    /// log and the listings it reads), hydrating search hits, and the ORUK and OpenActive
    /// publishing reads. Writes, accounts and everything an edit reads back stay on the
    /// primary. Its sessions are read-only, so a write sent there by mistake fails loudly.
    pub async fn with_read_database(self, url: &str, max_connections: u32) -> Result<Store> {
        let options = sqlx::postgres::PgConnectOptions::from_str(url)?
            .application_name(READER_APPLICATION_NAME)
            .options([("default_transaction_read_only", "on")]);
        let pool = postgres_pool(max_connections).connect_with(options).await?;
        Ok(Store {
            read: Some(Pool::Postgres(pool)),
            ..self
        })
    }

    /// Where the reads that may lag the primary go: the read database if there is one, else
    /// the store's own. The search index is built and followed from it alone, so the index is
    /// always a prefix of the read database's commits (a replica replays them in order).
    pub fn read_pool(&self) -> &Pool {
        self.read.as_ref().unwrap_or(&self.pool)
    }

    /// This store with every read on the primary: for reads that decide a write.
    pub fn primary_only(&self) -> Store {
        Store {
            pool: self.pool.clone(),
            read: None,
        }
    }

    pub fn backend(&self) -> Backend {
        self.pool.backend()
    }

    /// Applies the embedded migrations that have not run yet (each backend has its own set,
    /// the same schema in its dialect).
    pub async fn migrate(&self) -> Result<()> {
        match &self.pool {
            Pool::Sqlite(pool) => sqlx::migrate!("./migrations").run(pool).await?,
            Pool::Postgres(pool) => sqlx::migrate!("./migrations_postgres").run(pool).await?,
        }
        Ok(())
    }

    /// A writing transaction that takes its turn: on PostgreSQL it holds the turn lock from
    /// its start until it commits ([`Conn::take_turn`]), so such writers take turns as on
    /// SQLite. Edits of one listing use [`Store::begin_edit`] instead.
    pub async fn begin(&self) -> Result<Conn<'static>> {
        let mut tx = self.pool.begin().await?;
        tx.take_turn().await?;
        Ok(tx)
    }

    /// See [`Pool::change_listener`].
    pub async fn change_listener(&self) -> Result<Option<sqlx::postgres::PgListener>> {
        Ok(self.pool.change_listener().await?)
    }

    /// See [`Pool::first_start_lock`].
    pub async fn first_start_lock(&self) -> Result<db::FirstStartLock> {
        Ok(self.pool.first_start_lock().await?)
    }

    /// A connection outside any transaction.
    pub async fn acquire(&self) -> Result<Conn<'static>> {
        Ok(self.pool.acquire().await?)
    }

    /// A transaction that holds SQLite's write lock from its first statement, so one that reads
    /// before it writes (check the version, then update) never fails to upgrade its lock when
    /// another writer got in between: writers queue (up to the busy timeout) instead. On
    /// PostgreSQL, [`Store::begin`]'s turn does the same.
    pub async fn begin_write(&self) -> Result<Conn<'static>> {
        let mut tx = self.begin().await?;
        if self.backend() == Backend::Sqlite {
            set_meta(&mut tx, "last_write_at", &chrono::Utc::now().to_rfc3339()).await?;
        }
        Ok(tx)
    }

    /// A transaction for an edit of one listing. SQLite: as [`Store::begin_write`]. PostgreSQL:
    /// edits run side by side; each locks its listing's row before reading it
    /// ([`crate::store::editing::owner_of`] with `lock`), and its change-log rows are numbered
    /// as it commits ([`feed::record_change`]).
    pub async fn begin_edit(&self) -> Result<Conn<'static>> {
        match self.backend() {
            Backend::Sqlite => self.begin_write().await,
            Backend::Postgres => Ok(self.pool.begin().await?),
        }
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    pub async fn meta(&self, key: &str) -> Result<Option<String>> {
        let value = db::query_scalar("SELECT value FROM meta WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(value)
    }

    /// Whether any table that seeding fills holds rows (used to tell a half-written directory
    /// from an empty one).
    pub async fn holds_any_directory_data(&self) -> Result<bool> {
        let rows: i64 = db::query_scalar(
            "SELECT (SELECT COUNT(*) FROM places) + (SELECT COUNT(*) FROM postcodes) + (SELECT COUNT(*) FROM organizations)",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(rows > 0)
    }

    /// Rows in one of the directory's tables (for `indexer stats`).
    pub async fn count(&self, table: &str) -> Result<i64> {
        let Some(table) = COUNTED_TABLES.iter().find(|known| **known == table) else {
            return Err(crate::Error::invalid("table", format!("unknown table {table:?}")));
        };
        Ok(db::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&self.pool)
            .await?)
    }

    /// Whether the database holds tables but no migration record of ours: another
    /// application's SQLite file, which must not be migrated and seeded over.
    pub async fn belongs_to_another_application(&self) -> Result<bool> {
        let sql = match self.backend() {
            Backend::Sqlite => "SELECT COUNT(*), COALESCE(SUM(name = '_sqlx_migrations'), 0) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            Backend::Postgres => "SELECT COUNT(*), COUNT(*) FILTER (WHERE table_name = '_sqlx_migrations') FROM information_schema.tables WHERE table_schema = current_schema()",
        };
        let (tables, ours): (i64, i64) = db::query_as(sql).fetch_one(&self.pool).await?;
        Ok(tables > 0 && ours == 0)
    }

    /// Runs `SELECT 1`: the database answers.
    pub async fn ping(&self) -> Result<()> {
        db::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        if let Some(read) = &self.read {
            read.close().await;
        }
        self.pool.close().await;
    }
}

/// Sets a `meta` value inside a transaction.
pub async fn set_meta(conn: &mut Conn<'_>, key: &str, value: &str) -> Result<()> {
    db::query("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        .bind(key)
        .bind(value)
        .execute(conn)
        .await?;
    Ok(())
}
