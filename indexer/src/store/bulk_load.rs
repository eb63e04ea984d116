//! How a bulk load sets the database up for speed and puts it back: pragmas for the load's
//! connection, and the secondary indexes of the tables it writes dropped for a big load into a
//! nearly empty directory and built once at its end (their definitions kept in `meta` first, so
//! opening a directory builds any an interrupted load left dropped).

use crate::store::db::{self, Backend, Conn};

use super::Store;
use crate::error::Result;

/// Pragmas for a long load on one connection: a bigger page cache, temporary tables in
/// memory, sorts on two threads and checkpoints less often. [`restore_load_pragmas`] puts them back before the connection returns to the pool.
pub async fn set_load_pragmas(conn: &mut Conn<'_>) -> Result<()> {
    if conn.backend() != Backend::Sqlite {
        return Ok(());
    }
    db::query("PRAGMA cache_size = -262144").execute(&mut *conn).await?;
    db::query("PRAGMA temp_store = MEMORY").execute(&mut *conn).await?;
    // Helper threads for the sorts that build indexes again at the end of a load.
    db::query("PRAGMA threads = 2").execute(&mut *conn).await?;
    // A checkpoint when the log holds 64 MB rather than 4 MB: a chunk's commit writes several
    // MB of pages, and checkpointing after each one cost a re-import of changed records a tenth.
    db::query("PRAGMA wal_autocheckpoint = 16384")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Puts back the defaults [`set_load_pragmas`] changed.
pub async fn restore_load_pragmas(conn: &mut Conn<'_>) -> Result<()> {
    if conn.backend() != Backend::Sqlite {
        return Ok(());
    }
    db::query("PRAGMA cache_size = -2000").execute(&mut *conn).await?;
    db::query("PRAGMA temp_store = DEFAULT").execute(&mut *conn).await?;
    db::query("PRAGMA threads = 0").execute(&mut *conn).await?;
    db::query("PRAGMA wal_autocheckpoint = 1000")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The tables a bulk load writes whose secondary indexes it may build at its end instead.
const LOADED_TABLES: &[&str] = &[
    "organizations",
    "locations",
    "services",
    "service_needs",
    "service_areas",
    "service_at_location",
    "schedules",
    "import_records",
    "audit_log",
];

/// The `meta` key holding the definitions of indexes a load dropped and has not built again.
const DEFERRED_INDEXES: &str = "bulk_deferred_indexes";

/// Drops the secondary indexes of the tables a bulk load writes, to build them once at its end
/// ([`restore_deferred_indexes`]): each new row with random ids otherwise lands on a random
/// page of every index, and a load rewrote the same index pages chunk after chunk. Only
/// non-unique indexes with a definition are dropped (constraints stay enforced), and their
/// definitions are kept in `meta` first, so a load that dies half way leaves them to be built
/// on the next opening. Returns how many were dropped.
///
/// SQLite only: PostgreSQL builds its indexes as rows arrive at no such cost to a load, and a
/// shared database keeps serving the other replicas' reads while one loads.
pub async fn defer_indexes(conn: &mut Conn<'_>) -> Result<usize> {
    if conn.backend() != Backend::Sqlite {
        return Ok(0);
    }
    let tables = serde_json::to_string(LOADED_TABLES).unwrap_or_else(|_| "[]".into());
    let indexes: Vec<(String, String)> = db::query_as(
        "SELECT name, sql FROM sqlite_master
         WHERE type = 'index' AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'
           AND tbl_name IN (SELECT value FROM json_each(?))
         ORDER BY name",
    )
    .bind(tables)
    .fetch_all(&mut *conn)
    .await?;
    if indexes.is_empty() {
        return Ok(0);
    }
    let mut tx = conn.begin().await?;
    let mut kept: Vec<String> = match db::query_scalar::<String>("SELECT value FROM meta WHERE key = ?")
        .bind(DEFERRED_INDEXES)
        .fetch_optional(&mut tx)
        .await?
    {
        Some(raw) => super::rows::json(&raw)?,
        None => Vec::new(),
    };
    kept.extend(indexes.iter().map(|(_, sql)| sql.clone()));
    super::set_meta(
        &mut tx,
        DEFERRED_INDEXES,
        &serde_json::to_string(&kept).unwrap_or_else(|_| "[]".into()),
    )
    .await?;
    for (name, _) in &indexes {
        // The name comes from sqlite_master; quoted as an identifier all the same.
        db::query(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))
            .execute(&mut tx)
            .await?;
    }
    tx.commit().await?;
    Ok(indexes.len())
}

/// Builds again every index [`defer_indexes`] dropped (none: nothing to do). Run at the end of
/// a load, and when a directory opens (a load that died half way).
pub async fn restore_deferred_indexes(conn: &mut Conn<'_>) -> Result<usize> {
    let Some(raw) = db::query_scalar::<String>("SELECT value FROM meta WHERE key = ?")
        .bind(DEFERRED_INDEXES)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(0);
    };
    let definitions: Vec<String> = super::rows::json(&raw)?;
    let mut tx = conn.begin().await?;
    for definition in &definitions {
        let Some(rest) = definition.strip_prefix("CREATE INDEX ") else {
            return Err(crate::Error::invalid(
                DEFERRED_INDEXES,
                format!("not an index definition: {definition:?}"),
            ));
        };
        db::query(&format!("CREATE INDEX IF NOT EXISTS {rest}"))
            .execute(&mut tx)
            .await?;
    }
    db::query("DELETE FROM meta WHERE key = ?")
        .bind(DEFERRED_INDEXES)
        .execute(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(definitions.len())
}

/// Whether a load is big beside what the directory holds, so that building the indexes once at
/// its end beats keeping them up to date: at most `services_below` services now.
pub async fn few_services(conn: &mut Conn<'_>, services_below: i64) -> Result<bool> {
    let held: i64 = db::query_scalar("SELECT COUNT(*) FROM (SELECT 1 FROM services LIMIT ?) AS held")
        .bind(services_below)
        .fetch_one(&mut *conn)
        .await?;
    Ok(held < services_below)
}

impl Store {
    /// Builds the indexes a bulk load dropped and never built again (it died half way); what
    /// opening a directory runs. Returns how many were built.
    pub async fn restore_deferred_indexes(&self) -> Result<usize> {
        let mut conn = self.pool().acquire().await?;
        let built = restore_deferred_indexes(&mut conn).await?;
        if built > 0 {
            tracing::warn!(built, "built the indexes an interrupted bulk import had dropped");
        }
        Ok(built)
    }
}
