//! A bulk run's memory of a source's links: every link read once for the run (compact, in
//! pages of JSON), the hash of the line each record was read from, and the few set-wise writes
//! that keep them (records read again, lines kept, the source's whole list read).

use crate::store::db::{self, Backend, Conn};
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::rows::uuid;
use super::Store;
use crate::error::Result;

/// One source link as the bulk path keeps it in memory for a whole run (compact: a million
/// of them fit in about 100 MB).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeptLink {
    pub entity_id: Uuid,
    /// The SHA-256 of the record's content as last read.
    pub hash: [u8; 32],
    pub created_by_source: bool,
    pub archived_by_source: bool,
    pub detached: bool,
    /// The hash of the NDJSON line a bulk run last read the record from, if any
    /// ([`line_hash`]; `import_records.line_hash`).
    pub line: Option<[u8; 16]>,
}

/// The hash a bulk run keeps of an input line (the first 16 bytes of its SHA-256, the line
/// without surrounding whitespace): the same line again is the same record, skipped unparsed.
pub fn line_hash(line: &str) -> [u8; 16] {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(line.trim().as_bytes());
    let mut hash = [0u8; 16];
    hash.copy_from_slice(&digest[..16]);
    hash
}

/// Lower-case hex of `bytes`.
pub(super) fn hex(bytes: &[u8; 16]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(32), |mut out, byte| {
        let _ = write!(out, "{byte:02x}");
        out
    })
}

/// Decodes a stored line hash (32 hex digits; anything else is none).
fn line_bytes(hex: &str) -> Option<[u8; 16]> {
    if hex.len() != 32 || !hex.is_ascii() {
        return None;
    }
    let mut bytes = [0u8; 16];
    for (at, byte) in bytes.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[at * 2..at * 2 + 2], 16).ok()?;
    }
    Some(bytes)
}

/// Decodes a stored content hash (64 hex digits; anything else never matches).
pub fn hash_bytes(hex: &str) -> [u8; 32] {
    let mut bytes = [0u8; 32];
    if hex.len() == 64 {
        for (at, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[at * 2..at * 2 + 2], 16).unwrap_or(0);
        }
    }
    bytes
}

impl Store {
    /// Every link of a source's records of one kind (record id → link), read once for a run.
    ///
    /// Read in pages of [`LINKS_PER_PAGE`], each page one JSON array in one row (in key order,
    /// the next page starting after the last record id): sqlx hands rows over one at a time
    /// between threads, and a row per link cost more than SQLite spent reading them.
    pub async fn all_record_links(&self, source_id: Uuid, kind: &str) -> Result<HashMap<String, KeptLink>> {
        // Sized once: growing a map of a million links page by page cost more than reading them.
        let held: i64 = db::query_scalar("SELECT COUNT(*) FROM import_records WHERE source_id = ? AND kind = ?")
            .bind(source_id.to_string())
            .bind(kind)
            .fetch_one(self.pool())
            .await?;
        let mut links = HashMap::with_capacity(usize::try_from(held).unwrap_or(0));
        let mut after = String::new();
        let sql = match self.backend() {
            Backend::Sqlite => {
                "SELECT json_group_array(json_array(source_record_id, entity_id, content_hash,
                     created_by_source, archived_by_source, detached_at IS NOT NULL, line_hash))
                 FROM (SELECT * FROM import_records
                       WHERE source_id = ? AND kind = ? AND source_record_id > ?
                       ORDER BY source_record_id LIMIT ?) AS page"
            }
            Backend::Postgres => {
                "SELECT COALESCE(json_agg(json_build_array(source_record_id, entity_id, content_hash,
                     created_by_source, archived_by_source, CASE WHEN detached_at IS NULL THEN 0 ELSE 1 END, line_hash)
                     ORDER BY source_record_id), '[]')::text
                 FROM (SELECT * FROM import_records
                       WHERE source_id = ? AND kind = ? AND source_record_id > ?
                       ORDER BY source_record_id LIMIT ?) AS page"
            }
        };
        loop {
            let page: String = db::query_scalar(sql)
                .bind(source_id.to_string())
                .bind(kind)
                .bind(&after)
                .bind(LINKS_PER_PAGE)
                .fetch_one(self.pool())
                .await?;
            let rows: Vec<LinkRow> = super::rows::json(&page)?;
            let Some(last) = rows.last() else {
                return Ok(links);
            };
            after = last.0.clone();
            let full = rows.len() as i64 == LINKS_PER_PAGE;
            for (record, entity, hash, created, archived, detached, line) in rows {
                links.insert(
                    record,
                    KeptLink {
                        entity_id: uuid(&entity)?,
                        hash: hash_bytes(&hash),
                        created_by_source: created != 0,
                        archived_by_source: archived != 0,
                        detached: detached != 0,
                        line: line.as_deref().and_then(line_bytes),
                    },
                );
            }
            if !full {
                return Ok(links);
            }
        }
    }
}

