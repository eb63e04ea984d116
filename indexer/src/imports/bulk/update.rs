//! A bulk run's changed listings, written set-wise: what the per-record path
//! ([`crate::imports::apply`]) does to a listing the source brought in before whose service
//! changed while its organisation and venues did not (the usual change: a description, a time,
//! a price), for a chunk's worth of them in one transaction of a few statements
//! ([`crate::store::bulk_update`]). The rules are the per-record path's: the stored service
//! carries its creation, version and moderation over, schedules keep their ids and versions
//! (those the source no longer lists are archived), and each service's audit entry is the
//! difference between its snapshots before and after, read set-wise.

use std::collections::{HashMap, HashSet};

use tracing::warn;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::plan::{optional_plain_text, plain_text, Known};
use super::{Hashes, ParsedListing};
use crate::domain::*;
use crate::editing::{audit, ResourceKind};
use crate::error::{Error, Result};
use crate::imports::apply::{rejected_record, SERVICE};
use crate::imports::parts::{build_service, schedule_place};
use crate::imports::record::*;
use crate::places::PlaceIndex;
use crate::store::bulk::{self as bulk_store, hash_bytes, KeptLink, NewAudit, NewRecordLink};
use crate::store::bulk_update::{self, BulkUpdate};
use crate::store::db::Conn;
use crate::store::editing_audit;
use crate::Directory;

/// A changed listing whose organisation and venues the source brought in unchanged.
pub(super) struct Changed {
    pub(super) listing: Box<ImportedListing>,
    pub(super) hashes: Hashes,
    pub(super) line: Option<[u8; 16]>,
    service_id: Uuid,
    organization_id: Uuid,
    /// The organisation is one the source linked to (it did not create it).
    linked: bool,
    /// Venue record id → location id.
    venue_ids: Vec<(String, Uuid)>,
}

impl Changed {
    /// `listing` as a set-wise update, when the per-record path would write its service alone:
    /// the link is the source's own and live, its organisation is one the source keeps as it is,
    /// and each of its venues is one the source brought in with the same content.
    pub(super) fn of(
        known: &Known,
        link: &KeptLink,
        listing: Box<ImportedListing>,
        hashes: Hashes,
        line: Option<[u8; 16]>,
    ) -> std::result::Result<Changed, ParsedListing> {
        if !link.created_by_source || link.detached || link.archived_by_source {
            return Err((listing, hashes, line));
        }
        let organization = known
            .organizations
            .get(&listing.organization.source_record_id)
            .filter(|org| org.hash == hash_bytes(&hashes.organization) || !org.created_by_source || org.detached);
        let Some(organization) = organization else {
            return Err((listing, hashes, line));
        };
        let mut venue_ids = Vec::with_capacity(listing.venues.len());
        for (venue, hash) in listing.venues.iter().zip(&hashes.venues) {
            match known.venues.get(&venue.source_record_id) {
                Some(kept) if kept.hash == hash_bytes(hash) => {
                    venue_ids.push((venue.source_record_id.clone(), kept.entity_id))
                }
                _ => return Err((listing, hashes, line)),
            }
        }
        Ok(Changed {
            service_id: link.entity_id,
            organization_id: organization.entity_id,
            linked: !organization.created_by_source,
            venue_ids,
            listing,
            hashes,
            line,
        })
    }
}

impl Directory {
    /// Writes a chunk's changed listings set-wise (this module) in one transaction; should it
    /// fail, they go through the per-record path one by one instead (`slow`).
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn apply_changed(
        &self,
        conn: &mut Conn<'_>,
        source: &SourceRef,
        known: &mut Known,
        changed: Vec<Changed>,
        report: &mut BatchReport,
        slow: &mut Vec<ImportItem>,
        slow_lines: &mut HashMap<String, [u8; 16]>,
    ) -> Result<()> {
        let mut again = Vec::new();
        let now = Utc::now();
        let mut tx = conn.begin().await?;
        crate::store::set_meta(&mut tx, "last_write_at", &now.to_rfc3339()).await?;
        let outcome = apply_changed(&mut tx, source, &self.places(), &changed, &mut again, now).await;
        let redo: Vec<Changed> = match outcome {
            Ok(applied) => {
                tx.commit().await?;
                for record in applied.reports {
                    report.push(record);
                }
                known.services.extend(applied.links);
                let again: HashSet<usize> = again.into_iter().collect();
                changed
                    .into_iter()
                    .enumerate()
                    .filter(|(at, _)| again.contains(at))
                    .map(|(_, change)| change)
                    .collect()
            }
            Err(error) => {
                // One record the checks let through broke the transaction: each goes alone.
                warn!(%error, records = changed.len(), "bulk update of changed records failed; applying them one by one");
                tx.rollback().await?;
                changed
            }
        };
        for change in redo {
            slow_lines.extend(change.line.map(|line| (change.listing.source_record_id.clone(), line)));
            slow.push(ImportItem::Listing(change.listing));
        }
        Ok(())
    }
}

/// What [`apply_changed`] did: the records' reports, and the links to remember.
#[derive(Default)]
pub(super) struct Applied {
    pub(super) reports: Vec<RecordReport>,
    pub(super) links: Vec<(String, KeptLink)>,
}

