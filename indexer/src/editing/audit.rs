//! The audit trail: every change with who, when, what and field-level before/after.
//!
//! A listing is snapshotted as its row (every column) plus its child rows (needs, areas, venues,
//! beneficiary places) as a JSON object, before and after the change, inside the change's
//! transaction; the differing fields are stored as `{field_name, previous_value,
//! replacement_value}` (HSDS `metadata` names).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sqlx::{Column, Row, SqliteConnection, TypeInfo, ValueRef};
use uuid::Uuid;

use super::ResourceKind;
use crate::accounts::Viewer;
use crate::error::Result;
use crate::store::Store;

/// A listing as stored: column (or child list) name → value.
pub type Snapshot = Map<String, Value>;

/// Fields left out of diffs: they change with every edit and are recorded on the entry itself.
const BOOKKEEPING: &[&str] = &["version", "updated_at"];

/// One field's change (HSDS `metadata`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field_name: String,
    pub previous_value: Value,
    pub replacement_value: Value,
}

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Update,
    Archive,
    Restore,
    Review,
    Approve,
    Reject,
    Trust,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Archive => "archive",
            Action::Restore => "restore",
            Action::Review => "review",
            Action::Approve => "approve",
            Action::Reject => "reject",
            Action::Trust => "trust",
        }
    }
}

/// One entry of a listing's history.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub id: i64,
    pub resource_type: String,
    pub resource_id: Uuid,
    pub action: String,
    pub at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub updated_by: String,
    pub version: Option<i64>,
    pub reason: Option<String>,
    pub changes: Vec<FieldChange>,
}

/// The listing's row and child rows, or `None` if there is no such row.
pub async fn snapshot(conn: &mut SqliteConnection, kind: ResourceKind, id: Uuid) -> Result<Option<Snapshot>> {
    let Some(row) = sqlx::query(&format!("SELECT * FROM {} WHERE id = ?", kind.table()))
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let mut snapshot = Snapshot::new();
    for (i, column) in row.columns().iter().enumerate() {
        // The feeds' position (migration 0006) is bookkeeping of the change log, not content.
        if column.name() == "feed_seq" {
            continue;
        }
        snapshot.insert(column.name().to_string(), value_at(&row, i)?);
    }
    for (name, sql) in kind.child_lists() {
        let values: Vec<String> = sqlx::query_scalar(sql)
            .bind(id.to_string())
            .fetch_all(&mut *conn)
            .await?;
        snapshot.insert(name.to_string(), Value::from(values));
    }
    Ok(Some(snapshot))
}

/// A column's value as JSON; text holding a JSON array or object (costs, contacts) is embedded.
fn value_at(row: &sqlx::sqlite::SqliteRow, i: usize) -> Result<Value> {
    let raw = row.try_get_raw(i)?;
    if raw.is_null() {
        return Ok(Value::Null);
    }
    let type_name = raw.type_info().name().to_string();
    Ok(match type_name.as_str() {
        "INTEGER" => Value::from(row.try_get::<i64, _>(i)?),
        "REAL" => Value::from(row.try_get::<f64, _>(i)?),
        _ => {
            let text: String = row.try_get(i)?;
            match serde_json::from_str::<Value>(&text) {
                Ok(json @ (Value::Array(_) | Value::Object(_))) => json,
                _ => Value::String(text),
            }
        }
    })
}

/// Fields that differ between two snapshots (`None` before: created), in column order.
pub fn diff(before: Option<&Snapshot>, after: &Snapshot) -> Vec<FieldChange> {
    let empty = Snapshot::new();
    let before = before.unwrap_or(&empty);
    after
        .iter()
        .filter(|(field, _)| !BOOKKEEPING.contains(&field.as_str()))
        .filter_map(|(field, value)| {
            let previous = before.get(field).cloned().unwrap_or(Value::Null);
            (previous != *value).then(|| FieldChange {
                field_name: field.clone(),
                previous_value: previous,
                replacement_value: value.clone(),
            })
        })
        .collect()
}

/// Appends an audit entry.
#[allow(clippy::too_many_arguments)]
pub async fn record(
    conn: &mut SqliteConnection,
    kind: ResourceKind,
    id: Uuid,
    action: Action,
    viewer: &Viewer,
    version: Option<i64>,
    reason: Option<&str>,
    changes: &[FieldChange],
) -> Result<()> {
    sqlx::query(
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
    .bind(serde_json::to_string(changes).unwrap_or_else(|_| "[]".into()))
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
    last_action_date: DateTime<Utc>,
    actor_id: Option<String>,
    updated_by: String,
    version: Option<i64>,
    reason: Option<String>,
    changes: String,
}

/// A listing's history, oldest first.
pub async fn history(store: &Store, id: Uuid) -> Result<Vec<AuditEntry>> {
    let rows: Vec<AuditRow> = sqlx::query_as("SELECT * FROM audit_log WHERE resource_id = ? ORDER BY id")
        .bind(id.to_string())
        .fetch_all(store.pool())
        .await?;
    rows.into_iter()
        .map(|row| {
            Ok(AuditEntry {
                id: row.id,
                resource_type: row.resource_type,
                resource_id: crate::store::rows::uuid(&row.resource_id)?,
                action: row.last_action_type,
                at: row.last_action_date,
                actor_id: row.actor_id.as_deref().map(crate::store::rows::uuid).transpose()?,
                updated_by: row.updated_by,
                version: row.version,
                reason: row.reason,
                changes: crate::store::rows::json(&row.changes)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_lists_changed_fields_only() {
        let mut before = Snapshot::new();
        before.insert("name".into(), Value::from("Tea"));
        before.insert("phone".into(), Value::Null);
        before.insert("version".into(), Value::from(1));
        let mut after = before.clone();
        after.insert("phone".into(), Value::from("01603 123456"));
        after.insert("version".into(), Value::from(2));
        let changes = diff(Some(&before), &after);
        assert_eq!(
            changes,
            vec![FieldChange {
                field_name: "phone".into(),
                previous_value: Value::Null,
                replacement_value: Value::from("01603 123456"),
            }]
        );
        assert_eq!(
            diff(None, &after).len(),
            2,
            "a creation lists every non-bookkeeping field"
        );
    }
}
