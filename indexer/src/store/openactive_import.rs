//! The OpenActive consumer's memory of a source's feed items (migration `0009`): the newest
//! version of every series and session read, so a split feed's parts join whatever order they
//! arrive in, within a run and across runs.

use crate::store::db::{self, Conn};
use uuid::Uuid;

use super::Store;
use crate::error::Result;

/// Whether an item is a series (the listing) or a session (one occurrence of a series).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenactiveItemKind {
    Series,
    Session,
}

impl OpenactiveItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OpenactiveItemKind::Series => "series",
            OpenactiveItemKind::Session => "session",
        }
    }
}

/// One item as last read.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredOpenactiveItem {
    pub item_id: String,
    pub series_key: Option<String>,
    pub deleted: bool,
    /// The item's `data` as JSON text (`None` when deleted).
    pub data: Option<String>,
}

/// Saves an item's newest version (replacing the one before).
pub async fn save_openactive_item(
    conn: &mut Conn<'_>,
    source_id: Uuid,
    kind: OpenactiveItemKind,
    item: &StoredOpenactiveItem,
    modified: &str,
) -> Result<()> {
    db::query(
        "INSERT INTO openactive_items (source_id, kind, item_id, modified, series_key, deleted, data)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (source_id, kind, item_id) DO UPDATE SET modified = excluded.modified,
            series_key = COALESCE(excluded.series_key, openactive_items.series_key),
            deleted = excluded.deleted, data = excluded.data",
    )
    .bind(source_id.to_string())
    .bind(kind.as_str())
    .bind(&item.item_id)
    .bind(modified)
    .bind(&item.series_key)
    .bind(item.deleted)
    .bind(&item.data)
    .execute(conn)
    .await?;
    Ok(())
}

type ItemRow = (String, Option<String>, db::Flag, Option<String>);

fn item_of((item_id, series_key, deleted, data): ItemRow) -> StoredOpenactiveItem {
    StoredOpenactiveItem {
        item_id,
        series_key,
        deleted: deleted.0,
        data,
    }
}

impl Store {
    /// Items of a source by kind and item id (one query for a page's worth).
    pub async fn openactive_items(
        &self,
        source_id: Uuid,
        kind: OpenactiveItemKind,
        item_ids: &[String],
    ) -> Result<Vec<StoredOpenactiveItem>> {
        if item_ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<ItemRow> = db::query_as(
            "SELECT item_id, series_key, deleted, data FROM openactive_items
             WHERE source_id = ? AND kind = ? AND item_id IN (SELECT value FROM json_each(?))",
        )
        .bind(source_id.to_string())
        .bind(kind.as_str())
        .bind(serde_json::to_string(item_ids).unwrap_or_default())
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(item_of).collect())
    }

    /// The series whose key (its `@id`) or item id is one of `keys` (a page's `superEvent`s).
    pub async fn openactive_series_for_keys(
        &self,
        source_id: Uuid,
        keys: &[String],
    ) -> Result<Vec<StoredOpenactiveItem>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<ItemRow> = db::query_as(
            "SELECT item_id, series_key, deleted, data FROM openactive_items
             WHERE source_id = ?1 AND kind = 'series'
               AND (series_key IN (SELECT value FROM json_each(?2)) OR item_id IN (SELECT value FROM json_each(?2)))",
        )
        .bind(source_id.to_string())
        .bind(serde_json::to_string(keys).unwrap_or_default())
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(item_of).collect())
    }

    /// The live sessions pointing at any of `keys` (a series' `@id` and item id).
    pub async fn openactive_sessions_of(&self, source_id: Uuid, keys: &[String]) -> Result<Vec<StoredOpenactiveItem>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<ItemRow> = db::query_as(
            "SELECT item_id, series_key, deleted, data FROM openactive_items
             WHERE source_id = ? AND kind = 'session' AND deleted = 0
               AND series_key IN (SELECT value FROM json_each(?))
             ORDER BY item_id",
        )
        .bind(source_id.to_string())
        .bind(serde_json::to_string(keys).unwrap_or_default())
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(item_of).collect())
    }

    /// Sessions of a source waiting for a series it has never read (for the run's summary).
    pub async fn openactive_orphan_sessions(&self, source_id: Uuid) -> Result<i64> {
        Ok(db::query_scalar(
            "SELECT COUNT(*) FROM openactive_items s
             WHERE s.source_id = ?1 AND s.kind = 'session' AND s.deleted = 0
               AND NOT EXISTS (SELECT 1 FROM openactive_items p WHERE p.source_id = ?1 AND p.kind = 'series'
                               AND (p.series_key = s.series_key OR p.item_id = s.series_key))",
        )
        .bind(source_id.to_string())
        .fetch_one(self.pool())
        .await?)
    }
}
