//! The bulk writer: many new listings in one transaction, each table written with multi-row
//! `INSERT`s (hundreds of rows a statement, the statements prepared once and cached by the
//! connection) instead of a statement per row. Imports' fast path and the benches' national
//! set both write through [`insert_rows`].
//!
//! Rows are plain inserts: callers give ids that are free (a conflict fails the statement, and
//! the caller's transaction with it). The change log is written first, set-wise, so each
//! listing's `feed_seq` is in its own row as it is inserted (no update after).

use crate::store::db::{self, Conn};

pub use super::bulk_links::{hash_bytes, line_hash, set_line_hashes, set_read_all, touch_links, KeptLink};
pub use super::bulk_load::{
    defer_indexes, few_services, restore_deferred_indexes, restore_load_pragmas, set_load_pragmas,
};
use std::collections::HashMap;

use chrono::Utc;
use uuid::Uuid;

use super::feed::ChangeKind;
use super::rows::uuid;
use crate::domain::*;
use crate::error::Result;

/// SQLite's limit on variables in one statement is 32,766; rows a statement stay well below.
const VARIABLES_PER_STATEMENT: usize = 16_000;

/// Most rows in one statement (beyond a few hundred, longer statements gain nothing).
const ROWS_PER_STATEMENT: usize = 400;

/// A new `import_records` row (a source record and the listing it became).
#[derive(Debug, Clone)]
pub struct NewRecordLink {
    pub source_id: Uuid,
    pub kind: &'static str,
    pub record_id: String,
    pub entity_id: Uuid,
    pub content_hash: String,
    pub created_by_source: bool,
    /// The hash of the NDJSON line the record was read from ([`line_hash`]), when it was one.
    pub line_hash: Option<[u8; 16]>,
}

/// A new audit entry made by an import (`updated_by` = `import:<source>`).
#[derive(Debug, Clone)]
pub struct NewAudit {
    pub resource_type: &'static str,
    pub resource_id: Uuid,
    pub action: &'static str,
    pub version: i64,
    /// The field changes, JSON (HSDS `metadata`).
    pub changes: String,
}

/// Everything one bulk transaction inserts. Listings here are new: no row has their ids.
#[derive(Debug, Default)]
pub struct BulkRows {
    pub organizations: Vec<Organization>,
    pub locations: Vec<(Location, LocationPlaces)>,
    /// Services with their needs (written to `service_needs` in order).
    pub services: Vec<Service>,
    pub service_areas: Vec<(Uuid, ServiceArea)>,
    /// `service_at_location` rows: link id, service id, location id.
    pub service_locations: Vec<(Uuid, Uuid, Uuid)>,
    pub schedules: Vec<Schedule>,
    pub record_links: Vec<NewRecordLink>,
    pub audit: Vec<NewAudit>,
    /// Who made the audit entries (`import:<source>`).
    pub audit_by: String,
    /// Change-log rows, in order; each listing's `feed_seq` becomes its row's `seq`.
    pub changes: Vec<(ChangeKind, Uuid)>,
}

impl BulkRows {
    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.organizations.is_empty()
            && self.locations.is_empty()
            && self.services.is_empty()
            && self.record_links.is_empty()
            && self.changes.is_empty()
    }
}

/// Inserts `rows` into `table` (`columns`) a few hundred a statement.
async fn insert_many<'r, T>(
    conn: &mut Conn<'_>,
    table: &str,
    columns: &[&str],
    rows: &'r [T],
    bind: impl for<'q> Fn(db::Query<'q>, &'q T) -> db::Query<'q>,
) -> Result<()> {
    write_many(conn, table, columns, rows, "", bind).await
}

