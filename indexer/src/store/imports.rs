//! Imports' SQL: registered sources and their runs, and the links from each source record to
//! the listing it became (with the hash of its content as last read). Reads for a batch are
//! set-wise: one query per kind of record for the whole batch.

use std::collections::HashMap;

use crate::store::db::{self, Conn};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::rows::uuid;
use super::Store;
use crate::error::Result;
use crate::imports::record::{ImportCounts, SourceKind, SourceRef, Trust};

/// Ids bound per statement in set-wise reads (SQLite allows 32,766 variables).
const IDS_PER_QUERY: usize = 500;

/// What a link table row says about one source record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordLink {
    pub entity_id: Uuid,
    pub content_hash: String,
    /// The source created the listing (rather than being linked to one the directory held).
    pub created_by_source: bool,
    pub archived_by_source: bool,
    pub detached: bool,
}

/// Where a listing came from, for the API to show and attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    pub source_id: Uuid,
    pub source_name: String,
    pub source_kind: SourceKind,
    pub source_record_id: String,
    pub attribution: Option<String>,
    pub last_read_at: DateTime<Utc>,
    pub created_by_source: bool,
    pub detached_at: Option<DateTime<Utc>>,
}

/// source id, name, kind, record id, attribution, last read, created by source, detached at,
/// when the source's whole list was last read (for a record that time covers).
type ProvenanceRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    db::Stamp,
    db::Flag,
    db::MaybeStamp,
    db::MaybeStamp,
);

/// A registered source with its last run, as admins see it.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceStatus {
    pub source: SourceRef,
    pub refresh_minutes: Option<i64>,
    pub config: serde_json::Value,
    pub cursor: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_run_started_at: Option<DateTime<Utc>>,
    pub last_run_finished_at: Option<DateTime<Utc>>,
    pub last_run_status: Option<String>,
    pub last_run_counts: Option<ImportCounts>,
    pub last_run_errors: Vec<String>,
}

#[derive(sqlx::FromRow)]
struct SourceRow {
    id: String,
    name: String,
    kind: String,
    location: String,
    trust: String,
    attribution: Option<String>,
    #[sqlx(try_from = "crate::store::db::Flag")]
    keep_ids: bool,
    refresh_minutes: Option<i64>,
    config: String,
    cursor: Option<String>,
    #[sqlx(try_from = "crate::store::db::Stamp")]
    created_at: DateTime<Utc>,
    #[sqlx(try_from = "crate::store::db::MaybeStamp")]
    last_run_started_at: Option<DateTime<Utc>>,
    #[sqlx(try_from = "crate::store::db::MaybeStamp")]
    last_run_finished_at: Option<DateTime<Utc>>,
    last_run_status: Option<String>,
    last_run_counts: Option<String>,
    last_run_errors: Option<String>,
}

impl SourceRow {
    fn into_status(self) -> Result<SourceStatus> {
        let corrupt = |e: crate::ParseError| crate::Error::Database(sqlx::Error::Decode(e.0.into()));
        Ok(SourceStatus {
            source: SourceRef {
                id: uuid(&self.id)?,
                name: self.name,
                kind: SourceKind::parse(&self.kind).map_err(corrupt)?,
                trust: Trust::parse(&self.trust).map_err(corrupt)?,
                location: self.location,
                attribution: self.attribution,
                keep_ids: self.keep_ids,
            },
            refresh_minutes: self.refresh_minutes,
            config: serde_json::from_str(&self.config).unwrap_or(serde_json::Value::Null),
            cursor: self.cursor,
            created_at: self.created_at,
            last_run_started_at: self.last_run_started_at,
            last_run_finished_at: self.last_run_finished_at,
            last_run_status: self.last_run_status,
            last_run_counts: self
                .last_run_counts
                .as_deref()
                .and_then(|raw| serde_json::from_str(raw).ok()),
            last_run_errors: self
                .last_run_errors
                .as_deref()
                .and_then(|raw| serde_json::from_str(raw).ok())
                .unwrap_or_default(),
        })
    }
}

