//! The two databases the store runs on, behind one small query API shaped like sqlx's own.
//!
//! SQLite is the embedded default; PostgreSQL is the shared store several API replicas use.
//! Every query in `store/` goes through [`query`], [`query_as`] or [`query_scalar`] with SQL
//! written once, in the dialect both accept, with SQLite's `?` / `?N` placeholders: for
//! PostgreSQL they are rewritten to `$N` ([`postgres_sql`]). Where the dialects differ (JSON
//! aggregation, `rowid`), the caller asks [`Conn::backend`] or [`Pool::backend`] and picks the
//! SQL. Each backend keeps its own sqlx driver, so rows decode into the same Rust types natively
//! and SQLite pays nothing for the second backend (unlike sqlx's `Any`, which copies every row).
//!
//! The values a query binds are collected as [`Value`]s and handed to the driver at execution,
//! typed even when `NULL` (PostgreSQL needs a parameter's type).

use futures_util::stream::{self, BoxStream, StreamExt};
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnection, PgPool, PgRow, Postgres};
use sqlx::sqlite::{SqliteConnection, SqlitePool, SqliteRow};
use sqlx::{Decode, FromRow, Sqlite, Transaction, Type};

/// Which database a pool or connection talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The embedded default: one file in the data directory.
    Sqlite,
    /// A PostgreSQL server shared by any number of API replicas.
    Postgres,
}

/// A pool of connections to the directory database; cheap to clone.
#[derive(Debug, Clone)]
pub enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Pool {
    pub fn backend(&self) -> Backend {
        match self {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// A transaction; committed by [`Conn::commit`], rolled back when dropped uncommitted.
    pub async fn begin(&self) -> Result<Conn<'static>, sqlx::Error> {
        Ok(Conn(match self {
            Pool::Sqlite(pool) => Held::SqliteTx(pool.begin().await?),
            Pool::Postgres(pool) => Held::PostgresTx(pool.begin().await?),
        }))
    }

    /// A connection outside any transaction (each statement commits on its own).
    pub async fn acquire(&self) -> Result<Conn<'static>, sqlx::Error> {
        Ok(Conn(match self {
            Pool::Sqlite(pool) => Held::Sqlite(pool.acquire().await?),
            Pool::Postgres(pool) => Held::Postgres(pool.acquire().await?),
        }))
    }

    pub fn is_closed(&self) -> bool {
        match self {
            Pool::Sqlite(pool) => pool.is_closed(),
            Pool::Postgres(pool) => pool.is_closed(),
        }
    }

    pub async fn close(&self) {
        match self {
            Pool::Sqlite(pool) => pool.close().await,
            Pool::Postgres(pool) => pool.close().await,
        }
    }
}

impl Pool {
    /// Notices of change-log growth from every replica of a shared PostgreSQL (`None` on SQLite,
    /// where one process writes and its follower polls). The listener reconnects by itself after
    /// a lost connection; followers keep polling as the fallback.
    pub async fn change_listener(&self) -> Result<Option<sqlx::postgres::PgListener>, sqlx::Error> {
        match self {
            Pool::Sqlite(_) => Ok(None),
            Pool::Postgres(pool) => {
                let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
                listener.listen(CHANGES_CHANNEL).await?;
                Ok(Some(listener))
            }
        }
    }
}

/// Held while one process migrates and seeds a new shared database; released when dropped
/// (its connection closes, and PostgreSQL ends the session's lock with it).
#[derive(Debug)]
pub struct FirstStartLock(#[allow(dead_code)] Option<PgConnection>);

impl Pool {
    /// Waits until no other process is migrating or seeding this database (PostgreSQL), and
    /// holds that role until the lock is dropped. SQLite: one process, nothing to wait for.
    pub async fn first_start_lock(&self) -> Result<FirstStartLock, sqlx::Error> {
        match self {
            Pool::Sqlite(_) => Ok(FirstStartLock(None)),
            Pool::Postgres(pool) => {
                let mut conn = pool.acquire().await?.detach();
                query("SELECT pg_advisory_lock(?)")
                    .bind(lock_keys::FIRST_START)
                    .execute(&mut conn)
                    .await?;
                Ok(FirstStartLock(Some(conn)))
            }
        }
    }
}

/// A connection the caller holds: inside a transaction (from [`Pool::begin`]) or not (from
/// [`Pool::acquire`]), or a nested transaction (a savepoint) of one ([`Conn::begin`]). Store
/// functions that must run together take `&mut Conn`.
#[derive(Debug)]
pub struct Conn<'c>(Held<'c>);