/// [`insert_many`] with `tail` after the values (an `ON CONFLICT` clause: see [`upsert_tail`]).
pub(super) async fn write_many<'r, T>(
    conn: &mut Conn<'_>,
    table: &str,
    columns: &[&str],
    rows: &'r [T],
    tail: &str,
    bind: impl for<'q> Fn(db::Query<'q>, &'q T) -> db::Query<'q>,
) -> Result<()> {
    let per_statement = (VARIABLES_PER_STATEMENT / columns.len()).clamp(1, ROWS_PER_STATEMENT);
    let row_sql = format!("({})", vec!["?"; columns.len()].join(", "));
    let sql_for = |rows: usize| {
        format!(
            "INSERT INTO {table} ({}) VALUES {} {tail}",
            columns.join(", "),
            vec![row_sql.as_str(); rows].join(", ")
        )
    };
    // Every statement but the last has `per_statement` rows.
    let (full_sql, last_sql) = (sql_for(per_statement), sql_for(rows.len() % per_statement));
    let build = |chunk: &'r [T]| {
        let sql = if chunk.len() == per_statement {
            &full_sql
        } else {
            &last_sql
        };
        chunk.iter().fold(db::query(sql), &bind)
    };
    let mut chunks = rows.chunks(per_statement);
    let mut next = chunks.next().map(build);
    // The next statement's values are bound while SQLite runs this one (on its own thread).
    while let Some(query) = next.take() {
        let (done, built) = tokio::join!(query.execute(&mut *conn), async { chunks.next().map(build) });
        done?;
        next = built;
    }
    Ok(())
}

/// `ON CONFLICT (key) DO UPDATE` setting every one of `columns` but the key's.
pub(super) fn upsert_tail(key: &[&str], columns: &[&str]) -> String {
    let updates: Vec<String> = columns
        .iter()
        .filter(|column| !key.contains(column))
        .map(|column| format!("{column} = excluded.{column}"))
        .collect();
    format!("ON CONFLICT ({}) DO UPDATE SET {}", key.join(", "), updates.join(", "))
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "[]".to_string())
}

fn code(code: &Option<PlaceCode>) -> Option<String> {
    code.as_ref().map(|code| code.as_str().to_string())
}

/// Appends the change-log rows (one multi-row statement per few hundred) and returns each
/// entity's `seq` (the newest, if one appears twice).
pub(super) async fn append_changes(conn: &mut Conn<'_>, changes: &[(ChangeKind, Uuid)]) -> Result<HashMap<Uuid, i64>> {
    // Its turn among the writers that are not edits (as they take it, before the write lock),
    // then the write lock now rather than at commit: the rows carry their `seq`.
    conn.take_turn().await?;
    conn.lock_writes().await?;
    conn.announce_changes().await?;
    let mut seqs = HashMap::with_capacity(changes.len());
    let now = Utc::now();
    for chunk in changes.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO change_log (kind, entity_id, changed_at) VALUES {} RETURNING seq, entity_id",
            vec!["(?, ?, ?)"; chunk.len()].join(", ")
        );
        let mut query = db::query_as::<(i64, String)>(&sql);
        for (kind, id) in chunk {
            query = query.bind(kind.as_str()).bind(id.to_string()).bind(now);
        }
        for (seq, id) in query.fetch_all(&mut *conn).await? {
            let entry = seqs.entry(uuid(&id)?).or_insert(seq);
            *entry = (*entry).max(seq);
        }
    }
    Ok(seqs)
}

