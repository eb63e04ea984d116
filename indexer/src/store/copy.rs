//! Copying a whole directory from its SQLite file into a new PostgreSQL database (`indexer
//! migrate-store`): every table, history, accounts and change log included, row for row.
//!
//! The schema is the target's: each of its tables and columns is read from the source by name,
//! so column order may differ between the two migration sets, and a column the target lacks
//! (data that would be lost) or a table only one side has stops the copy before anything is
//! written. Rows travel by `COPY ... FROM STDIN` in PostgreSQL's text format, streamed from one
//! SQLite read transaction (a consistent snapshot even while a server writes) into one
//! PostgreSQL transaction (all or nothing, foreign keys checked at commit).

use std::collections::BTreeSet;

use futures_util::TryStreamExt;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, TypeInfo, ValueRef};

use super::db::{self, Pool};
use super::Store;
use crate::error::{Error, Result};

/// Bytes of `COPY` text gathered before they are sent.
const SEND_BYTES: usize = 1 << 20;

/// Rows between two progress reports.
const PROGRESS_ROWS: u64 = 10_000;

/// One table copied, and its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopiedTable {
    pub table: String,
    pub rows: u64,
}

/// A column of the target, and how its values are written.
struct Column {
    name: String,
    kind: ColumnKind,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ColumnKind {
    Integer,
    Bytes,
    Other,
}

/// Copies every table of `source` (SQLite) into `target` (PostgreSQL, migrated and empty), in
/// one transaction, then moves the target's identity sequences past the copied ids.
/// `progress` hears each table's name and the rows copied so far.
pub async fn copy_sqlite_into_postgres(
    source: &Store,
    target: &Store,
    mut progress: impl FnMut(&str, u64),
) -> Result<Vec<CopiedTable>> {
    let (Pool::Sqlite(source_pool), Pool::Postgres(target_pool)) = (source.pool(), target.pool()) else {
        return Err(Error::invalid(
            "from",
            "migrate-store copies from SQLite into PostgreSQL",
        ));
    };
    let tables = comparable_tables(source_pool, target_pool).await?;
    let mut read = source_pool.begin().await?;
    let mut write = target_pool.begin().await?;
    sqlx::query("SET CONSTRAINTS ALL DEFERRED").execute(&mut *write).await?;
    let mut copied = Vec::with_capacity(tables.len());
    for table in &tables {
        let columns = target_columns(&mut write, table).await?;
        let source_columns: BTreeSet<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info(?)")
            .bind(table)
            .fetch_all(&mut *read)
            .await?
            .into_iter()
            .collect();
        if let Some(missing) = columns.iter().find(|column| !source_columns.contains(&column.name)) {
            return Err(Error::invalid(
                "from",
                format!("table {table} has no column {} in the SQLite file; open it once with this version of the directory so its migrations run, then copy again", missing.name),
            ));
        }
        let target_names: BTreeSet<&str> = columns.iter().map(|column| column.name.as_str()).collect();
        if let Some(extra) = source_columns.iter().find(|name| !target_names.contains(name.as_str())) {
            return Err(Error::invalid(
                "to",
                format!("table {table} of the PostgreSQL database has no column {extra}: its data would be lost; the two databases are at different versions"),
            ));
        }
        let names = columns
            .iter()
            .map(|column| format!("\"{}\"", column.name))
            .collect::<Vec<_>>()
            .join(", ");
        let mut copy = write
            .copy_in_raw(&format!("COPY \"{table}\" ({names}) FROM STDIN"))
            .await?;
        let select = format!("SELECT {names} FROM \"{table}\"");
        let mut rows = sqlx::query(&select).fetch(&mut *read);
        let (mut buffer, mut count) = (String::with_capacity(SEND_BYTES + 4096), 0u64);
        while let Some(row) = rows.try_next().await? {
            write_copy_line(&mut buffer, &row, &columns)
                .map_err(|reason| Error::invalid("from", format!("table {table}, row {}: {reason}", count + 1)))?;
            count += 1;
            if buffer.len() >= SEND_BYTES {
                copy.send(std::mem::take(&mut buffer).into_bytes()).await?;
                buffer.reserve(SEND_BYTES + 4096);
            }
            if count.is_multiple_of(PROGRESS_ROWS) {
                progress(table, count);
            }
        }
        drop(rows);
        if !buffer.is_empty() {
            copy.send(buffer.into_bytes()).await?;
        }
        let written = copy.finish().await?;
        if written != count {
            return Err(Error::Index(format!(
                "table {table}: PostgreSQL took {written} rows of the {count} read; nothing was copied"
            )));
        }
        progress(table, written);
        for column in identity_columns(&mut write, table).await? {
            sqlx::query(&format!(
                "SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column}'), COALESCE((SELECT MAX(\"{column}\") FROM \"{table}\"), 0) + 1, false)"
            ))
            .execute(&mut *write)
            .await?;
        }
        copied.push(CopiedTable {
            table: table.clone(),
            rows: written,
        });
    }
    write.commit().await?;
    read.rollback().await?;
    // Statistics now, not when autovacuum gets round to it: a replica joining meanwhile would
    // plan its reads over a million rows blind (measured: minutes for a batch, not a second).
    sqlx::query("ANALYZE").execute(target_pool).await?;
    Ok(copied)
}

/// Whether every table of the PostgreSQL database is empty (a copy goes only into a new one).
pub async fn holds_no_rows(target: &Store) -> Result<bool> {
    for table in base_tables(target.pool()).await? {
        let rows: i64 = db::query_scalar(&format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM \"{table}\" LIMIT 1) AS one"
        ))
        .fetch_one(target.pool())
        .await?;
        if rows > 0 {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Whether the SQLite database is a directory's, seeded to the end (it has the `meta` table
/// and the seed's marker in it).
pub async fn is_seeded_directory(source: &Store) -> Result<bool> {
    let has_meta: i64 = db::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'")
        .fetch_one(source.pool())
        .await?;
    Ok(has_meta > 0 && source.meta(crate::seed::SEED_MARKER).await?.is_some())
}

/// Rows in each table of `store`, by name (to check a copy).
pub async fn row_counts(store: &Store) -> Result<Vec<(String, i64)>> {
    let mut counts = Vec::new();
    for table in base_tables(store.pool()).await? {
        let rows: i64 = db::query_scalar(&format!("SELECT COUNT(*) FROM \"{table}\""))
            .fetch_one(store.pool())
            .await?;
        counts.push((table, rows));
    }
    Ok(counts)
}

/// The directory's own tables (not the migration record, not SQLite's internals, not
/// PostgreSQL's `pending_changes`, which is empty outside a transaction), sorted.
async fn base_tables(pool: &Pool) -> Result<Vec<String>> {
    let sql = match pool {
        Pool::Sqlite(_) => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations' ORDER BY name"
        }
        Pool::Postgres(_) => {
            "SELECT table_name::TEXT FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name NOT IN ('_sqlx_migrations', 'pending_changes') ORDER BY table_name"
        }
    };
    Ok(db::query_scalar(sql).fetch_all(pool).await?)
}

/// The tables both databases have, refusing a table only one of them has.
async fn comparable_tables(source: &sqlx::SqlitePool, target: &sqlx::PgPool) -> Result<Vec<String>> {
    let source_tables = base_tables(&Pool::Sqlite(source.clone())).await?;
    let target_tables = base_tables(&Pool::Postgres(target.clone())).await?;
    if let Some(table) = source_tables.iter().find(|table| !target_tables.contains(table)) {
        return Err(Error::invalid(
            "to",
            format!("the PostgreSQL database has no table {table}: its data would be lost; the two databases are at different versions"),
        ));
    }
    if let Some(table) = target_tables.iter().find(|table| !source_tables.contains(table)) {
        return Err(Error::invalid(
            "from",
            format!("the SQLite file has no table {table}; open it once with this version of the directory so its migrations run, then copy again"),
        ));
    }
    Ok(target_tables)
}

async fn target_columns(conn: &mut sqlx::PgConnection, table: &str) -> Result<Vec<Column>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT column_name::TEXT, data_type::TEXT FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
    )
    .bind(table)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(name, data_type)| Column {
            name,
            kind: match data_type.as_str() {
                "bigint" | "integer" | "smallint" => ColumnKind::Integer,
                "bytea" => ColumnKind::Bytes,
                _ => ColumnKind::Other,
            },
        })
        .collect())
}