/// A link as [`Store::all_record_links`] reads it: record id, entity id, content hash, created
/// by the source, archived by it, detached, line hash.
type LinkRow = (String, String, String, i64, i64, i64, Option<String>);

/// Links read a page by [`Store::all_record_links`].
const LINKS_PER_PAGE: i64 = 20_000;

/// Records that unchanged records were read again (provenance's "last read"): one statement
/// for any number of them.
pub async fn touch_links(
    conn: &mut Conn<'_>,
    source_id: Uuid,
    kind: &str,
    record_ids: &[String],
    now: DateTime<Utc>,
) -> Result<()> {
    if record_ids.is_empty() {
        return Ok(());
    }
    db::query(
        "UPDATE import_records SET last_read_at = ?
         WHERE source_id = ? AND kind = ? AND source_record_id IN (SELECT value FROM json_each(?))",
    )
    .bind(now)
    .bind(source_id.to_string())
    .bind(kind)
    .bind(serde_json::to_string(record_ids).unwrap_or_else(|_| "[]".into()))
    .execute(conn)
    .await?;
    Ok(())
}

/// Records that a run read the source's whole list at `now` (it archived what it no longer
/// lists): every service record of the source it did not archive was read then, which
/// provenance's "last read" takes into account instead of a write into each record.
pub async fn set_read_all(conn: &mut Conn<'_>, source_id: Uuid, now: DateTime<Utc>) -> Result<()> {
    db::query("UPDATE import_sources SET read_all_at = ? WHERE id = ?")
        .bind(now)
        .bind(source_id.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// Keeps the NDJSON line each service record was just read from (see [`line_hash`]): for
/// records the per-record path wrote (which sets the hash back to none), or found unchanged
/// in a line written differently.
pub async fn set_line_hashes(conn: &mut Conn<'_>, source_id: Uuid, lines: &[(String, [u8; 16])]) -> Result<()> {
    let source = source_id.to_string();
    // A statement for many records (a CASE naming each one's hash): after an upgrade, a first
    // run keeps a million of them, which a statement each took most of a minute to write.
    for chunk in lines.chunks(LINES_PER_STATEMENT) {
        let sql = format!(
            "UPDATE import_records SET line_hash = CASE source_record_id {} END
             WHERE source_id = ? AND kind = 'service' AND source_record_id IN ({})",
            vec!["WHEN ? THEN ?"; chunk.len()].join(" "),
            vec!["?"; chunk.len()].join(", ")
        );
        let mut query = db::query(&sql);
        for (record_id, line) in chunk {
            query = query.bind(record_id).bind(hex(line));
        }
        query = query.bind(&source);
        for (record_id, _) in chunk {
            query = query.bind(record_id);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Records whose line hash one statement of [`set_line_hashes`] writes.
const LINES_PER_STATEMENT: usize = 500;