#[derive(Debug)]
enum Held<'c> {
    SqliteTx(Transaction<'c, Sqlite>),
    PostgresTx(Transaction<'c, Postgres>),
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

/// The PostgreSQL notification channel a change-log append announces itself on.
pub const CHANGES_CHANNEL: &str = "directory_changes";

/// PostgreSQL advisory lock keys (SQLite needs none: it has one writer at a time).
mod lock_keys {
    /// The write lock: held from the moment a transaction numbers its change-log rows until it
    /// commits, so `seq` values are taken in commit order (see [`super::Conn::lock_writes`]).
    /// Migration `0002_changes_at_commit` names it too (its trigger takes it at commit).
    pub const WRITES: i64 = 0x6469_7265_6374_0001;
    /// Held by the replica that migrates and seeds a new database.
    pub const FIRST_START: i64 = 0x6469_7265_6374_0002;
    /// Held from their first statement by writers that are not edits of one listing (imports,
    /// areas, moderation of many rows at once), so they take turns as on SQLite.
    pub const TURNS: i64 = 0x6469_7265_6374_0003;
}

impl Conn<'_> {
    /// Takes the write lock now, until this transaction commits: its change-log rows from here
    /// on are numbered in commit order.
    ///
    /// PostgreSQL hands out sequence values when rows are inserted, not when their
    /// transactions commit: without this, a follower that read "every change after the
    /// highest `seq` seen" could pass over a change whose transaction committed after one with
    /// a larger `seq` (the outbox trap). Most writers never call this: their changes are
    /// numbered at commit ([`crate::store::feed::record_change`]), where the trigger takes this
    /// lock. Only a writer that must know its `seq` values before it commits (a bulk insert,
    /// which writes them into the rows) takes it early, and must then wait for no row another
    /// writer holds. Taking it again in the same transaction is free; SQLite needs nothing.
    pub async fn lock_writes(&mut self) -> Result<(), sqlx::Error> {
        self.advisory_xact_lock(lock_keys::WRITES).await
    }

    /// Makes this transaction take its turn among the writers that are not edits of one listing
    /// until it commits, as SQLite's write lock makes every writer do. Edits of one listing do
    /// not: they lock their listing's row instead.
    pub async fn take_turn(&mut self) -> Result<(), sqlx::Error> {
        self.advisory_xact_lock(lock_keys::TURNS).await
    }

    async fn advisory_xact_lock(&mut self, key: i64) -> Result<(), sqlx::Error> {
        if self.backend() == Backend::Postgres {
            query("SELECT pg_advisory_xact_lock(?)").bind(key).execute(self).await?;
        }
        Ok(())
    }

    /// Tells the replicas listening on a shared PostgreSQL that the change log grew, when this
    /// transaction commits (PostgreSQL sends one notice per transaction however often this is
    /// called, and none if it rolls back). SQLite: nothing to tell, its one process polls.
    pub async fn announce_changes(&mut self) -> Result<(), sqlx::Error> {
        if self.backend() == Backend::Postgres {
            query("SELECT pg_notify(?, '')")
                .bind(CHANGES_CHANNEL)
                .execute(self)
                .await?;
        }
        Ok(())
    }

    /// A transaction inside this one (a savepoint), or on this connection if it is in none.
    pub async fn begin(&mut self) -> Result<Conn<'_>, sqlx::Error> {
        use sqlx::Connection;
        Ok(Conn(match &mut self.0 {
            Held::SqliteTx(tx) => Held::SqliteTx((**tx).begin().await?),
            Held::PostgresTx(tx) => Held::PostgresTx((**tx).begin().await?),
            Held::Sqlite(conn) => Held::SqliteTx((**conn).begin().await?),
            Held::Postgres(conn) => Held::PostgresTx((**conn).begin().await?),
        }))
    }

    pub fn backend(&self) -> Backend {
        match self.0 {
            Held::SqliteTx(_) | Held::Sqlite(_) => Backend::Sqlite,
            Held::PostgresTx(_) | Held::Postgres(_) => Backend::Postgres,
        }
    }

    /// Commits the transaction (a connection outside one has nothing to commit).
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self.0 {
            Held::SqliteTx(tx) => tx.commit().await,
            Held::PostgresTx(tx) => tx.commit().await,
            Held::Sqlite(_) | Held::Postgres(_) => Ok(()),
        }
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        match self.0 {
            Held::SqliteTx(tx) => tx.rollback().await,
            Held::PostgresTx(tx) => tx.rollback().await,
            Held::Sqlite(_) | Held::Postgres(_) => Ok(()),
        }
    }

    /// The SQLite connection, for the few operations only SQLite has (online backup).
    pub fn as_sqlite(&mut self) -> Option<&mut SqliteConnection> {
        match &mut self.0 {
            Held::SqliteTx(tx) => Some(&mut **tx),
            Held::Sqlite(conn) => Some(&mut **conn),
            Held::PostgresTx(_) | Held::Postgres(_) => None,
        }
    }
}

