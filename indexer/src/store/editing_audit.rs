//! The SQL of the audit trail ([`crate::editing::audit`]): a listing snapshotted as its row
//! (every column) and child rows inside the edit's transaction, an entry appended per change,
//! and a listing's history read back.

use crate::store::db::{self, Conn};
use chrono::{DateTime, Utc};
use serde_json::Value;

use uuid::Uuid;

use super::editing::{child_lists, child_lists_sql, table};
use super::rows::{corrupt, uuid};
use super::Store;
use crate::accounts::Viewer;
use crate::editing::audit::{read_stored_changes, stored_changes, Action, AuditEntry, FieldChange, Snapshot};
use crate::editing::ResourceKind;
use crate::error::Result;

/// The listing's row and child rows, or `None` if there is no such row.
pub async fn snapshot(conn: &mut Conn<'_>, kind: ResourceKind, id: Uuid) -> Result<Option<Snapshot>> {
    snapshot_of(conn, kind, id, "").await
}

/// [`snapshot`], with the listing's row locked until the transaction ends on PostgreSQL (`FOR
/// NO KEY UPDATE`): an edit reads the newest version and no other edit changes it meanwhile.
/// SQLite's edits hold its write lock already.
pub async fn snapshot_locked(conn: &mut Conn<'_>, kind: ResourceKind, id: Uuid) -> Result<Option<Snapshot>> {
    let lock = match conn.backend() {
        db::Backend::Sqlite => "",
        db::Backend::Postgres => " FOR NO KEY UPDATE",
    };
    snapshot_of(conn, kind, id, lock).await
}

/// [`snapshot`] of the listing's row, with its child lists as they are in `earlier` (a
/// snapshot taken in the same transaction, which has not written them since).
pub async fn snapshot_row(
    conn: &mut Conn<'_>,
    kind: ResourceKind,
    id: Uuid,
    earlier: &Snapshot,
) -> Result<Option<Snapshot>> {
    let Some(mut snapshot) = row_snapshot(conn, kind, id, "").await? else {
        return Ok(None);
    };
    for list in child_lists(kind) {
        let values = earlier
            .get(list.name)
            .cloned()
            .unwrap_or_else(|| Value::from(Vec::<String>::new()));
        snapshot.insert(list.name.to_string(), values);
    }
    Ok(Some(snapshot))
}

