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

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, Utc};
use futures_util::stream::{self, BoxStream, StreamExt};
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgArguments, PgConnection, PgPool, PgRow, Postgres};
use sqlx::sqlite::{SqliteArguments, SqliteConnection, SqlitePool, SqliteRow};
use sqlx::{Arguments, Decode, FromRow, Sqlite, Transaction, Type};

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
    /// Held by every writing transaction until it commits, so change-log `seq` values are taken
    /// in commit order (see [`super::Conn::lock_writes`]).
    pub const WRITES: i64 = 0x6469_7265_6374_0001;
    /// Held by the replica that migrates and seeds a new database.
    pub const FIRST_START: i64 = 0x6469_7265_6374_0002;
}

impl Conn<'_> {
    /// Makes this transaction the only writer until it commits, as SQLite's write lock does.
    ///
    /// PostgreSQL hands out sequence values when rows are inserted, not when their
    /// transactions commit: without this, a follower that read "every change after the
    /// highest `seq` seen" could pass over a change whose transaction committed after one with
    /// a larger `seq` (the outbox trap). Taken before a transaction's first change-log row,
    /// the lock makes `seq` order the commit order. Taking it again in the same transaction is
    /// free; SQLite needs nothing (its transactions write one at a time).
    pub async fn lock_writes(&mut self) -> Result<(), sqlx::Error> {
        if self.backend() == Backend::Postgres {
            query("SELECT pg_advisory_xact_lock(?)")
                .bind(lock_keys::WRITES)
                .execute(self)
                .await?;
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

/// A bound value, typed even when `NULL`.
#[derive(Debug, Clone)]
pub enum Value<'q> {
    Bool(Option<bool>),
    Int(Option<i64>),
    Real(Option<f64>),
    Text(Option<Cow<'q, str>>),
    Timestamp(Option<DateTime<Utc>>),
    Date(Option<NaiveDate>),
    Blob(Option<Cow<'q, [u8]>>),
}

/// A Rust value a query can bind.
pub trait Bind<'q> {
    fn value(self) -> Value<'q>;
    /// `NULL` of this type (what `None` binds).
    fn null() -> Value<'q>;
}

macro_rules! bind_as {
    ($variant:ident: $($ty:ty => |$v:ident| $convert:expr),* $(,)?) => {$(
        impl<'q> Bind<'q> for $ty {
            fn value(self) -> Value<'q> {
                let $v = self;
                Value::$variant(Some($convert))
            }
            fn null() -> Value<'q> {
                Value::$variant(None)
            }
        }
    )*};
}

bind_as!(Bool: bool => |v| v);
bind_as!(Int: i64 => |v| v, i32 => |v| i64::from(v), u32 => |v| i64::from(v), i16 => |v| i64::from(v), u16 => |v| i64::from(v), u8 => |v| i64::from(v));
bind_as!(Real: f64 => |v| v, f32 => |v| f64::from(v));
bind_as!(Text: String => |v| Cow::Owned(v), &'q str => |v| Cow::Borrowed(v), &'q String => |v| Cow::Borrowed(v.as_str()), Cow<'q, str> => |v| v);
bind_as!(Timestamp: DateTime<Utc> => |v| v);
bind_as!(Date: NaiveDate => |v| v);
bind_as!(Blob: &'q [u8] => |v| Cow::Borrowed(v), Vec<u8> => |v| Cow::Owned(v));

impl<'q, T: Bind<'q>> Bind<'q> for Option<T> {
    fn value(self) -> Value<'q> {
        match self {
            Some(value) => value.value(),
            None => T::null(),
        }
    }
    fn null() -> Value<'q> {
        T::null()
    }
}

impl<'q> Bind<'q> for &'q i64 {
    fn value(self) -> Value<'q> {
        Value::Int(Some(*self))
    }
    fn null() -> Value<'q> {
        Value::Int(None)
    }
}

impl<'q> Bind<'q> for &'q Option<String> {
    fn value(self) -> Value<'q> {
        Value::Text(self.as_deref().map(Cow::Borrowed))
    }
    fn null() -> Value<'q> {
        Value::Text(None)
    }
}

fn encode_error(error: sqlx::error::BoxDynError) -> sqlx::Error {
    sqlx::Error::Encode(error)
}

fn sqlite_arguments(values: Vec<Value<'_>>) -> Result<SqliteArguments<'_>, sqlx::Error> {
    let mut arguments = SqliteArguments::default();
    for value in values {
        match value {
            Value::Bool(v) => arguments.add(v),
            Value::Int(v) => arguments.add(v),
            Value::Real(v) => arguments.add(v),
            Value::Text(v) => arguments.add(v),
            Value::Timestamp(v) => arguments.add(v),
            Value::Date(v) => arguments.add(v),
            Value::Blob(v) => arguments.add(v.map(Cow::into_owned)),
        }
        .map_err(encode_error)?;
    }
    Ok(arguments)
}

/// The text SQLite's driver stores for a timestamp, so both backends hold the same strings.
fn timestamp_text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
}