impl Store {
    /// Registers a source, or updates its kind, location, trust, attribution and refresh
    /// interval if one of that name exists (its id, cursor and links stay).
    pub async fn save_source(
        &self,
        source: &SourceRef,
        refresh_minutes: Option<i64>,
        config: &serde_json::Value,
    ) -> Result<()> {
        db::query(
            "INSERT INTO import_sources (id, name, kind, location, trust, attribution, keep_ids, refresh_minutes, config, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, location = excluded.location, trust = excluded.trust,
                attribution = excluded.attribution, keep_ids = excluded.keep_ids,
                refresh_minutes = excluded.refresh_minutes, config = excluded.config",
        )
        .bind(source.id.to_string())
        .bind(&source.name)
        .bind(source.kind.as_str())
        .bind(&source.location)
        .bind(source.trust.as_str())
        .bind(&source.attribution)
        .bind(source.keep_ids)
        .bind(refresh_minutes)
        .bind(config.to_string())
        .bind(Utc::now())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// A source by its name.
    pub async fn source_by_name(&self, name: &str) -> Result<Option<SourceStatus>> {
        let row: Option<SourceRow> = db::query_as("SELECT * FROM import_sources WHERE name = ?")
            .bind(name)
            .fetch_optional(self.pool())
            .await?;
        row.map(SourceRow::into_status).transpose()
    }

    /// Every registered source, by name.
    pub async fn sources(&self) -> Result<Vec<SourceStatus>> {
        let rows: Vec<SourceRow> = db::query_as("SELECT * FROM import_sources ORDER BY name")
            .fetch_all(self.pool())
            .await?;
        rows.into_iter().map(SourceRow::into_status).collect()
    }

    /// Removes a source's registration; refused by the caller while it has links.
    pub async fn delete_source(&self, source_id: Uuid) -> Result<bool> {
        let done = db::query("DELETE FROM import_sources WHERE id = ? AND NOT EXISTS (SELECT 1 FROM import_records WHERE source_id = ?1)")
            .bind(source_id.to_string())
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Records that a run started; returns the run's id.
    pub async fn start_import_run(&self, source_id: Uuid) -> Result<i64> {
        let now = Utc::now();
        let mut tx = self.begin_write().await?;
        let id: i64 = db::query_scalar(
            "INSERT INTO import_runs (source_id, started_at, status) VALUES (?, ?, 'running') RETURNING id",
        )
        .bind(source_id.to_string())
        .bind(now)
        .fetch_one(&mut tx)
        .await?;
        db::query("UPDATE import_sources SET last_run_started_at = ?, last_run_finished_at = NULL, last_run_status = 'running' WHERE id = ?")
            .bind(now)
            .bind(source_id.to_string())
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Records how a run ended: `succeeded` or `failed`, its counts and first errors.
    pub async fn finish_import_run(
        &self,
        source_id: Uuid,
        run_id: i64,
        status: &str,
        counts: &ImportCounts,
        errors: &[String],
    ) -> Result<()> {
        let now = Utc::now();
        let counts = serde_json::to_string(counts).unwrap_or_else(|_| "{}".into());
        let errors = serde_json::to_string(errors).unwrap_or_else(|_| "[]".into());
        let mut tx = self.begin_write().await?;
        db::query("UPDATE import_runs SET finished_at = ?, status = ?, counts = ?, errors = ? WHERE id = ?")
            .bind(now)
            .bind(status)
            .bind(&counts)
            .bind(&errors)
            .bind(run_id)
            .execute(&mut tx)
            .await?;
        db::query(
            "UPDATE import_sources SET last_run_finished_at = ?, last_run_status = ?, last_run_counts = ?, last_run_errors = ? WHERE id = ?",
        )
        .bind(now)
        .bind(status)
        .bind(&counts)
        .bind(&errors)
        .bind(source_id.to_string())
        .execute(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Where the source's next run resumes.
    pub async fn source_cursor(&self, source_id: Uuid) -> Result<Option<String>> {
        let cursor: Option<Option<String>> = db::query_scalar("SELECT cursor FROM import_sources WHERE id = ?")
            .bind(source_id.to_string())
            .fetch_optional(self.pool())
            .await?;
        Ok(cursor.flatten())
    }

    /// Where the source's records came from, for an entity (a service or organisation).
    pub async fn provenance(&self, entity_id: Uuid) -> Result<Option<Provenance>> {
        let row: Option<ProvenanceRow> =
            db::query_as(
                "SELECT s.id, s.name, s.kind, r.source_record_id, s.attribution, r.last_read_at, r.created_by_source, r.detached_at,
                        CASE WHEN r.kind = 'service' AND r.archived_by_source = 0 AND r.detached_at IS NULL
                             THEN s.read_all_at END
                 FROM import_records r JOIN import_sources s ON s.id = r.source_id
                 WHERE r.entity_id = ? ORDER BY r.created_by_source DESC, r.last_read_at DESC LIMIT 1",
            )
            .bind(entity_id.to_string())
            .fetch_optional(self.pool())
            .await?;
        let Some((id, name, kind, record, attribution, last_read_at, created, detached_at, read_all_at)) = row else {
            return Ok(None);
        };
        Ok(Some(Provenance {
            source_id: uuid(&id)?,
            source_name: name,
            source_kind: SourceKind::parse(&kind)
                .map_err(|e| crate::Error::Database(sqlx::Error::Decode(e.0.into())))?,
            source_record_id: record,
            attribution,
            // A run that read the whole list wrote its time on the source, not on each record.
            last_read_at: read_all_at.0.map_or(last_read_at.0, |all| all.max(last_read_at.0)),
            created_by_source: created.0,
            detached_at: detached_at.0,
        }))
    }

    /// Every organisation that is not archived, for duplicate matching: id, name, postcode,
    /// identifiers (JSON).
    pub async fn organizations_for_matching(&self) -> Result<Vec<(Uuid, String, Option<String>, String)>> {
        let rows: Vec<(String, String, Option<String>, String)> =
            db::query_as("SELECT id, name, postcode, identifiers FROM organizations WHERE archived_at IS NULL")
                .fetch_all(self.pool())
                .await?;
        rows.into_iter()
            .map(|(id, name, postcode, identifiers)| Ok((uuid(&id)?, name, postcode, identifiers)))
            .collect()
    }

    /// Each organisation (not archived) with the postcodes of its services' venues.
    pub async fn organization_venue_postcodes(&self) -> Result<Vec<(Uuid, String, String)>> {
        let rows: Vec<(String, String, String)> = db::query_as(
            "SELECT DISTINCT o.id, o.name, l.postcode FROM organizations o
             JOIN services s ON s.organization_id = o.id
             JOIN service_at_location sal ON sal.service_id = s.id
             JOIN locations l ON l.id = sal.location_id
             WHERE o.archived_at IS NULL AND l.postcode IS NOT NULL",
        )
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|(id, name, postcode)| Ok((uuid(&id)?, name, postcode)))
            .collect()
    }

    /// The source (by name) that keeps a listing (or a schedule's service), when one created it
    /// and it is not detached.
    pub async fn keeping_source(&self, entity_id: Uuid) -> Result<Option<String>> {
        Ok(db::query_scalar(
            "SELECT s.name FROM import_records r JOIN import_sources s ON s.id = r.source_id
             WHERE r.entity_id IN (?1, (SELECT service_id FROM schedules WHERE id = ?1))
               AND r.created_by_source = 1 AND r.detached_at IS NULL LIMIT 1",
        )
        .bind(entity_id.to_string())
        .fetch_optional(self.pool())
        .await?)
    }
}

/// Saves where the source's next run resumes (inside the batch's transaction, so a batch and
/// its cursor commit together).
pub async fn set_source_cursor(conn: &mut Conn<'_>, source_id: Uuid, cursor: Option<&str>) -> Result<()> {
    db::query("UPDATE import_sources SET cursor = ? WHERE id = ?")
        .bind(cursor)
        .bind(source_id.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// The links of a source's records of one kind, for a batch of record ids.
pub async fn record_links(
    conn: &mut Conn<'_>,
    source_id: Uuid,
    kind: &str,
    record_ids: &[&str],
) -> Result<HashMap<String, RecordLink>> {
    let mut links = HashMap::with_capacity(record_ids.len());
    for chunk in record_ids.chunks(IDS_PER_QUERY) {
        let sql = format!(
            "SELECT source_record_id, entity_id, content_hash, created_by_source, archived_by_source, detached_at IS NOT NULL
             FROM import_records WHERE source_id = ? AND kind = ? AND source_record_id IN ({})",
            vec!["?"; chunk.len()].join(", ")
        );
        let mut query = db::query_as::<(String, String, String, db::Flag, db::Flag, db::Flag)>(&sql)
            .bind(source_id.to_string())
            .bind(kind);
        for id in chunk {
            query = query.bind(*id);
        }
        for (record, entity, hash, created, archived, detached) in query.fetch_all(&mut *conn).await? {
            links.insert(
                record,
                RecordLink {
                    entity_id: uuid(&entity)?,
                    content_hash: hash,
                    created_by_source: created.0,
                    archived_by_source: archived.0,
                    detached: detached.0,
                },
            );
        }
    }
    Ok(links)
}

/// Saves (or replaces) one record's link.
#[allow(clippy::too_many_arguments)]
pub async fn save_record_link(
    conn: &mut Conn<'_>,
    source_id: Uuid,
    kind: &str,
    record_id: &str,
    entity_id: Uuid,
    content_hash: &str,
    created_by_source: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    db::query(
        "INSERT INTO import_records (source_id, kind, source_record_id, entity_id, content_hash, created_by_source, last_read_at, archived_by_source)
         VALUES (?, ?, ?, ?, ?, ?, ?, 0)
         ON CONFLICT (source_id, kind, source_record_id) DO UPDATE SET entity_id = excluded.entity_id,
            content_hash = excluded.content_hash, created_by_source = excluded.created_by_source,
            last_read_at = excluded.last_read_at, archived_by_source = 0, line_hash = NULL",
    )
    .bind(source_id.to_string())
    .bind(kind)
    .bind(record_id)
    .bind(entity_id.to_string())
    .bind(content_hash)
    .bind(created_by_source)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records that unchanged records were read again (provenance's "last read"), set-wise.
pub async fn touch_record_links(
    conn: &mut Conn<'_>,
    source_id: Uuid,
    kind: &str,
    record_ids: &[&str],
    now: DateTime<Utc>,
) -> Result<()> {
    for chunk in record_ids.chunks(IDS_PER_QUERY) {
        let sql = format!(
            "UPDATE import_records SET last_read_at = ? WHERE source_id = ? AND kind = ? AND source_record_id IN ({})",
            vec!["?"; chunk.len()].join(", ")
        );
        let mut query = db::query(&sql).bind(now).bind(source_id.to_string()).bind(kind);
        for id in chunk {
            query = query.bind(*id);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Marks a record's listing as archived by its source.
pub async fn mark_archived_by_source(conn: &mut Conn<'_>, source_id: Uuid, kind: &str, record_id: &str) -> Result<()> {
    db::query(
        "UPDATE import_records SET archived_by_source = 1 WHERE source_id = ? AND kind = ? AND source_record_id = ?",
    )
    .bind(source_id.to_string())
    .bind(kind)
    .bind(record_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Which of `ids` already name a row of `table` (`services`, `organizations`, `locations`,
/// `schedules`).
pub async fn existing_ids(conn: &mut Conn<'_>, table: &str, ids: &[Uuid]) -> Result<std::collections::HashSet<Uuid>> {
    let table = match table {
        "services" | "organizations" | "locations" | "schedules" => table,
        other => return Err(crate::Error::invalid("table", format!("unknown table {other:?}"))),
    };
    let mut found = std::collections::HashSet::new();
    for chunk in ids.chunks(IDS_PER_QUERY) {
        let sql = format!(
            "SELECT id FROM {table} WHERE id IN ({})",
            vec!["?"; chunk.len()].join(", ")
        );
        let mut query = db::query_scalar::<String>(&sql);
        for id in chunk {
            query = query.bind(id.to_string());
        }
        for id in query.fetch_all(&mut *conn).await? {
            found.insert(uuid(&id)?);
        }
    }
    Ok(found)
}

/// Records of a source, of one kind, whose listings it created and still keeps (not archived
/// by it, not detached): what a full run compares against what it read.
pub async fn kept_records(store: &Store, source_id: Uuid, kind: &str) -> Result<Vec<String>> {
    Ok(db::query_scalar(
        "SELECT source_record_id FROM import_records
         WHERE source_id = ? AND kind = ? AND archived_by_source = 0 AND created_by_source = 1 AND detached_at IS NULL
         ORDER BY source_record_id",
    )
    .bind(source_id.to_string())
    .bind(kind)
    .fetch_all(store.pool())
    .await?)
}

/// Cuts a listing loose from the sources that created it; returns how many links were cut.
pub async fn detach(conn: &mut Conn<'_>, entity_id: Uuid, now: DateTime<Utc>) -> Result<u64> {
    let done = db::query("UPDATE import_records SET detached_at = ? WHERE entity_id = ? AND detached_at IS NULL AND created_by_source = 1")
        .bind(now)
        .bind(entity_id.to_string())
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// Appends an audit entry made by a source (`updated_by` is `import:<source>`) or about one.
#[allow(clippy::too_many_arguments)]
pub async fn audit_by_source(
    conn: &mut Conn<'_>,
    resource_type: &str,
    resource_id: Uuid,
    action: &str,
    updated_by: &str,
    version: Option<i64>,
    reason: Option<&str>,
    changes: &str,
) -> Result<()> {
    db::query(
        "INSERT INTO audit_log (resource_type, resource_id, last_action_type, last_action_date, actor_id, updated_by, version, reason, changes)
         VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?)",
    )
    .bind(resource_type)
    .bind(resource_id.to_string())
    .bind(action)
    .bind(Utc::now())
    .bind(updated_by)
    .bind(version)
    .bind(reason)
    .bind(changes)
    .execute(conn)
    .await?;
    Ok(())
}

/// Archives a schedule of a service that its source no longer lists.
pub async fn archive_schedules_except(conn: &mut Conn<'_>, service_id: Uuid, keep: &[Uuid]) -> Result<()> {
    let ids: Vec<String> = db::query_scalar("SELECT id FROM schedules WHERE service_id = ? AND archived_at IS NULL")
        .bind(service_id.to_string())
        .fetch_all(&mut *conn)
        .await?;
    let now = Utc::now();
    for id in ids {
        if keep.iter().any(|kept| kept.to_string() == id) {
            continue;
        }
        db::query("UPDATE schedules SET archived_at = ?, version = version + 1 WHERE id = ?")
            .bind(now)
            .bind(&id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Archives a listing row (services or organizations) on its source's word; returns its version.
pub async fn archive_listing(conn: &mut Conn<'_>, table: &str, id: Uuid) -> Result<Option<i64>> {
    let table = match table {
        "services" | "organizations" => table,
        other => return Err(crate::Error::invalid("table", format!("unknown table {other:?}"))),
    };
    Ok(db::query_scalar(&format!(
        "UPDATE {table} SET archived_at = ?, version = version + 1, updated_at = ? WHERE id = ? AND archived_at IS NULL RETURNING version"
    ))
    .bind(Utc::now())
    .bind(Utc::now())
    .bind(id.to_string())
    .fetch_optional(conn)
    .await?)
}