/// Where a query runs: a pool (any free connection) or a connection the caller holds.
pub enum Target<'c> {
    SqlitePool(&'c SqlitePool),
    PostgresPool(&'c PgPool),
    Sqlite(&'c mut SqliteConnection),
    Postgres(&'c mut PgConnection),
}

/// What a query can run on: `&Pool` or `&mut Conn`.
pub trait Executor<'c>: Send {
    fn target(self) -> Target<'c>;
}

impl<'c> Executor<'c> for &'c Pool {
    fn target(self) -> Target<'c> {
        match self {
            Pool::Sqlite(pool) => Target::SqlitePool(pool),
            Pool::Postgres(pool) => Target::PostgresPool(pool),
        }
    }
}

impl<'c> Executor<'c> for &'c SqlitePool {
    fn target(self) -> Target<'c> {
        Target::SqlitePool(self)
    }
}

impl<'c> Executor<'c> for &'c PgPool {
    fn target(self) -> Target<'c> {
        Target::PostgresPool(self)
    }
}

impl<'c> Executor<'c> for &'c mut PgConnection {
    fn target(self) -> Target<'c> {
        Target::Postgres(self)
    }
}

impl<'c> Executor<'c> for &'c mut SqliteConnection {
    fn target(self) -> Target<'c> {
        Target::Sqlite(self)
    }
}

impl<'c> Executor<'c> for &'c mut Conn<'_> {
    fn target(self) -> Target<'c> {
        match &mut self.0 {
            Held::SqliteTx(tx) => Target::Sqlite(tx),
            Held::PostgresTx(tx) => Target::Postgres(tx),
            Held::Sqlite(conn) => Target::Sqlite(conn),
            Held::Postgres(conn) => Target::Postgres(conn),
        }
    }
}

mod values;
use values::{postgres_arguments, sqlite_arguments};
pub use values::{Bind, Value};

/// SQLite's placeholders rewritten for PostgreSQL: `?N` becomes `$N`, and a bare `?` takes the
/// number after the largest so far (SQLite's own rule). Quoted text and identifiers are copied
/// as they are.
pub fn postgres_sql(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut largest = 0u32;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                out.push(c);
                for inner in chars.by_ref() {
                    out.push(inner);
                    if inner == c {
                        break;
                    }
                }
            }
            '?' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                let number = match digits.parse::<u32>() {
                    Ok(n) => n,
                    Err(_) => largest + 1,
                };
                largest = largest.max(number);
                out.push('$');
                out.push_str(&number.to_string());
            }
            _ => out.push(c),
        }
    }
    out
}

/// `rows` groups of `columns` placeholders, `(?, ?), (?, ?)`: a multi-row `VALUES` list.
pub fn value_rows(rows: usize, columns: usize) -> String {
    let row = format!("({})", vec!["?"; columns].join(", "));
    vec![row.as_str(); rows].join(", ")
}

/// What an `INSERT`, `UPDATE` or `DELETE` did.
#[derive(Debug, Clone, Copy)]
pub struct Done {
    rows_affected: u64,
}

impl Done {
    pub fn rows_affected(&self) -> u64 {
        self.rows_affected
    }
}

/// A row type both drivers decode (`#[derive(sqlx::FromRow)]` and tuples are).
pub trait Record: Send + Unpin + for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> {}
impl<T> Record for T where T: Send + Unpin + for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> {}

/// A column type both drivers decode.
pub trait Scalar:
    Send + Unpin + for<'r> Decode<'r, Sqlite> + Type<Sqlite> + for<'r> Decode<'r, Postgres> + Type<Postgres>
{
}
impl<T> Scalar for T where
    T: Send + Unpin + for<'r> Decode<'r, Sqlite> + Type<Sqlite> + for<'r> Decode<'r, Postgres> + Type<Postgres>
{
}

mod columns;
pub use columns::{Flag, MaybeDay, MaybeFlag, MaybeStamp, Stamp};