/// PostgreSQL's arguments in SQLite's storage types: flags as 0/1 `BIGINT`, timestamps and dates
/// as the text SQLite's driver writes (the schema mirrors SQLite's, see `migrations_postgres`).
fn postgres_arguments(values: Vec<Value<'_>>) -> Result<PgArguments, sqlx::Error> {
    let mut arguments = PgArguments::default();
    for value in values {
        match value {
            Value::Bool(v) => arguments.add(v.map(i64::from)),
            Value::Int(v) => arguments.add(v),
            Value::Real(v) => arguments.add(v),
            Value::Text(v) => arguments.add(v.as_deref().map(str::to_owned)),
            Value::Timestamp(v) => arguments.add(v.map(timestamp_text)),
            Value::Date(v) => arguments.add(v.map(|date| date.format("%F").to_string())),
            Value::Blob(v) => arguments.add(v.map(Cow::into_owned)),
        }
        .map_err(encode_error)?;
    }
    Ok(arguments)
}

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

/// A 0/1 flag column read as `bool` on both backends (PostgreSQL holds flags as `BIGINT`, as
/// SQLite does); row types use it as `#[sqlx(try_from = "Flag")]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flag(pub bool);

/// A nullable flag column: `NULL` is `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaybeFlag(pub Option<bool>);

/// A timestamp column (RFC 3339 text on both backends) read as `DateTime<Utc>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp(pub DateTime<Utc>);

/// A nullable timestamp column: `NULL` is `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaybeStamp(pub Option<DateTime<Utc>>);

/// A nullable date column (`YYYY-MM-DD` text on both backends): `NULL` is `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaybeDay(pub Option<NaiveDate>);

impl From<MaybeDay> for Option<NaiveDate> {
    fn from(day: MaybeDay) -> Option<NaiveDate> {
        day.0
    }
}

impl From<Flag> for bool {
    fn from(flag: Flag) -> bool {
        flag.0
    }
}

impl From<MaybeFlag> for Option<bool> {
    fn from(flag: MaybeFlag) -> Option<bool> {
        flag.0
    }
}

impl From<Stamp> for DateTime<Utc> {
    fn from(stamp: Stamp) -> DateTime<Utc> {
        stamp.0
    }
}

impl From<MaybeStamp> for Option<DateTime<Utc>> {
    fn from(stamp: MaybeStamp) -> Option<DateTime<Utc>> {
        stamp.0
    }
}

/// Parses the timestamp texts SQLite's driver writes and reads (RFC 3339, or `YYYY-MM-DD
/// HH:MM:SS[.f]` in UTC).
fn parse_timestamp(text: &str) -> Result<DateTime<Utc>, sqlx::error::BoxDynError> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    for format in ["%F %T%.f%:z", "%F %T%.f%#z"] {
        if let Ok(at) = DateTime::parse_from_str(text, format) {
            return Ok(at.with_timezone(&Utc));
        }
    }
    for format in ["%F %T%.f", "%FT%T%.f"] {
        if let Ok(at) = chrono::NaiveDateTime::parse_from_str(text, format) {
            return Ok(at.and_utc());
        }
    }
    Err(format!("not a timestamp: {text:?}").into())
}

mod decode_wrappers {
    //! `Type` and `Decode` of the wrappers for each backend: the integer or text the column
    //! holds, also accepting PostgreSQL's own `BOOL` and `TIMESTAMPTZ` from expressions.
    use super::*;
    use sqlx::error::BoxDynError;
    use sqlx::postgres::{PgTypeInfo, PgValueRef};
    use sqlx::sqlite::{SqliteTypeInfo, SqliteValueRef};
    use sqlx::{TypeInfo, ValueRef};

    fn pg_flag(value: PgValueRef<'_>) -> Result<bool, BoxDynError> {
        let type_name = value.type_info().name().to_string();
        Ok(match type_name.as_str() {
            "BOOL" => <bool as Decode<Postgres>>::decode(value)?,
            "INT4" => <i32 as Decode<Postgres>>::decode(value)? != 0,
            "INT2" => <i16 as Decode<Postgres>>::decode(value)? != 0,
            _ => <i64 as Decode<Postgres>>::decode(value)? != 0,
        })
    }

    fn pg_stamp(value: PgValueRef<'_>) -> Result<DateTime<Utc>, BoxDynError> {
        if value.type_info().name() == "TIMESTAMPTZ" {
            return <DateTime<Utc> as Decode<Postgres>>::decode(value);
        }
        parse_timestamp(<&str as Decode<Postgres>>::decode(value)?)
    }

    fn pg_day(value: PgValueRef<'_>) -> Result<NaiveDate, BoxDynError> {
        if value.type_info().name() == "DATE" {
            return <NaiveDate as Decode<Postgres>>::decode(value);
        }
        Ok(NaiveDate::parse_from_str(
            <&str as Decode<Postgres>>::decode(value)?,
            "%F",
        )?)
    }

    fn pg_day_compatible(ty: &PgTypeInfo) -> bool {
        matches!(ty.name(), "TEXT" | "VARCHAR" | "DATE")
    }

    fn pg_flag_compatible(ty: &PgTypeInfo) -> bool {
        matches!(ty.name(), "INT8" | "INT4" | "INT2" | "BOOL")
    }

