//! Reads and writes behind the RPDE feeds: services in change-log order (`feed_seq`, id), and
//! the materialised OpenActive scheduled sessions with their own `modified` counter.

use crate::store::db::{self, Backend};
use chrono::{DateTime, FixedOffset};
use uuid::Uuid;

use super::rows::uuid;
use super::{set_meta, Store};
use crate::error::{Error, Result};

/// One service's place in the change-log ordering, and whether the public may see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedEntry {
    pub id: Uuid,
    /// The change-log `seq` of the service's newest change (0 for seeded or bulk-loaded ones).
    pub modified: i64,
    /// Published, not archived, and its organisation too. A feed shows the others as deleted.
    pub is_public: bool,
}

/// One materialised OpenActive scheduled session (or its tombstone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSession {
    pub id: Uuid,
    pub service_id: Uuid,
    pub schedule_id: Uuid,
    pub starts_at: DateTime<FixedOffset>,
    pub ends_at: DateTime<FixedOffset>,
    pub modified: i64,
    pub deleted: bool,
}

/// A session a refresh wants live: times as RFC 3339 text with the Europe/London offset.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WantedSession {
    pub id: Uuid,
    pub service_id: Uuid,
    pub schedule_id: Uuid,
    pub starts_at: String,
    pub ends_at: String,
}

/// What one refresh of the scheduled sessions writes, if nothing else refreshed meanwhile.
#[derive(Debug, Clone, Default)]
pub struct SessionChanges {
    /// The refresh marker read before the refresh worked out its changes.
    pub based_on: Option<String>,
    /// The marker to store with the changes.
    pub marker: String,
    /// Sessions to make live (new, moved, or back after a tombstone).
    pub upserts: Vec<WantedSession>,
    /// Live sessions to turn into tombstones.
    pub tombstones: Vec<Uuid>,
}

/// The `meta` key holding the last session refresh's marker.
pub const SESSIONS_MARKER_KEY: &str = "openactive_sessions_refreshed";

/// Live-session columns, in [`session_of`]'s order.
const SESSION_COLUMNS: &str = "id, service_id, schedule_id, starts_at, ends_at, modified, deleted";

type SessionTuple = (String, String, String, String, String, i64, db::Flag);

fn session_of(row: SessionTuple) -> Result<StoredSession> {
    let time = |raw: &str| {
        DateTime::parse_from_rfc3339(raw).map_err(|e| {
            Error::Database(sqlx::Error::Decode(
                format!("scheduled_sessions time {raw:?}: {e}").into(),
            ))
        })
    };
    Ok(StoredSession {
        id: uuid(&row.0)?,
        service_id: uuid(&row.1)?,
        schedule_id: uuid(&row.2)?,
        starts_at: time(&row.3)?,
        ends_at: time(&row.4)?,
        modified: row.5,
        deleted: row.6 .0,
    })
}

fn ids_json(ids: &[Uuid]) -> String {
    serde_json::to_string(&ids.iter().map(Uuid::to_string).collect::<Vec<_>>()).unwrap_or_default()
}

impl Store {
    /// Every service after `after` = (modified, id) in (feed_seq, id) order, at most `limit`:
    /// the position of each in the feeds and whether it is public. Walks the `(feed_seq, id)`
    /// index from the cursor (a row-value comparison SQLite seeks to), so a page costs the
    /// same at a million services as at a hundred.
    pub async fn services_after(&self, after: Option<(i64, Uuid)>, limit: i64) -> Result<Vec<FeedEntry>> {
        const PUBLIC: &str = "s.publication = 'published' AND s.archived_at IS NULL
            AND EXISTS (SELECT 1 FROM organizations o WHERE o.id = s.organization_id
                        AND o.publication = 'published' AND o.archived_at IS NULL)";
        let rows: Vec<(String, i64, db::Flag)> = match after {
            None => {
                db::query_as(&format!(
                    "SELECT s.id, s.feed_seq, {PUBLIC} FROM services s ORDER BY s.feed_seq, s.id LIMIT ?1"
                ))
                .bind(limit)
                .fetch_all(self.read_pool())
                .await?
            }
            Some((modified, id)) => {
                db::query_as(&format!(
                    "SELECT s.id, s.feed_seq, {PUBLIC} FROM services s
                     WHERE (s.feed_seq, s.id) > (?1, ?2) ORDER BY s.feed_seq, s.id LIMIT ?3"
                ))
                .bind(modified)
                .bind(id.to_string())
                .bind(limit)
                .fetch_all(self.read_pool())
                .await?
            }
        };
        rows.into_iter()
            .map(|(id, modified, is_public)| {
                Ok(FeedEntry {
                    id: uuid(&id)?,
                    modified,
                    is_public: is_public.0,
                })
            })
            .collect()
    }

    /// The largest service `feed_seq` (0 when none has changed since it was loaded).
    pub async fn max_service_feed_seq(&self) -> Result<i64> {
        Ok(db::query_scalar("SELECT COALESCE(MAX(feed_seq), 0) FROM services")
            .fetch_one(self.pool())
            .await?)
    }

