//! Applying a batch of source records: one write transaction per batch, one savepoint per
//! record (a bad record rolls back alone and is reported; a database failure rolls back the
//! batch), set-wise reads of the batch's links, and nothing written for a record whose content
//! hash is what was read last time.
//!
//! Each created or changed listing gets its audit entry (`updated_by` = `import:<source>`)
//! and its change-log row, like an edit, so the search index and the feeds follow imports the
//! same way they follow people.

use std::collections::{HashMap, HashSet};

use crate::store::db::Conn;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::matcher::OrgMatcher;
use super::record::*;
use crate::domain::*;
use crate::editing::audit;
use crate::editing::ResourceKind;
use crate::error::{Error, Result};
use crate::store::feed::{record_change, ChangeKind};
use crate::store::imports::{self as links, RecordLink};
use crate::store::read::service_by_id;
use crate::store::write;
use crate::Directory;

use super::parts::*;

/// Link kinds in `import_records`.
pub(crate) const SERVICE: &str = "service";
pub(crate) const ORGANIZATION: &str = "organization";
pub(crate) const LOCATION: &str = "location";

/// The SHA-256 (hex) of a value's debug form: every field, in declaration order, so any change
/// of content changes it. Positions and the source's timestamps are cleared first by callers.
pub(crate) fn content_hash(value: &impl std::fmt::Debug) -> String {
    let mut hasher = Sha256::new();
    hasher.update(format!("{value:?}").as_bytes());
    format!("{:x}", hasher.finalize())
}

/// The hash of a listing's content (not where it sat in the input, nor when it was read).
pub(crate) fn listing_hash(listing: &ImportedListing) -> String {
    let mut content = listing.clone();
    content.position = None;
    content.modified_at = None;
    content_hash(&content)
}

/// A derived id: `v5(source, "<kind>:<record id>")`.
pub(crate) fn derived_id(source: &SourceRef, kind: &str, record_id: &str) -> Uuid {
    Uuid::new_v5(&source.id, format!("{kind}:{record_id}").as_bytes())
}

/// What one batch has resolved so far (kept only once a record's savepoint commits).
#[derive(Default)]
pub(super) struct BatchState {
    pub(super) services: HashMap<String, RecordLink>,
    pub(super) organizations: HashMap<String, RecordLink>,
    pub(super) venues: HashMap<String, RecordLink>,
    /// Organisations created (id, name, postcode, identifiers), for the run's matcher.
    pub(super) created_organizations: Vec<(Uuid, String, Option<String>, Vec<OrganizationIdentifier>)>,
    /// The batch's preferred (source) ids that already name a row: read once, set-wise.
    pub(super) taken: HashSet<Uuid>,
    /// Ids given to rows created by the record in progress.
    pub(super) created_ids: HashSet<Uuid>,
}

/// A listing part the apply path wrote: which audit trail and change log it goes to.
#[derive(Debug, Clone, Copy)]
pub(super) enum Written {
    Service(Uuid),
    Organization(Uuid),
}

/// After a part was saved: its audit entry by the source (the fields changed since `before`)
/// and its change-log row, so search and the feeds follow.
pub(super) async fn audit_write(
    conn: &mut Conn<'_>,
    source: &SourceRef,
    written: Written,
    before: Option<audit::Snapshot>,
    created: bool,
    version: i64,
) -> Result<()> {
    let (kind, link_kind, change_kind, id) = match written {
        Written::Service(id) => (ResourceKind::Service, SERVICE, ChangeKind::Service, id),
        Written::Organization(id) => (ResourceKind::Organization, ORGANIZATION, ChangeKind::Organization, id),
    };
    let after = audit::snapshot(conn, kind, id)
        .await?
        .ok_or_else(|| Error::not_found(link_kind, id.to_string()))?;
    let changes = audit::diff(before.as_ref(), &after);
    links::audit_by_source(
        conn,
        link_kind,
        id,
        if created { "create" } else { "update" },
        &source.actor(),
        Some(version),
        None,
        &audit::stored_changes(&changes),
    )
    .await?;
    record_change(conn, change_kind, id).await?;
    Ok(())
}