    fn pg_stamp_compatible(ty: &PgTypeInfo) -> bool {
        matches!(ty.name(), "TEXT" | "VARCHAR" | "TIMESTAMPTZ")
    }

    macro_rules! wrapper {
        ($ty:ty, $sqlite_as:ty, $pg_as:ty, $compatible:ident, |$sv:ident| $sqlite:expr, |$pv:ident| $pg:expr) => {
            impl Type<Sqlite> for $ty {
                fn type_info() -> SqliteTypeInfo {
                    <$sqlite_as as Type<Sqlite>>::type_info()
                }
                fn compatible(ty: &SqliteTypeInfo) -> bool {
                    <$sqlite_as as Type<Sqlite>>::compatible(ty)
                }
            }
            impl<'r> Decode<'r, Sqlite> for $ty {
                fn decode($sv: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
                    $sqlite
                }
            }
            impl Type<Postgres> for $ty {
                fn type_info() -> PgTypeInfo {
                    <$pg_as as Type<Postgres>>::type_info()
                }
                fn compatible(ty: &PgTypeInfo) -> bool {
                    $compatible(ty)
                }
            }
            impl<'r> Decode<'r, Postgres> for $ty {
                fn decode($pv: PgValueRef<'r>) -> Result<Self, BoxDynError> {
                    $pg
                }
            }
        };
    }

    wrapper!(
        Flag,
        bool,
        i64,
        pg_flag_compatible,
        |v| Ok(Flag(<bool as Decode<Sqlite>>::decode(v)?)),
        |v| Ok(Flag(pg_flag(v)?))
    );
    wrapper!(
        MaybeFlag,
        bool,
        i64,
        pg_flag_compatible,
        |v| Ok(MaybeFlag(if v.is_null() {
            None
        } else {
            Some(<bool as Decode<Sqlite>>::decode(v)?)
        })),
        |v| Ok(MaybeFlag(if v.is_null() { None } else { Some(pg_flag(v)?) }))
    );
    wrapper!(
        Stamp,
        DateTime<Utc>,
        String,
        pg_stamp_compatible,
        |v| Ok(Stamp(<DateTime<Utc> as Decode<Sqlite>>::decode(v)?)),
        |v| Ok(Stamp(pg_stamp(v)?))
    );
    wrapper!(
        MaybeDay,
        NaiveDate,
        String,
        pg_day_compatible,
        |v| Ok(MaybeDay(if v.is_null() {
            None
        } else {
            Some(<NaiveDate as Decode<Sqlite>>::decode(v)?)
        })),
        |v| Ok(MaybeDay(if v.is_null() { None } else { Some(pg_day(v)?) }))
    );
    wrapper!(
        MaybeStamp,
        DateTime<Utc>,
        String,
        pg_stamp_compatible,
        |v| Ok(MaybeStamp(if v.is_null() {
            None
        } else {
            Some(<DateTime<Utc> as Decode<Sqlite>>::decode(v)?)
        })),
        |v| Ok(MaybeStamp(if v.is_null() { None } else { Some(pg_stamp(v)?) }))
    );
}

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

    pub async fn fetch_all<'c>(self, executor: impl Executor<'c>) -> Result<Vec<O>, sqlx::Error> {
        let query = self.query;
        on_target!(
            query,
            executor,
            |sql, args| sqlx::query_as_with::<_, O, _>(sql, args),
            |q, ex| q.fetch_all(ex).await
        )
    }

    pub async fn fetch_one<'c>(self, executor: impl Executor<'c>) -> Result<O, sqlx::Error> {
        let query = self.query;
        on_target!(
            query,
            executor,
            |sql, args| sqlx::query_as_with::<_, O, _>(sql, args),
            |q, ex| q.fetch_one(ex).await
        )
    }

    pub async fn fetch_optional<'c>(self, executor: impl Executor<'c>) -> Result<Option<O>, sqlx::Error> {
        let query = self.query;
        on_target!(
            query,
            executor,
            |sql, args| sqlx::query_as_with::<_, O, _>(sql, args),
            |q, ex| q.fetch_optional(ex).await
        )
    }
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

    pub async fn fetch_all<'c>(self, executor: impl Executor<'c>) -> Result<Vec<O>, sqlx::Error> {
        let query = self.query;
        on_target!(
            query,
            executor,
            |sql, args| sqlx::query_scalar_with::<_, O, _>(sql, args),
            |q, ex| q.fetch_all(ex).await
        )
    }

    pub async fn fetch_one<'c>(self, executor: impl Executor<'c>) -> Result<O, sqlx::Error> {
        let query = self.query;
        on_target!(
            query,
            executor,
            |sql, args| sqlx::query_scalar_with::<_, O, _>(sql, args),
            |q, ex| q.fetch_one(ex).await
        )
    }

    pub async fn fetch_optional<'c>(self, executor: impl Executor<'c>) -> Result<Option<O>, sqlx::Error> {
        let query = self.query;
        on_target!(
            query,
            executor,
            |sql, args| sqlx::query_scalar_with::<_, O, _>(sql, args),
            |q, ex| q.fetch_optional(ex).await
        )
    }

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