/// Writes `rows` inside the caller's transaction: change log, organisations, venues, services
/// with needs, areas and venue links, schedules, import links and audit entries. Returns the
/// change-log position (`feed_seq`) each listing was written at.
pub async fn insert_rows(conn: &mut Conn<'_>, rows: &BulkRows) -> Result<HashMap<Uuid, i64>> {
    let seqs = append_changes(conn, &rows.changes).await?;
    let seq_of = |id: &Uuid| seqs.get(id).copied().unwrap_or(0);
    insert_many(
        conn,
        "organizations",
        &[super::write::ORGANIZATION_COLUMNS, &["feed_seq"]].concat(),
        &rows.organizations,
        |query, o| {
            query
                .bind(o.id.to_string())
                .bind(&o.name)
                .bind(&o.description)
                .bind(&o.url)
                .bind(&o.email)
                .bind(&o.phone)
                .bind(json(&o.identifiers))
                .bind(o.is_example)
                .bind(&o.attribution)
                .bind(o.created_at)
                .bind(o.updated_at)
                .bind(o.last_reviewed_at)
                .bind(o.version)
                .bind(o.state.publication.as_str())
                .bind(&o.state.rejection_reason)
                .bind(o.state.archived_at)
                .bind(o.trusted)
                .bind(&o.postcode)
                .bind(seq_of(&o.id))
        },
    )
    .await?;
    insert_many(
        conn,
        "locations",
        super::write::LOCATION_COLUMNS,
        &rows.locations,
        |query, (l, places)| {
            query
                .bind(l.id.to_string())
                .bind(&l.name)
                .bind(&l.address_1)
                .bind(&l.city)
                .bind(&l.postcode)
                .bind(l.latitude)
                .bind(l.longitude)
                .bind(json(&l.accessibility))
                .bind(l.is_example)
                .bind(code(&places.county_code))
                .bind(code(&places.district_code))
                .bind(code(&places.ward_code))
                .bind(code(&places.msoa_code))
                .bind(code(&places.lsoa_code))
                .bind(l.organization_id.map(|id| id.to_string()))
                .bind(l.archived_at)
                .bind(l.version)
        },
    )
    .await?;
    write_services(conn, &rows.services, &seq_of, "").await?;
    insert_service_children(conn, &rows.services, &rows.service_areas, &rows.service_locations).await?;
    write_schedules(conn, &rows.schedules, "").await?;
    write_record_links(conn, &rows.record_links, "").await?;
    insert_audit(conn, &rows.audit, &rows.audit_by).await?;
    Ok(seqs)
}

/// A service row's columns with its feed position (its change-log row's `seq`).
pub(super) fn service_columns() -> Vec<&'static str> {
    [super::write::SERVICE_COLUMNS, &["feed_seq"]].concat()
}

/// Writes service rows (not their needs), each with its feed position from `seq_of`.
pub(super) async fn write_services(
    conn: &mut Conn<'_>,
    services: &[Service],
    seq_of: &(dyn Fn(&Uuid) -> i64 + Sync),
    tail: &str,
) -> Result<()> {
    write_many(conn, "services", &service_columns(), services, tail, |query, s| {
        super::write::bind_service_row(query, s).bind(seq_of(&s.id))
    })
    .await
}

/// Inserts services' needs (in order), areas and venue links.
pub(super) async fn insert_service_children(
    conn: &mut Conn<'_>,
    services: &[Service],
    areas: &[(Uuid, ServiceArea)],
    locations: &[(Uuid, Uuid, Uuid)],
) -> Result<()> {
    let needs: Vec<(Uuid, &NeedCode, i64)> = services
        .iter()
        .flat_map(|s| {
            s.needs
                .iter()
                .enumerate()
                .map(move |(position, need)| (s.id, need, position as i64))
        })
        .collect();
    insert_many(
        conn,
        "service_needs",
        &["service_id", "need_code", "position"],
        &needs,
        |query, (id, need, position)| query.bind(id.to_string()).bind(need.as_str()).bind(*position),
    )
    .await?;
    insert_many(
        conn,
        "service_areas",
        &["service_id", "place_code", "description"],
        areas,
        |query, (id, area)| {
            query
                .bind(id.to_string())
                .bind(area.place_code.as_str())
                .bind(&area.description)
        },
    )
    .await?;
    insert_many(
        conn,
        "service_at_location",
        &["id", "service_id", "location_id"],
        locations,
        |query, (link, service, location)| {
            query
                .bind(link.to_string())
                .bind(service.to_string())
                .bind(location.to_string())
        },
    )
    .await
}