/// A statement and its bound values.
#[must_use = "a query does nothing until it is executed or fetched"]
pub struct Query<'q> {
    sql: &'q str,
    values: Vec<Value<'q>>,
}

/// A statement, as `sqlx::query`.
pub fn query(sql: &str) -> Query<'_> {
    Query {
        sql,
        values: Vec::new(),
    }
}

/// A statement whose rows decode into `O`, as `sqlx::query_as`.
pub fn query_as<O: Record>(sql: &str) -> QueryAs<'_, O> {
    QueryAs {
        query: query(sql),
        _row: std::marker::PhantomData,
    }
}

/// A statement whose first column decodes into `O`, as `sqlx::query_scalar`.
pub fn query_scalar<O: Scalar>(sql: &str) -> QueryScalar<'_, O> {
    QueryScalar {
        query: query(sql),
        _value: std::marker::PhantomData,
    }
}

/// Runs `$body` with `$q` a sqlx query built by `$make` (a macro-like closure over the SQL and
/// the driver's arguments) on whichever target the executor is.
macro_rules! on_target {
    ($self:ident, $executor:ident, |$sql:ident, $args:ident| $make:expr, |$q:ident, $ex:ident| $body:expr) => {{
        let target = $executor.target();
        match target {
            Target::SqlitePool(pool) => {
                let $sql = $self.sql;
                let $args = sqlite_arguments($self.values)?;
                let $q = $make;
                let $ex = pool;
                $body
            }
            Target::Sqlite(conn) => {
                let $sql = $self.sql;
                let $args = sqlite_arguments($self.values)?;
                let $q = $make;
                let $ex = conn;
                $body
            }
            Target::PostgresPool(pool) => {
                let translated = postgres_sql($self.sql);
                let $sql = translated.as_str();
                let $args = postgres_arguments($self.values)?;
                let $q = $make;
                let $ex = pool;
                $body
            }
            Target::Postgres(conn) => {
                let translated = postgres_sql($self.sql);
                let $sql = translated.as_str();
                let $args = postgres_arguments($self.values)?;
                let $q = $make;
                let $ex = conn;
                $body
            }
        }
    }};
}

/// `fetch_all`, `fetch_one` and `fetch_optional` of a typed query, built by sqlx's `$builder`
/// (`query_as_with` or `query_scalar_with`) for whichever backend the executor is.
macro_rules! fetch_methods {
    ($builder:ident) => {
        pub async fn fetch_all<'c>(self, executor: impl Executor<'c>) -> Result<Vec<O>, sqlx::Error> {
            let query = self.query;
            on_target!(
                query,
                executor,
                |sql, args| sqlx::$builder::<_, O, _>(sql, args),
                |q, ex| q.fetch_all(ex).await
            )
        }

        pub async fn fetch_one<'c>(self, executor: impl Executor<'c>) -> Result<O, sqlx::Error> {
            let query = self.query;
            on_target!(
                query,
                executor,
                |sql, args| sqlx::$builder::<_, O, _>(sql, args),
                |q, ex| q.fetch_one(ex).await
            )
        }

        pub async fn fetch_optional<'c>(self, executor: impl Executor<'c>) -> Result<Option<O>, sqlx::Error> {
            let query = self.query;
            on_target!(
                query,
                executor,
                |sql, args| sqlx::$builder::<_, O, _>(sql, args),
                |q, ex| q.fetch_optional(ex).await
            )
        }
    };
}

impl<'q> Query<'q> {
    pub fn bind(mut self, value: impl Bind<'q>) -> Self {
        self.values.push(value.value());
        self
    }

    pub async fn execute<'c>(self, executor: impl Executor<'c>) -> Result<Done, sqlx::Error> {
        on_target!(self, executor, |sql, args| sqlx::query_with(sql, args), |q, ex| Ok(
            Done {
                rows_affected: q.execute(ex).await?.rows_affected()
            }
        ))
    }

    /// The first row as column name and JSON value pairs (for the audit trail's snapshots).
    pub async fn fetch_optional_json<'c>(
        self,
        executor: impl Executor<'c>,
    ) -> Result<Option<Vec<(String, serde_json::Value)>>, sqlx::Error> {
        on_target!(self, executor, |sql, args| sqlx::query_with(sql, args), |q, ex| {
            match q.fetch_optional(ex).await? {
                Some(row) => Ok(Some(row_json(&row)?)),
                None => Ok(None),
            }
        })
    }

    /// Every row as column name and JSON value pairs (the audit trail's snapshots, set-wise).
    pub async fn fetch_all_json<'c>(
        self,
        executor: impl Executor<'c>,
    ) -> Result<Vec<Vec<(String, serde_json::Value)>>, sqlx::Error> {
        on_target!(self, executor, |sql, args| sqlx::query_with(sql, args), |q, ex| {
            q.fetch_all(ex).await?.iter().map(row_json).collect()
        })
    }
}

