//! The audit trail: every change with who, when, what and field-level before/after.
//!
//! A listing is snapshotted as its row (every column) plus its child rows (needs, areas, venues,
//! beneficiary places) as a JSON object, before and after the change, inside the change's
//! transaction; the differing fields are stored as `{field_name, previous_value,
//! replacement_value}` (HSDS `metadata` names).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

pub use crate::store::editing_audit::{history, record, snapshot, snapshot_locked, snapshot_row};

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
