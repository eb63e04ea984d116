//! The bulk writer's updates: many changed listings of one import written in one transaction,
//! a few statements for all of them (what the per-record path writes one statement at a time:
//! [`super::write::save_service`], its needs, areas, venue links and schedules, its import
//! link). A re-import's changed listings take this path (issue 19: a million services with 1%
//! changed, re-imported in seconds).

use std::collections::HashMap;

use chrono::Utc;
use uuid::Uuid;

use super::bulk::{
    append_changes, insert_service_children, service_columns, upsert_tail, write_record_links, write_schedules,
    write_services, NewRecordLink,
};
use super::db::{self, Conn};
use super::feed::ChangeKind;
use super::rows::{uuid, ServiceRow};
use crate::domain::*;
use crate::error::Result;

pub use super::bulk::insert_audit;

/// Changed services a bulk transaction writes over their rows.
#[derive(Debug, Default)]
pub struct BulkUpdate {
    /// The services as they now are (version moved on), with their needs.
    pub services: Vec<Service>,
    pub service_areas: Vec<(Uuid, ServiceArea)>,
    /// `service_at_location` rows: link id, service id, location id.
    pub service_locations: Vec<(Uuid, Uuid, Uuid)>,
    /// Every schedule the source lists for them; their other schedules are archived.
    pub schedules: Vec<Schedule>,
    pub record_links: Vec<NewRecordLink>,
}

fn id_list(ids: &[Uuid]) -> String {
    serde_json::to_string(&ids.iter().map(Uuid::to_string).collect::<Vec<_>>()).unwrap_or_else(|_| "[]".into())
}

/// The services with these ids as stored (archived ones too), read on the writer's connection.
pub async fn services_for_update(conn: &mut Conn<'_>, ids: &[Uuid]) -> Result<HashMap<Uuid, Service>> {
    let rows: Vec<ServiceRow> = db::query_as(&format!(
        "{} WHERE s.id IN (SELECT value FROM json_each(?1))",
        super::read::ANY_SERVICE_SELECT
    ))
    .bind(id_list(ids))
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|row| row.into_domain().map(|service| (service.id, service)))
        .collect()
}

/// The service and version of each schedule (archived ones too) of these services, by
/// schedule id.
pub async fn schedule_versions(conn: &mut Conn<'_>, service_ids: &[Uuid]) -> Result<HashMap<Uuid, (Uuid, i64)>> {
    let rows: Vec<(String, String, i64)> = db::query_as(
        "SELECT id, service_id, version FROM schedules WHERE service_id IN (SELECT value FROM json_each(?))",
    )
    .bind(id_list(service_ids))
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|(id, service, version)| Ok((uuid(&id)?, (uuid(&service)?, version))))
        .collect()
}

/// Writes `rows` inside the caller's transaction: a change-log row a service, the services'
/// rows over the stored ones, their needs, areas and venue links replaced, their schedules
/// written and the others archived, and their import links. Audit entries are the caller's
/// ([`insert_audit`]: it reads the services back to tell what changed).
pub async fn update_rows(conn: &mut Conn<'_>, rows: &BulkUpdate) -> Result<()> {
    let ids: Vec<Uuid> = rows.services.iter().map(|service| service.id).collect();
    let changes: Vec<(ChangeKind, Uuid)> = ids.iter().map(|id| (ChangeKind::Service, *id)).collect();
    let seqs = append_changes(conn, &changes).await?;
    let seq_of = |id: &Uuid| seqs.get(id).copied().unwrap_or(0);
    write_services(conn, &rows.services, &seq_of, &upsert_tail(&["id"], &service_columns())).await?;
    let list = id_list(&ids);
    for table in ["service_needs", "service_areas", "service_at_location"] {
        db::query(&format!(
            "DELETE FROM {table} WHERE service_id IN (SELECT value FROM json_each(?))"
        ))
        .bind(&list)
        .execute(&mut *conn)
        .await?;
    }
    insert_service_children(conn, &rows.services, &rows.service_areas, &rows.service_locations).await?;
    write_schedules(
        conn,
        &rows.schedules,
        &upsert_tail(&["id"], super::bulk::SCHEDULE_COLUMNS),
    )
    .await?;
    let kept: Vec<Uuid> = rows.schedules.iter().map(|schedule| schedule.id).collect();
    db::query(
        "UPDATE schedules SET archived_at = ?, version = version + 1
         WHERE service_id IN (SELECT value FROM json_each(?)) AND archived_at IS NULL
           AND id NOT IN (SELECT value FROM json_each(?))",
    )
    .bind(Utc::now())
    .bind(&list)
    .bind(id_list(&kept))
    .execute(&mut *conn)
    .await?;
    write_record_links(
        conn,
        &rows.record_links,
        &upsert_tail(
            &["source_id", "kind", "source_record_id"],
            super::bulk::RECORD_LINK_COLUMNS,
        ),
    )
    .await
}
