//! The bulk writer: many new listings in one transaction, each table written with multi-row
//! `INSERT`s (hundreds of rows a statement, the statements prepared once and cached by the
//! connection) instead of a statement per row. Imports' fast path and the benches' national
//! set both write through [`insert_rows`].
//!
//! Rows are plain inserts: callers give ids that are free (a conflict fails the statement, and
//! the caller's transaction with it). The change log is written first, set-wise, so each
//! listing's `feed_seq` is in its own row as it is inserted (no update after).

use crate::store::db::{self, Backend, Conn};
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::feed::ChangeKind;
use super::rows::uuid;
use super::Store;
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

/// Inserts `rows` into `table` (`columns`) a few hundred a statement; `tail` follows the
/// values (e.g. `RETURNING ...`, then each statement's rows are handed to `returned`).
async fn insert_many<'r, T>(
    conn: &mut Conn<'_>,
    table: &str,
    columns: &[&str],
    rows: &'r [T],
    bind: impl for<'q> Fn(db::Query<'q>, &'q T) -> db::Query<'q>,
) -> Result<()> {
    let per_statement = (VARIABLES_PER_STATEMENT / columns.len()).clamp(1, ROWS_PER_STATEMENT);
    let row_sql = format!("({})", vec!["?"; columns.len()].join(", "));
    for chunk in rows.chunks(per_statement) {
        let sql = format!(
            "INSERT INTO {table} ({}) VALUES {}",
            columns.join(", "),
            vec![row_sql.as_str(); chunk.len()].join(", ")
        );
        let mut query = db::query(&sql);
        for row in chunk {
            query = bind(query, row);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "[]".to_string())
}

fn code(code: &Option<PlaceCode>) -> Option<String> {
    code.as_ref().map(|code| code.as_str().to_string())
}

/// Appends the change-log rows (one multi-row statement per few hundred) and returns each
/// entity's `seq` (the newest, if one appears twice).
async fn append_changes(conn: &mut Conn<'_>, changes: &[(ChangeKind, Uuid)]) -> Result<HashMap<Uuid, i64>> {
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
/// with needs, areas and venue links, schedules, import links and audit entries.
pub async fn insert_rows(conn: &mut Conn<'_>, rows: &BulkRows) -> Result<()> {
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
    insert_many(
        conn,
        "services",
        &[super::write::SERVICE_COLUMNS, &["feed_seq"]].concat(),
        &rows.services,
        |query, s| {
            query
                .bind(s.id.to_string())
                .bind(s.organization_id.to_string())
                .bind(&s.name)
                .bind(&s.description)
                .bind(&s.url)
                .bind(&s.email)
                .bind(&s.phone)
                .bind(s.status.as_str())
                .bind(s.minimum_age)
                .bind(s.maximum_age)
                .bind(&s.eligibility_description)
                .bind(json(&s.delivery_modes))
                .bind(s.free)
                .bind(json(&s.cost_options))
                .bind(json(&s.languages))
                .bind(json(&s.contacts))
                .bind(&s.how_to_join)
                .bind(json(&s.activity_concepts))
                .bind(s.is_example)
                .bind(&s.attribution)
                .bind(s.created_at)
                .bind(s.updated_at)
                .bind(s.last_reviewed_at)
                .bind(s.version)
                .bind(s.state.publication.as_str())
                .bind(&s.state.rejection_reason)
                .bind(s.state.archived_at)
                .bind(seq_of(&s.id))
        },
    )
    .await?;
    let needs: Vec<(Uuid, &NeedCode, i64)> = rows
        .services
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
        &rows.service_areas,
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
        &rows.service_locations,
        |query, (link, service, location)| {
            query
                .bind(link.to_string())
                .bind(service.to_string())
                .bind(location.to_string())
        },
    )
    .await?;
    insert_many(
        conn,
        "schedules",
        &[
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
        ],
        &rows.schedules,
        |query, s| {
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
        },
    )
    .await?;
    let now = Utc::now();
    insert_many(
        conn,
        "import_records",
        &[
            "source_id",
            "kind",
            "source_record_id",
            "entity_id",
            "content_hash",
            "created_by_source",
            "last_read_at",
            "archived_by_source",
        ],
        &rows.record_links,
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
        },
    )
    .await?;
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
        &rows.audit,
        |query, entry| {
            query
                .bind(entry.resource_type)
                .bind(entry.resource_id.to_string())
                .bind(entry.action)
                .bind(now)
                .bind(None::<String>)
                .bind(rows.audit_by.clone())
                .bind(entry.version)
                .bind(None::<String>)
                .bind(&entry.changes)
        },
    )
    .await?;
    Ok(())
}

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
        let mut links = HashMap::new();
        let mut after = String::new();
        let sql = match self.backend() {
            Backend::Sqlite => {
                "SELECT json_group_array(json_array(source_record_id, entity_id, content_hash,
                     created_by_source, archived_by_source, detached_at IS NOT NULL))
                 FROM (SELECT * FROM import_records
                       WHERE source_id = ? AND kind = ? AND source_record_id > ?
                       ORDER BY source_record_id LIMIT ?) AS page"
            }
            Backend::Postgres => {
                "SELECT COALESCE(json_agg(json_build_array(source_record_id, entity_id, content_hash,
                     created_by_source, archived_by_source, CASE WHEN detached_at IS NULL THEN 0 ELSE 1 END)
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
            let rows: Vec<(String, String, String, i64, i64, i64)> = super::rows::json(&page)?;
            let Some(last) = rows.last() else {
                return Ok(links);
            };
            after = last.0.clone();
            let full = rows.len() as i64 == LINKS_PER_PAGE;
            for (record, entity, hash, created, archived, detached) in rows {
                links.insert(
                    record,
                    KeptLink {
                        entity_id: uuid(&entity)?,
                        hash: hash_bytes(&hash),
                        created_by_source: created != 0,
                        archived_by_source: archived != 0,
                        detached: detached != 0,
                    },
                );
            }
            if !full {
                return Ok(links);
            }
        }
    }
}

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

/// Pragmas for a long load on one connection: a bigger page cache, temporary tables in
/// memory and sorts on two threads. [`restore_load_pragmas`] puts them back before the connection returns to the pool.
pub async fn set_load_pragmas(conn: &mut Conn<'_>) -> Result<()> {
    if conn.backend() != Backend::Sqlite {
        return Ok(());
    }
    db::query("PRAGMA cache_size = -262144").execute(&mut *conn).await?;
    db::query("PRAGMA temp_store = MEMORY").execute(&mut *conn).await?;
    // Helper threads for the sorts that build indexes again at the end of a load.
    db::query("PRAGMA threads = 2").execute(&mut *conn).await?;
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