/// Applies (or, with `dry_run`, previews and rolls back) one batch.
pub(crate) async fn apply_batch(
    directory: &Directory,
    source: &SourceRef,
    items: Vec<ImportItem>,
    dry_run: bool,
    cursor: Option<&str>,
    mut matcher: Option<&mut OrgMatcher>,
) -> Result<BatchReport> {
    let now = Utc::now();
    let mut tx = directory.store().begin_write().await?;
    let mut state = read_links(&mut tx, source, &items).await?;
    let mut report = BatchReport {
        dry_run,
        ..BatchReport::default()
    };
    let mut unchanged: Vec<String> = Vec::new();
    for item in items {
        match item {
            ImportItem::Rejected(rejected) => report.push(RecordReport {
                source_record_id: rejected.source_record_id,
                position: rejected.position,
                outcome: RecordOutcome::Rejected {
                    reason: rejected.reason,
                    field: rejected.field,
                },
                service_id: None,
                organization_id: None,
                organization_linked: false,
            }),
            ImportItem::Removal(removal) => {
                let outcome = apply_removal(&mut tx, source, &mut state, &removal).await?;
                report.push(outcome);
            }
            ImportItem::Listing(listing) => {
                let hash = listing_hash(&listing);
                if let Some(link) = state.services.get(&listing.source_record_id) {
                    if link.detached {
                        report.push(rejected_record(
                            &listing,
                            "an admin detached this listing from the source: local edits win, the source's changes are not applied",
                            None,
                        ));
                        continue;
                    }
                    if link.content_hash == hash && !link.archived_by_source {
                        report.push(RecordReport {
                            source_record_id: Some(listing.source_record_id.clone()),
                            position: listing.position,
                            outcome: RecordOutcome::Unchanged,
                            service_id: Some(link.entity_id),
                            organization_id: None,
                            organization_linked: false,
                        });
                        unchanged.push(listing.source_record_id.clone());
                        continue;
                    }
                }
                let mut savepoint = tx.begin().await?;
                let mut staged = BatchState::default();
                let outcome = apply_listing(
                    directory,
                    &mut savepoint,
                    source,
                    &state,
                    &mut staged,
                    matcher.as_deref(),
                    &listing,
                    &hash,
                    now,
                )
                .await;
                match outcome {
                    Ok(record) => {
                        savepoint.commit().await?;
                        if let (Some(matcher), false) = (matcher.as_deref_mut(), dry_run) {
                            for (id, name, postcode, identifiers) in &staged.created_organizations {
                                matcher.add(*id, name, postcode.as_deref(), identifiers);
                            }
                        }
                        state.taken.extend(staged.created_ids);
                        state.services.extend(staged.services);
                        state.organizations.extend(staged.organizations);
                        state.venues.extend(staged.venues);
                        report.push(record);
                    }
                    Err(Error::InvalidInput { field, message }) => {
                        savepoint.rollback().await?;
                        report.push(rejected_record(&listing, &message, Some(field)));
                    }
                    Err(other) => return Err(other),
                }
            }
        }
    }
    let unchanged: Vec<&str> = unchanged.iter().map(String::as_str).collect();
    links::touch_record_links(&mut tx, source.id, SERVICE, &unchanged, now).await?;
    if dry_run {
        tx.rollback().await?;
    } else {
        if let Some(cursor) = cursor {
            links::set_source_cursor(&mut tx, source.id, Some(cursor)).await?;
        }
        tx.commit().await?;
    }
    Ok(report)
}

pub(super) fn rejected_record(listing: &ImportedListing, reason: &str, field: Option<String>) -> RecordReport {
    RecordReport {
        source_record_id: Some(listing.source_record_id.clone()),
        position: listing.position,
        outcome: RecordOutcome::Rejected {
            reason: reason.to_string(),
            field,
        },
        service_id: None,
        organization_id: None,
        organization_linked: false,
    }
}

/// The batch's links, three set-wise reads.
async fn read_links(conn: &mut Conn<'_>, source: &SourceRef, items: &[ImportItem]) -> Result<BatchState> {
    let mut services: Vec<&str> = Vec::new();
    let mut organizations: Vec<&str> = Vec::new();
    let mut venues: Vec<&str> = Vec::new();
    let mut preferred: [Vec<Uuid>; 4] = Default::default();
    for item in items {
        match item {
            ImportItem::Listing(listing) => {
                services.push(&listing.source_record_id);
                organizations.push(&listing.organization.source_record_id);
                venues.extend(listing.venues.iter().map(|venue| venue.source_record_id.as_str()));
                preferred[0].extend(listing.preferred_id);
                preferred[1].extend(listing.organization.preferred_id);
                preferred[2].extend(listing.venues.iter().filter_map(|venue| venue.preferred_id));
                preferred[3].extend(listing.schedules.iter().filter_map(|schedule| schedule.preferred_id));
            }
            ImportItem::Removal(removal) => services.push(&removal.source_record_id),
            ImportItem::Rejected(_) => {}
        }
    }
    let mut taken = HashSet::new();
    if source.keep_ids {
        for (table, ids) in ["services", "organizations", "locations", "schedules"]
            .into_iter()
            .zip(&preferred)
        {
            taken.extend(links::existing_ids(conn, table, ids).await?);
        }
    }
    Ok(BatchState {
        taken,
        created_ids: HashSet::new(),
        services: links::record_links(conn, source.id, SERVICE, &services).await?,
        organizations: links::record_links(conn, source.id, ORGANIZATION, &organizations).await?,
        venues: links::record_links(conn, source.id, LOCATION, &venues).await?,
        created_organizations: Vec::new(),
    })
}