/// A row's columns as JSON values, by the column's declared type.
fn row_json<R>(row: &R) -> Result<Vec<(String, serde_json::Value)>, sqlx::Error>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    i64: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    f64: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    bool: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    String: for<'r> Decode<'r, R::Database> + Type<R::Database>,
{
    use serde_json::Value as Json;
    use sqlx::{Column, TypeInfo, ValueRef};
    let mut out = Vec::with_capacity(row.columns().len());
    for (i, column) in row.columns().iter().enumerate() {
        let raw = row.try_get_raw(i)?;
        let value = if raw.is_null() {
            Json::Null
        } else {
            let type_name = raw.type_info().name().to_ascii_uppercase();
            match type_name.as_str() {
                "INTEGER" | "INT8" | "INT4" | "INT2" | "BIGINT" => Json::from(row.try_get::<i64, _>(i)?),
                "REAL" | "FLOAT8" | "FLOAT4" | "DOUBLE PRECISION" => Json::from(row.try_get::<f64, _>(i)?),
                "BOOL" | "BOOLEAN" => Json::from(i64::from(row.try_get::<bool, _>(i)?)),
                _ => {
                    let text: String = row.try_get(i)?;
                    match serde_json::from_str::<Json>(&text) {
                        Ok(json @ (Json::Array(_) | Json::Object(_))) => json,
                        _ => Json::String(text),
                    }
                }
            }
        };
        out.push((column.name().to_string(), value));
    }
    Ok(out)
}

/// A statement whose rows decode into `O`.
#[must_use = "a query does nothing until it is fetched"]
pub struct QueryAs<'q, O> {
    query: Query<'q>,
    _row: std::marker::PhantomData<fn() -> O>,
}

impl<'q, O: Record> QueryAs<'q, O> {
    pub fn bind(mut self, value: impl Bind<'q>) -> Self {
        self.query = self.query.bind(value);
        self
    }

    fetch_methods!(query_as_with);
}

/// A statement whose first column decodes into `O`.
#[must_use = "a query does nothing until it is fetched"]
pub struct QueryScalar<'q, O> {
    query: Query<'q>,
    _value: std::marker::PhantomData<fn() -> O>,
}

impl<'q, O: Scalar + 'q> QueryScalar<'q, O> {
    pub fn bind(mut self, value: impl Bind<'q>) -> Self {
        self.query = self.query.bind(value);
        self
    }

    fetch_methods!(query_scalar_with);

    /// The values one at a time. SQLite streams them; PostgreSQL reads them all first (its
    /// statement text is rewritten, and the stream cannot borrow it), so callers keep the
    /// rows few and large (chunks of JSON), as the index rebuild does.
    pub fn fetch(self, pool: &'q Pool) -> BoxStream<'q, Result<O, sqlx::Error>> {
        match pool {
            Pool::Sqlite(pool) => match sqlite_arguments(self.query.values) {
                Ok(args) => sqlx::query_scalar_with::<_, O, _>(self.query.sql, args).fetch(pool),
                Err(error) => stream::once(async move { Err(error) }).boxed(),
            },
            Pool::Postgres(_) => {
                let all = self.fetch_all(pool);
                stream::once(all)
                    .flat_map(|result| match result {
                        Ok(values) => stream::iter(values.into_iter().map(Ok)).boxed(),
                        Err(error) => stream::once(async move { Err(error) }).boxed(),
                    })
                    .boxed()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_numbered_for_postgres() {
        assert_eq!(postgres_sql("SELECT ? , ?"), "SELECT $1 , $2");
        assert_eq!(
            postgres_sql("WHERE (?1 IS NULL OR a = ?1) AND b = ?2 LIMIT ?"),
            "WHERE ($1 IS NULL OR a = $1) AND b = $2 LIMIT $3"
        );
        assert_eq!(
            postgres_sql("SELECT '?', \"a?\" FROM t WHERE x = ?"),
            "SELECT '?', \"a?\" FROM t WHERE x = $1"
        );
        assert_eq!(postgres_sql("VALUES (?3, ?)"), "VALUES ($3, $4)");
    }
}