/// Writes `changed` in the caller's transaction (reports in no order). A record that does not
/// validate is reported rejected and leaves nothing behind; the positions of those whose service
/// is gone are put in `again`, for the per-record path. An error fails the whole transaction.
pub(super) async fn apply_changed(
    conn: &mut Conn<'_>,
    source: &SourceRef,
    places: &PlaceIndex,
    changed: &[Changed],
    again: &mut Vec<usize>,
    now: DateTime<Utc>,
) -> Result<Applied> {
    let ids: Vec<Uuid> = changed.iter().map(|change| change.service_id).collect();
    let mut stored = bulk_update::services_for_update(conn, &ids).await?;
    let before = editing_audit::snapshots(conn, ResourceKind::Service, &ids).await?;
    let versions = bulk_update::schedule_versions(conn, &ids).await?;
    let taken: HashSet<Uuid> = if source.keep_ids {
        let preferred: Vec<Uuid> = changed
            .iter()
            .flat_map(|change| {
                change
                    .listing
                    .schedules
                    .iter()
                    .filter_map(|schedule| schedule.preferred_id)
            })
            .collect();
        bulk_store::taken_ids(conn, "schedules", &preferred).await?
    } else {
        HashSet::new()
    };
    let mut applied = Applied::default();
    let mut rows = BulkUpdate::default();
    let mut written: Vec<(Uuid, i64)> = Vec::with_capacity(changed.len());
    for (at, change) in changed.iter().enumerate() {
        let Some(service) = stored.remove(&change.service_id) else {
            again.push(at);
            continue;
        };
        match plan(source, places, change, service, &versions, &taken, now) {
            Ok((service, areas, location_ids, schedules)) => {
                written.push((service.id, service.version));
                rows.service_areas
                    .extend(areas.into_iter().map(|area| (service.id, area)));
                for location_id in location_ids {
                    let link = Uuid::new_v5(&Uuid::NAMESPACE_OID, format!("{}:{location_id}", service.id).as_bytes());
                    rows.service_locations.push((link, service.id, location_id));
                }
                rows.schedules.extend(schedules);
                rows.record_links.push(NewRecordLink {
                    source_id: source.id,
                    kind: SERVICE,
                    record_id: change.listing.source_record_id.clone(),
                    entity_id: service.id,
                    content_hash: change.hashes.listing.clone(),
                    created_by_source: true,
                    line_hash: change.line,
                });
                applied.links.push((
                    change.listing.source_record_id.clone(),
                    KeptLink {
                        entity_id: service.id,
                        hash: hash_bytes(&change.hashes.listing),
                        created_by_source: true,
                        archived_by_source: false,
                        detached: false,
                        line: change.line,
                    },
                ));
                applied.reports.push(RecordReport {
                    source_record_id: Some(change.listing.source_record_id.clone()),
                    position: change.listing.position,
                    outcome: RecordOutcome::Updated,
                    service_id: Some(service.id),
                    organization_id: Some(change.organization_id),
                    organization_linked: change.linked,
                });
                rows.services.push(service);
            }
            Err(Error::InvalidInput { field, message }) => {
                applied
                    .reports
                    .push(rejected_record(&change.listing, &message, Some(field)))
            }
            Err(other) => return Err(other),
        }
    }
    if rows.services.is_empty() {
        return Ok(applied);
    }
    bulk_update::update_rows(conn, &rows).await?;
    let ids: Vec<Uuid> = written.iter().map(|(id, _)| *id).collect();
    let after = editing_audit::snapshots(conn, ResourceKind::Service, &ids).await?;
    let entries: Vec<NewAudit> = written
        .into_iter()
        .filter_map(|(id, version)| {
            let changes = audit::diff(before.get(&id), after.get(&id)?);
            Some(NewAudit {
                resource_type: SERVICE,
                resource_id: id,
                action: "update",
                version,
                changes: audit::stored_changes(&changes),
            })
        })
        .collect();
    bulk_update::insert_audit(conn, &entries, &source.actor()).await?;
    Ok(applied)
}

/// The rows a changed listing becomes: its service over the stored one, its areas, venues and
/// schedules (as the per-record path's `save_schedules` gives them ids and versions).
#[allow(clippy::type_complexity)]
fn plan(
    source: &SourceRef,
    places: &PlaceIndex,
    change: &Changed,
    stored: Service,
    versions: &HashMap<Uuid, (Uuid, i64)>,
    taken: &HashSet<Uuid>,
    now: DateTime<Utc>,
) -> Result<(Service, Vec<ServiceArea>, Vec<Uuid>, Vec<Schedule>)> {
    let listing = &change.listing;
    let name = plain_text("name", &listing.service.name, text::NAME_MAX)?;
    let description =
        optional_plain_text("description", &listing.service.description, text::DESCRIPTION_MAX)?.unwrap_or_default();
    let service_id = change.service_id;
    let mut service = build_service(source, listing, service_id, change.organization_id, Some(stored), now);
    service.name = name;
    service.description = description;
    let areas: Vec<ServiceArea> = listing
        .service_areas
        .iter()
        .filter(|area| places.get(&area.place_code).is_some())
        .cloned()
        .collect();
    let mut location_ids: Vec<Uuid> = change.venue_ids.iter().map(|(_, id)| *id).collect();
    location_ids.sort();
    location_ids.dedup();
    let own_version = |id: &Uuid| {
        versions
            .get(id)
            .filter(|(owner, _)| *owner == service_id)
            .map(|(_, version)| *version)
    };
    let mut schedules = Vec::with_capacity(listing.schedules.len());
    for (at, imported) in listing.schedules.iter().enumerate() {
        let (id, location_id) = schedule_place(source, service_id, at, imported, &change.venue_ids, |preferred| {
            !taken.contains(&preferred) || own_version(&preferred).is_some()
        })?;
        let field = |name: &str| format!("schedules[{at}].{name}");
        let version = own_version(&id).map_or(1, |version| version + 1);
        schedules.push(imported.to_schedule(id, service_id, location_id, version, field)?);
    }
    Ok((service, areas, location_ids, schedules))
}