/// The schedule columns the bulk writer writes, in its binding order.
pub(super) const SCHEDULE_COLUMNS: &[&str] = &[
    "id",
    "service_id",
    "location_id",
    "freq",
    "interval",
    "byday",
    "opens_at",
    "closes_at",
    "valid_from",
    "valid_to",
    "description",
    "exceptions",
    "archived_at",
    "version",
];

/// The import link columns the bulk writer writes, in its binding order.
pub(super) const RECORD_LINK_COLUMNS: &[&str] = &[
    "source_id",
    "kind",
    "source_record_id",
    "entity_id",
    "content_hash",
    "created_by_source",
    "last_read_at",
    "archived_by_source",
    "line_hash",
];

/// Writes schedule rows.
pub(super) async fn write_schedules(conn: &mut Conn<'_>, schedules: &[Schedule], tail: &str) -> Result<()> {
    write_many(conn, "schedules", SCHEDULE_COLUMNS, schedules, tail, |query, s| {
        query
            .bind(s.id.to_string())
            .bind(s.service_id.to_string())
            .bind(s.location_id.map(|id| id.to_string()))
            .bind(s.freq.as_str())
            .bind(s.interval)
            .bind(&s.byday)
            .bind(&s.opens_at)
            .bind(&s.closes_at)
            .bind(s.valid_from)
            .bind(s.valid_to)
            .bind(&s.description)
            .bind(json(&s.exceptions))
            .bind(s.archived_at)
            .bind(s.version)
    })
    .await
}

/// Writes import links, read now.
pub(super) async fn write_record_links(conn: &mut Conn<'_>, links: &[NewRecordLink], tail: &str) -> Result<()> {
    let now = Utc::now();
    write_many(
        conn,
        "import_records",
        RECORD_LINK_COLUMNS,
        links,
        tail,
        |query, link| {
            query
                .bind(link.source_id.to_string())
                .bind(link.kind)
                .bind(&link.record_id)
                .bind(link.entity_id.to_string())
                .bind(&link.content_hash)
                .bind(link.created_by_source)
                .bind(now)
                .bind(false)
                .bind(link.line_hash.as_ref().map(super::bulk_links::hex))
        },
    )
    .await
}

/// Inserts audit entries made now by `by` (an import's `import:<source>`).
pub async fn insert_audit(conn: &mut Conn<'_>, audit: &[NewAudit], by: &str) -> Result<()> {
    let now = Utc::now();
    insert_many(
        conn,
        "audit_log",
        &[
            "resource_type",
            "resource_id",
            "last_action_type",
            "last_action_date",
            "actor_id",
            "updated_by",
            "version",
            "reason",
            "changes",
        ],
        audit,
        |query, entry| {
            query
                .bind(entry.resource_type)
                .bind(entry.resource_id.to_string())
                .bind(entry.action)
                .bind(now)
                .bind(None::<String>)
                .bind(by.to_string())
                .bind(entry.version)
                .bind(None::<String>)
                .bind(&entry.changes)
        },
    )
    .await
}

/// Which of `ids` already name a row of `table` (one statement each few thousand).
pub async fn taken_ids(conn: &mut Conn<'_>, table: &str, ids: &[Uuid]) -> Result<std::collections::HashSet<Uuid>> {
    let table = match table {
        "services" | "organizations" | "locations" | "schedules" => table,
        other => return Err(crate::Error::invalid("table", format!("unknown table {other:?}"))),
    };
    let mut found = std::collections::HashSet::new();
    for chunk in ids.chunks(5_000) {
        let list: Vec<String> = chunk.iter().map(Uuid::to_string).collect();
        let rows: Vec<String> = db::query_scalar(&format!(
            "SELECT id FROM {table} WHERE id IN (SELECT value FROM json_each(?))"
        ))
        .bind(serde_json::to_string(&list).unwrap_or_else(|_| "[]".into()))
        .fetch_all(&mut *conn)
        .await?;
        for id in rows {
            found.insert(uuid(&id)?);
        }
    }
    Ok(found)
}