    /// Ids of the services whose `feed_seq` is above `seq` (changed since then).
    pub async fn services_changed_since(&self, seq: i64) -> Result<Vec<Uuid>> {
        let rows: Vec<String> = db::query_scalar("SELECT id FROM services WHERE feed_seq > ? ORDER BY id")
            .bind(seq)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(|id| uuid(id)).collect()
    }

    /// Ids of the services that may have sessions: public, active and with an activity and a
    /// schedule, and those that have live sessions now (which may have to become tombstones).
    pub async fn services_with_sessions(&self) -> Result<Vec<Uuid>> {
        let rows: Vec<String> = db::query_scalar(
            "SELECT s.id FROM public_services s
             WHERE s.status = 'active' AND s.activity_concepts <> '[]'
               AND EXISTS (SELECT 1 FROM public_schedules sc WHERE sc.service_id = s.id)
             UNION
             SELECT service_id FROM scheduled_sessions WHERE deleted = 0",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|id| uuid(id)).collect()
    }

    /// The live (not deleted) sessions of the given services.
    pub async fn live_sessions_of(&self, service_ids: &[Uuid]) -> Result<Vec<StoredSession>> {
        let rows: Vec<SessionTuple> = db::query_as(&format!(
            "SELECT {SESSION_COLUMNS} FROM scheduled_sessions
             WHERE deleted = 0 AND service_id IN (SELECT value FROM json_each(?1))"
        ))
        .bind(ids_json(service_ids))
        .fetch_all(self.pool())
        .await?;
        rows.into_iter().map(session_of).collect()
    }

    /// Sessions and tombstones after `after` = (modified, id), in (modified, id) order, at most
    /// `limit`, along the `(modified, id)` index.
    pub async fn sessions_after(&self, after: Option<(i64, Uuid)>, limit: i64) -> Result<Vec<StoredSession>> {
        let rows: Vec<SessionTuple> = match after {
            None => {
                db::query_as(&format!(
                    "SELECT {SESSION_COLUMNS} FROM scheduled_sessions ORDER BY modified, id LIMIT ?1"
                ))
                .bind(limit)
                .fetch_all(self.read_pool())
                .await?
            }
            Some((modified, id)) => {
                db::query_as(&format!(
                    "SELECT {SESSION_COLUMNS} FROM scheduled_sessions
                     WHERE (modified, id) > (?1, ?2) ORDER BY modified, id LIMIT ?3"
                ))
                .bind(modified)
                .bind(id.to_string())
                .bind(limit)
                .fetch_all(self.read_pool())
                .await?
            }
        };
        rows.into_iter().map(session_of).collect()
    }

    /// Writes a refresh's sessions in one write transaction, all with one new `modified`
    /// (greater than any stored, so after everything served before), unless another refresh
    /// stored its marker since `based_on` was read: then nothing is written and `false` comes
    /// back (that refresh saw at least as much; the next one catches up).
    pub async fn save_session_changes(&self, changes: &SessionChanges) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let marker: Option<String> = db::query_scalar("SELECT value FROM meta WHERE key = ?")
            .bind(SESSIONS_MARKER_KEY)
            .fetch_optional(&mut tx)
            .await?;
        if marker != changes.based_on {
            return Ok(false);
        }
        let modified: i64 = db::query_scalar("SELECT COALESCE(MAX(modified), 0) + 1 FROM scheduled_sessions")
            .fetch_one(&mut tx)
            .await?;
        if !changes.upserts.is_empty() {
            let upserts = serde_json::to_string(&changes.upserts).unwrap_or_default();
            // The array's elements as JSON values (SQLite's `json_each`; PostgreSQL's own).
            let elements = match tx.backend() {
                Backend::Sqlite => "json_each(?1)",
                Backend::Postgres => "json_array_elements(CAST(?1 AS json)) AS element(value)",
            };
            db::query(&format!(
                "INSERT INTO scheduled_sessions (id, service_id, schedule_id, starts_at, ends_at, modified, deleted)
                 SELECT value ->> 'id', value ->> 'service_id', value ->> 'schedule_id',
                        value ->> 'starts_at', value ->> 'ends_at', ?2, 0
                 FROM {elements} WHERE true
                 ON CONFLICT (id) DO UPDATE SET starts_at = excluded.starts_at, ends_at = excluded.ends_at,
                     modified = excluded.modified, deleted = 0"
            ))
            .bind(upserts)
            .bind(modified)
            .execute(&mut tx)
            .await?;
        }
        if !changes.tombstones.is_empty() {
            db::query(
                "UPDATE scheduled_sessions SET deleted = 1, modified = ?2
                 WHERE id IN (SELECT value FROM json_each(?1)) AND deleted = 0",
            )
            .bind(ids_json(&changes.tombstones))
            .bind(modified)
            .execute(&mut tx)
            .await?;
        }
        set_meta(&mut tx, SESSIONS_MARKER_KEY, &changes.marker).await?;
        tx.commit().await?;
        Ok(true)
    }
}