async fn row_snapshot(conn: &mut Conn<'_>, kind: ResourceKind, id: Uuid, lock: &str) -> Result<Option<Snapshot>> {
    let Some(row) = db::query(&format!("SELECT * FROM {} WHERE id = ?{lock}", table(kind)))
        .bind(id.to_string())
        .fetch_optional_json(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let mut snapshot = Snapshot::new();
    for (name, value) in row {
        // The feeds' position (migration 0006) is bookkeeping of the change log, not content.
        if name == "feed_seq" {
            continue;
        }
        snapshot.insert(name, value);
    }
    Ok(Some(snapshot))
}

async fn snapshot_of(conn: &mut Conn<'_>, kind: ResourceKind, id: Uuid, lock: &str) -> Result<Option<Snapshot>> {
    let Some(mut snapshot) = row_snapshot(conn, kind, id, lock).await? else {
        return Ok(None);
    };
    let lists = child_lists(kind);
    if !lists.is_empty() {
        let mut values: Vec<Vec<String>> = vec![Vec::new(); lists.len()];
        let rows: Vec<(i64, i64, String)> = db::query_as(&child_lists_sql(lists))
            .bind(id.to_string())
            .fetch_all(&mut *conn)
            .await?;
        for (list, _, value) in rows {
            if let Some(list) = values.get_mut(list as usize) {
                list.push(value);
            }
        }
        for (list, values) in lists.iter().zip(values) {
            snapshot.insert(list.name.to_string(), Value::from(values));
        }
    }
    Ok(Some(snapshot))
}

/// [`snapshot`] of many listings of one kind at once (a bulk import's changed listings): three
/// statements, not three a listing. Listings with no row are left out.
pub async fn snapshots(
    conn: &mut Conn<'_>,
    kind: ResourceKind,
    ids: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, Snapshot>> {
    let mut snapshots = std::collections::HashMap::with_capacity(ids.len());
    let list =
        serde_json::to_string(&ids.iter().map(Uuid::to_string).collect::<Vec<_>>()).unwrap_or_else(|_| "[]".into());
    let rows = db::query(&format!(
        "SELECT * FROM {} WHERE id IN (SELECT value FROM json_each(?))",
        table(kind)
    ))
    .bind(&list)
    .fetch_all_json(&mut *conn)
    .await?;
    for row in rows {
        let mut snapshot = Snapshot::new();
        let mut id = None;
        for (name, value) in row {
            if name == "id" {
                id = value.as_str().map(uuid).transpose()?;
            }
            // As in `row_snapshot`: the feeds' position is bookkeeping, not content.
            if name != "feed_seq" {
                snapshot.insert(name, value);
            }
        }
        if let Some(id) = id {
            snapshots.insert(id, snapshot);
        }
    }
    let lists = child_lists(kind);
    if lists.is_empty() {
        return Ok(snapshots);
    }
    let selects: Vec<String> = lists
        .iter()
        .enumerate()
        .map(|(number, child)| {
            format!(
                "SELECT CAST({number} AS BIGINT) AS list, {owner} AS owner, CAST({} AS BIGINT) AS position, {} AS value
                 FROM {} WHERE {owner} IN (SELECT value FROM json_each(?1))",
                child.position.unwrap_or("0"),
                child.value,
                child.table,
                owner = child.owner,
            )
        })
        .collect();
    let rows: Vec<(i64, String, i64, String)> =
        db::query_as(&format!("{} ORDER BY 1, 2, 3, 4", selects.join(" UNION ALL ")))
            .bind(&list)
            .fetch_all(&mut *conn)
            .await?;
    let mut values: std::collections::HashMap<(usize, Uuid), Vec<String>> = std::collections::HashMap::new();
    for (number, owner, _, value) in rows {
        values.entry((number as usize, uuid(&owner)?)).or_default().push(value);
    }
    for (id, snapshot) in snapshots.iter_mut() {
        for (number, child) in lists.iter().enumerate() {
            let list = values.remove(&(number, *id)).unwrap_or_default();
            snapshot.insert(child.name.to_string(), Value::from(list));
        }
    }
    Ok(snapshots)
}

/// Appends an audit entry.
#[allow(clippy::too_many_arguments)]
pub async fn record(
    conn: &mut Conn<'_>,
    kind: ResourceKind,
    id: Uuid,
    action: Action,
    viewer: &Viewer,
    version: Option<i64>,
    reason: Option<&str>,
    changes: &[FieldChange],
) -> Result<()> {
    db::query(
        "INSERT INTO audit_log (resource_type, resource_id, last_action_type, last_action_date, actor_id, updated_by, version, reason, changes)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(kind.as_str())
    .bind(id.to_string())
    .bind(action.as_str())
    .bind(Utc::now())
    .bind(viewer.principal.as_ref().map(|p| p.id.to_string()))
    .bind(viewer.describe())
    .bind(version)
    .bind(reason)
    .bind(stored_changes(changes))
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: i64,
    resource_type: String,
    resource_id: String,
    last_action_type: String,
    #[sqlx(try_from = "crate::store::db::Stamp")]
    last_action_date: DateTime<Utc>,
    actor_id: Option<String>,
    updated_by: String,
    version: Option<i64>,
    reason: Option<String>,
    changes: String,
}

/// A listing's history, oldest first.
pub async fn history(store: &Store, id: Uuid) -> Result<Vec<AuditEntry>> {
    let rows: Vec<AuditRow> = db::query_as("SELECT * FROM audit_log WHERE resource_id = ? ORDER BY id")
        .bind(id.to_string())
        .fetch_all(store.pool())
        .await?;
    rows.into_iter()
        .map(|row| {
            Ok(AuditEntry {
                id: row.id,
                resource_type: row.resource_type,
                resource_id: uuid(&row.resource_id)?,
                action: row.last_action_type,
                at: row.last_action_date,
                actor_id: row.actor_id.as_deref().map(uuid).transpose()?,
                updated_by: row.updated_by,
                version: row.version,
                reason: row.reason,
                changes: read_stored_changes(&row.changes).map_err(|error| corrupt("audit changes", error))?,
            })
        })
        .collect()
}