async fn identity_columns(conn: &mut sqlx::PgConnection, table: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT column_name::TEXT FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 AND is_identity = 'YES'",
    )
    .bind(table)
    .fetch_all(conn)
    .await?)
}

/// Appends one row as a line of `COPY`'s text format: tab-separated, `\N` for NULL, with
/// backslash, tab, newline and carriage return escaped, bytes as `\\x` and hex.
fn write_copy_line(out: &mut String, row: &SqliteRow, columns: &[Column]) -> std::result::Result<(), String> {
    use std::fmt::Write as _;
    for (i, column) in columns.iter().enumerate() {
        if i > 0 {
            out.push('\t');
        }
        let value = row.try_get_raw(i).map_err(|e| e.to_string())?;
        if value.is_null() {
            out.push_str("\\N");
            continue;
        }
        let storage = value.type_info().name().to_string();
        match (storage.as_str(), column.kind) {
            ("INTEGER", _) => {
                let number: i64 = row.try_get(i).map_err(|e| e.to_string())?;
                let _ = write!(out, "{number}");
            }
            ("REAL", kind) => {
                let number: f64 = row.try_get(i).map_err(|e| e.to_string())?;
                if kind == ColumnKind::Integer && number.fract() == 0.0 && number.abs() < 9.0e15 {
                    let _ = write!(out, "{}", number as i64);
                } else if number.is_nan() {
                    out.push_str("NaN");
                } else if number.is_infinite() {
                    out.push_str(if number > 0.0 { "Infinity" } else { "-Infinity" });
                } else {
                    let _ = write!(out, "{number}");
                }
            }
            ("BLOB", _) | ("TEXT", ColumnKind::Bytes) => {
                let bytes: Vec<u8> = row.try_get(i).map_err(|e| e.to_string())?;
                out.push_str("\\\\x");
                for byte in bytes {
                    let _ = write!(out, "{byte:02x}");
                }
            }
            ("TEXT", _) => {
                let text: &str = row.try_get(i).map_err(|e| e.to_string())?;
                escape_copy_text(out, text);
            }
            (other, _) => return Err(format!("column {} holds a value of type {other}", column.name)),
        }
    }
    out.push('\n');
    Ok(())
}

fn escape_copy_text(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::escape_copy_text;

    #[test]
    fn copy_text_escapes_the_characters_that_end_a_field_or_a_row() {
        let mut out = String::new();
        escape_copy_text(&mut out, "a\\b\tc\nd\re é");
        assert_eq!(out, "a\\\\b\\tc\\nd\\re é");
    }
}