/// Archives what a removal names, when this source brought it in.
async fn apply_removal(
    conn: &mut Conn<'_>,
    source: &SourceRef,
    state: &mut BatchState,
    removal: &ImportedRemoval,
) -> Result<RecordReport> {
    let mut report = RecordReport {
        source_record_id: Some(removal.source_record_id.clone()),
        position: removal.position,
        outcome: RecordOutcome::Unchanged,
        service_id: None,
        organization_id: None,
        organization_linked: false,
    };
    let Some(link) = state.services.get_mut(&removal.source_record_id) else {
        return Ok(report);
    };
    report.service_id = Some(link.entity_id);
    if link.archived_by_source || link.detached || !link.created_by_source {
        return Ok(report);
    }
    let before = audit::snapshot(conn, ResourceKind::Service, link.entity_id).await?;
    if let Some(version) = links::archive_listing(conn, "services", link.entity_id).await? {
        let after = audit::snapshot(conn, ResourceKind::Service, link.entity_id).await?;
        let changes = after
            .map(|after| audit::diff(before.as_ref(), &after))
            .unwrap_or_default();
        links::audit_by_source(
            conn,
            SERVICE,
            link.entity_id,
            "archive",
            &source.actor(),
            Some(version),
            Some("the source no longer lists it"),
            &audit::stored_changes(&changes),
        )
        .await?;
        record_change(conn, ChangeKind::Service, link.entity_id).await?;
        report.outcome = RecordOutcome::Archived;
    }
    links::mark_archived_by_source(conn, source.id, SERVICE, &removal.source_record_id).await?;
    link.archived_by_source = true;
    Ok(report)
}

/// Writes one listing inside its savepoint: its organisation (created, updated or linked), its
/// venues, the service with its needs, areas, venues and schedules, audit and change log.
#[allow(clippy::too_many_arguments)]
async fn apply_listing(
    directory: &Directory,
    conn: &mut Conn<'_>,
    source: &SourceRef,
    state: &BatchState,
    staged: &mut BatchState,
    matcher: Option<&OrgMatcher>,
    listing: &ImportedListing,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<RecordReport> {
    let name = text::plain_text("name", &listing.service.name, text::NAME_MAX)?;
    let description = text::optional_plain_text("description", &listing.service.description, text::DESCRIPTION_MAX)?
        .unwrap_or_default();
    let areas = known_areas(directory, &listing.service_areas);
    let (organization_id, organization_linked) =
        resolve_organization(directory, conn, source, state, staged, matcher, listing, now).await?;
    let mut venue_ids: Vec<(String, Uuid)> = Vec::with_capacity(listing.venues.len());
    for (at, venue) in listing.venues.iter().enumerate() {
        let id = save_venue(directory, conn, source, state, staged, venue, organization_id, at, now).await?;
        venue_ids.push((venue.source_record_id.clone(), id));
    }
    let existing_link = state.services.get(&listing.source_record_id);
    let service_id = match existing_link {
        Some(link) => link.entity_id,
        None => choose_id(
            source,
            state,
            staged,
            SERVICE,
            &listing.source_record_id,
            listing.preferred_id,
        ),
    };
    // A service this source never brought in has no row to read (its id was chosen free).
    let (before, stored) = match existing_link {
        Some(_) => (
            audit::snapshot(conn, ResourceKind::Service, service_id).await?,
            service_by_id(&mut *conn, service_id).await?,
        ),
        None => (None, None),
    };
    let created = stored.is_none();
    let mut service = build_service(source, listing, service_id, organization_id, stored, now);
    service.name = name;
    service.description = description;
    write::save_service(conn, &service).await?;
    write::replace_service_areas(conn, service_id, &areas).await?;
    let mut location_ids: Vec<Uuid> = venue_ids.iter().map(|(_, id)| *id).collect();
    location_ids.sort();
    location_ids.dedup();
    write::replace_service_locations(conn, service_id, &location_ids).await?;
    save_schedules(conn, source, state, listing, service_id, &venue_ids, !created).await?;
    audit_write(
        conn,
        source,
        Written::Service(service_id),
        before,
        created,
        service.version,
    )
    .await?;
    links::save_record_link(
        conn,
        source.id,
        SERVICE,
        &listing.source_record_id,
        service_id,
        hash,
        true,
        now,
    )
    .await?;
    staged.services.insert(
        listing.source_record_id.clone(),
        RecordLink {
            entity_id: service_id,
            content_hash: hash.to_string(),
            created_by_source: true,
            archived_by_source: false,
            detached: false,
        },
    );
    Ok(RecordReport {
        source_record_id: Some(listing.source_record_id.clone()),
        position: listing.position,
        outcome: if created {
            RecordOutcome::Created
        } else {
            RecordOutcome::Updated
        },
        service_id: Some(service_id),
        organization_id: Some(organization_id),
        organization_linked,
    })
}
