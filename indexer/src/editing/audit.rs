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

/// How a list of changes is kept in `audit_log.changes`: as its HSDS `metadata` entries, except
/// that a list whose every previous value is null, in field-name order (what creating a listing
/// records), is kept as an object of the replacement values, `{"name": "Tai chi", ...}`. That
/// is under half the size, and creations are most of the trail: at a million imported
/// listings, half the database was their audit entries. [`read_stored_changes`] gives the
/// same list back.
pub fn stored_changes(changes: &[FieldChange]) -> String {
    let created = changes.iter().all(|change| change.previous_value.is_null())
        && changes.windows(2).all(|pair| pair[0].field_name < pair[1].field_name);
    if !created {
        return serde_json::to_string(changes).unwrap_or_else(|_| "[]".into());
    }
    stored_creation(
        changes
            .iter()
            .map(|change| (change.field_name.as_str(), &change.replacement_value))
            .collect(),
    )
}

/// The short form of [`stored_changes`]: fields set from nothing, in name order, as one object
/// (`[]` when there are none).
pub(crate) fn stored_creation(fields: Vec<(&str, &Value)>) -> String {
    struct CreatedFields<'a>(Vec<(&'a str, &'a Value)>);

    impl Serialize for CreatedFields<'_> {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.collect_map(self.0.iter().map(|(name, value)| (*name, *value)))
        }
    }

    if fields.is_empty() {
        return "[]".into();
    }
    serde_json::to_string(&CreatedFields(fields)).unwrap_or_else(|_| "[]".into())
}

/// The changes [`stored_changes`] kept, in either form.
pub fn read_stored_changes(raw: &str) -> serde_json::Result<Vec<FieldChange>> {
    if raw.trim_start().starts_with('{') {
        let created: Map<String, Value> = serde_json::from_str(raw)?;
        Ok(created
            .into_iter()
            .map(|(field_name, replacement_value)| FieldChange {
                field_name,
                previous_value: Value::Null,
                replacement_value,
            })
            .collect())
    } else {
        serde_json::from_str(raw)
    }
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

    fn change(name: &str, previous: Value, replacement: Value) -> FieldChange {
        FieldChange {
            field_name: name.into(),
            previous_value: previous,
            replacement_value: replacement,
        }
    }

    #[test]
    fn stored_changes_read_back_as_they_were_and_creations_take_the_short_form() {
        let created = vec![
            change(
                "contacts",
                Value::Null,
                serde_json::json!([{"name": "Ann", "phone": null}]),
            ),
            change("name", Value::Null, Value::from("Tai chi \"Plus\"")),
            change("needs", Value::Null, Value::from(vec!["strength-and-balance"])),
        ];
        let stored = stored_changes(&created);
        assert_eq!(
            stored,
            r#"{"contacts":[{"name":"Ann","phone":null}],"name":"Tai chi \"Plus\"","needs":["strength-and-balance"]}"#
        );
        let lists = [
            created,
            // A field that had a value, or fields out of name order, keep the long form.
            vec![
                change("name", Value::from("Old"), Value::from("New")),
                change("url", Value::Null, Value::from("u")),
            ],
            vec![
                change("url", Value::Null, Value::from("u")),
                change("name", Value::Null, Value::from("n")),
            ],
            vec![],
        ];
        for (number, changes) in lists.iter().enumerate() {
            let stored = stored_changes(changes);
            assert_eq!(stored.starts_with('{'), number == 0, "{stored}");
            assert_eq!(&read_stored_changes(&stored).expect("read"), changes, "{stored}");
        }
        // Entries stored before the short form read as they always did.
        let long = serde_json::to_string(&lists[0]).expect("json");
        assert_eq!(read_stored_changes(&long).expect("read"), lists[0]);
    }

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
