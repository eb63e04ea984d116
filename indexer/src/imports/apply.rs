//! Applying a batch of source records: one write transaction per batch, one savepoint per
//! record (a bad record rolls back alone and is reported; a database failure rolls back the
//! batch), set-wise reads of the batch's links, and nothing written for a record whose content
//! hash is what was read last time.
//!
//! Each created or changed listing gets its audit entry (`updated_by` = `import:<source>`)
//! and its change-log row, like an edit, so the search index and the feeds follow imports the
//! same way they follow people.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use sqlx::SqliteConnection;
use uuid::Uuid;

use super::matcher::OrgMatcher;
use super::record::*;
use crate::domain::*;
use crate::editing::audit;
use crate::editing::review::likely_duplicates;
use crate::editing::ResourceKind;
use crate::error::{Error, Result};
use crate::store::feed::{record_change, ChangeKind};
use crate::store::imports::{self as links, RecordLink};
use crate::store::read::{location_by_id, organization_by_id, service_by_id};
use crate::store::write;
use crate::Directory;

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
struct BatchState {
    services: HashMap<String, RecordLink>,
    organizations: HashMap<String, RecordLink>,
    venues: HashMap<String, RecordLink>,
    /// Organisations created (id, name, postcode, identifiers), for the run's matcher.
    created_organizations: Vec<(Uuid, String, Option<String>, Vec<OrganizationIdentifier>)>,
    /// The batch's preferred (source) ids that already name a row: read once, set-wise.
    taken: HashSet<Uuid>,
    /// Ids given to rows created by the record in progress.
    created_ids: HashSet<Uuid>,
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
                let mut savepoint = sqlx::Connection::begin(&mut *tx).await?;
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

fn rejected_record(listing: &ImportedListing, reason: &str, field: Option<String>) -> RecordReport {
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
async fn read_links(conn: &mut SqliteConnection, source: &SourceRef, items: &[ImportItem]) -> Result<BatchState> {
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
    conn: &mut SqliteConnection,
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
            &serde_json::to_string(&changes).unwrap_or_else(|_| "[]".into()),
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
    conn: &mut SqliteConnection,
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
    let after = audit::snapshot(conn, ResourceKind::Service, service_id)
        .await?
        .ok_or_else(|| Error::not_found("service", service_id.to_string()))?;
    let changes = audit::diff(before.as_ref(), &after);
    links::audit_by_source(
        conn,
        SERVICE,
        service_id,
        if created { "create" } else { "update" },
        &source.actor(),
        Some(service.version),
        None,
        &serde_json::to_string(&changes).unwrap_or_else(|_| "[]".into()),
    )
    .await?;
    record_change(conn, ChangeKind::Service, service_id).await?;
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

/// The service areas that name places the directory holds: an area elsewhere (a national
/// source's Suffolk district in a Norfolk directory) cannot be searched by place, so it is left
/// out rather than rejecting the whole listing.
fn known_areas(directory: &Directory, areas: &[ServiceArea]) -> Vec<ServiceArea> {
    let places = directory.places();
    areas
        .iter()
        .filter(|area| places.get(&area.place_code).is_some())
        .cloned()
        .collect()
}

/// The id for a new listing: the source's UUID when ids are kept and it is free, else derived.
fn choose_id(
    source: &SourceRef,
    state: &BatchState,
    staged: &mut BatchState,
    kind: &str,
    record_id: &str,
    preferred: Option<Uuid>,
) -> Uuid {
    let id = match (source.keep_ids, preferred) {
        (true, Some(preferred)) if !state.taken.contains(&preferred) && !staged.created_ids.contains(&preferred) => {
            preferred
        }
        _ => derived_id(source, kind, record_id),
    };
    staged.created_ids.insert(id);
    id
}

/// The service as it will be stored: the source's content over the directory's state.
fn build_service(
    source: &SourceRef,
    listing: &ImportedListing,
    id: Uuid,
    organization_id: Uuid,
    stored: Option<Service>,
    now: DateTime<Utc>,
) -> Service {
    let content = &listing.service;
    let (created_at, version, state) = match &stored {
        Some(stored) => {
            // A record the source removed and lists again comes back.
            let mut state = stored.state.clone();
            state.archived_at = None;
            (stored.created_at, stored.version + 1, state)
        }
        None => (
            now,
            1,
            ListingState {
                publication: match source.trust {
                    Trust::Publish => Publication::Published,
                    Trust::Moderate => Publication::PendingReview,
                },
                ..ListingState::default()
            },
        ),
    };
    Service {
        id,
        organization_id,
        name: content.name.clone(),
        description: content.description.clone(),
        url: content.url.clone(),
        email: content.email.clone(),
        phone: content.phone.clone(),
        status: content.status,
        minimum_age: content.minimum_age,
        maximum_age: content.maximum_age,
        eligibility_description: content.eligibility_description.clone(),
        delivery_modes: content.delivery_modes.clone(),
        free: content.free,
        cost_options: content.cost_options.clone(),
        languages: content.languages.clone(),
        contacts: content.contacts.clone(),
        how_to_join: content.how_to_join.clone(),
        needs: content.needs.clone(),
        activity_concepts: content.activity_concepts.clone(),
        is_example: false,
        attribution: source.attribution.clone(),
        created_at,
        updated_at: now,
        last_reviewed_at: listing.last_reviewed_at.or(stored.and_then(|s| s.last_reviewed_at)),
        version,
        state,
    }
}

/// The organisation of a listing: the one this source brought in before (updated when its
/// content changed), an existing one it duplicates (linked, never changed), or a new one.
#[allow(clippy::too_many_arguments)]
async fn resolve_organization(
    directory: &Directory,
    conn: &mut SqliteConnection,
    source: &SourceRef,
    state: &BatchState,
    staged: &mut BatchState,
    matcher: Option<&OrgMatcher>,
    listing: &ImportedListing,
    now: DateTime<Utc>,
) -> Result<(Uuid, bool)> {
    let imported = &listing.organization;
    let record_id = &imported.source_record_id;
    let hash = content_hash(imported);
    if let Some(link) = state.organizations.get(record_id) {
        if link.content_hash == hash || !link.created_by_source || link.detached {
            return Ok((link.entity_id, !link.created_by_source));
        }
    }
    let name = text::plain_text("organization.name", &imported.name, text::NAME_MAX)?;
    let existing = state.organizations.get(record_id);
    let (id, linked) = match existing {
        Some(link) => (link.entity_id, false),
        None => {
            let postcode = imported
                .postcode
                .clone()
                .or_else(|| listing.venues.iter().find_map(|venue| venue.postcode.clone()));
            let duplicate = match matcher {
                Some(matcher) => matcher.find(&name, postcode.as_deref(), &imported.identifiers),
                None => likely_duplicates(directory.store(), &name, postcode.as_deref(), &imported.identifiers)
                    .await?
                    .first()
                    .map(|duplicate| duplicate.organization.id),
            };
            match duplicate {
                Some(id) => (id, true),
                None => {
                    let id = choose_id(source, state, staged, ORGANIZATION, record_id, imported.preferred_id);
                    staged.created_organizations.push((
                        id,
                        name.clone(),
                        postcode.clone(),
                        imported.identifiers.clone(),
                    ));
                    (id, false)
                }
            }
        }
    };
    if !linked {
        save_organization(conn, source, imported, id, name, existing.is_some(), now).await?;
    }
    links::save_record_link(conn, source.id, ORGANIZATION, record_id, id, &hash, !linked, now).await?;
    staged.organizations.insert(
        record_id.clone(),
        RecordLink {
            entity_id: id,
            content_hash: hash,
            created_by_source: !linked,
            archived_by_source: false,
            detached: false,
        },
    );
    Ok((id, linked))
}

/// Creates or updates an organisation the source owns, with audit and change log.
async fn save_organization(
    conn: &mut SqliteConnection,
    source: &SourceRef,
    imported: &ImportedOrganization,
    id: Uuid,
    name: String,
    existing: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    let (before, stored) = if existing {
        (
            audit::snapshot(conn, ResourceKind::Organization, id).await?,
            organization_by_id(&mut *conn, id).await?,
        )
    } else {
        (None, None)
    };
    let created = stored.is_none();
    let organization = Organization {
        id,
        name,
        description: text::optional_plain_text(
            "organization.description",
            &imported.description,
            text::DESCRIPTION_MAX,
        )?
        .unwrap_or_default(),
        url: imported.url.clone(),
        email: imported.email.clone(),
        phone: imported.phone.clone(),
        identifiers: imported.identifiers.clone(),
        is_example: false,
        attribution: source.attribution.clone(),
        created_at: stored.as_ref().map_or(now, |o| o.created_at),
        updated_at: now,
        last_reviewed_at: stored.as_ref().and_then(|o| o.last_reviewed_at),
        version: stored.as_ref().map_or(1, |o| o.version + 1),
        state: match &stored {
            Some(stored) => stored.state.clone(),
            None => ListingState {
                publication: match source.trust {
                    Trust::Publish => Publication::Published,
                    Trust::Moderate => Publication::PendingReview,
                },
                ..ListingState::default()
            },
        },
        trusted: stored.as_ref().is_some_and(|o| o.trusted),
        postcode: imported.postcode.clone(),
    };
    write::save_organization(conn, &organization).await?;
    let after = audit::snapshot(conn, ResourceKind::Organization, id)
        .await?
        .ok_or_else(|| Error::not_found("organization", id.to_string()))?;
    let changes = audit::diff(before.as_ref(), &after);
    links::audit_by_source(
        conn,
        ORGANIZATION,
        id,
        if created { "create" } else { "update" },
        &source.actor(),
        Some(organization.version),
        None,
        &serde_json::to_string(&changes).unwrap_or_else(|_| "[]".into()),
    )
    .await?;
    record_change(conn, ChangeKind::Organization, id).await?;
    Ok(())
}

/// Creates or updates a venue (placed at its postcode when it has no point).
#[allow(clippy::too_many_arguments)]
async fn save_venue(
    directory: &Directory,
    conn: &mut SqliteConnection,
    source: &SourceRef,
    state: &BatchState,
    staged: &mut BatchState,
    venue: &ImportedVenue,
    organization_id: Uuid,
    at: usize,
    now: DateTime<Utc>,
) -> Result<Uuid> {
    let record_id = &venue.source_record_id;
    let hash = content_hash(venue);
    let known = staged
        .venues
        .get(record_id)
        .or_else(|| state.venues.get(record_id))
        .cloned();
    if let Some(link) = &known {
        if link.content_hash == hash {
            return Ok(link.entity_id);
        }
    }
    let field = |name: &str| format!("locations[{at}].{name}");
    let name = text::plain_text(&field("name"), &venue.name, text::NAME_MAX)?;
    let postcode = venue
        .postcode
        .as_deref()
        .filter(|raw| !raw.trim().is_empty())
        .map(|raw| Postcode::parse(raw).map_err(|e| e.for_field(field("postcode"))))
        .transpose()?;
    let (latitude, longitude) = match (venue.point, &postcode) {
        (Some(point), _) => point,
        (None, Some(postcode)) => match directory.postcode(postcode).await {
            Ok(record) => (record.latitude, record.longitude),
            Err(_) => {
                return Err(Error::invalid(
                    field("postcode"),
                    format!(
                        "{} is not in the directory's postcode table and the venue has no latitude and longitude",
                        postcode.as_str()
                    ),
                ))
            }
        },
        (None, None) => {
            return Err(Error::invalid(
                field("postcode"),
                "a venue needs a postcode or a latitude and longitude",
            ))
        }
    };
    let point = GeoPoint::new(latitude, longitude).map_err(|(_, e)| e.for_field(field("latitude")))?;
    let id = match &known {
        Some(link) => link.entity_id,
        None => choose_id(source, state, staged, LOCATION, record_id, venue.preferred_id),
    };
    let stored = match known {
        Some(_) => location_by_id(&mut *conn, id).await?,
        None => None,
    };
    let location = Location {
        id,
        name,
        address_1: venue.address_1.clone(),
        city: venue.city.clone(),
        postcode: postcode.map(|p| p.as_str().to_string()),
        latitude: point.latitude(),
        longitude: point.longitude(),
        accessibility: venue.accessibility.clone(),
        is_example: false,
        organization_id: stored.as_ref().map_or(Some(organization_id), |l| l.organization_id),
        archived_at: None,
        version: stored.as_ref().map_or(1, |l| l.version + 1),
    };
    let places = directory.places().location_places(point);
    write::save_location(conn, &location, &places).await?;
    if stored.is_some() {
        // The venue's other services change with it (this one is recorded by the caller).
        let others: Vec<String> =
            sqlx::query_scalar("SELECT service_id FROM service_at_location WHERE location_id = ?")
                .bind(id.to_string())
                .fetch_all(&mut *conn)
                .await?;
        for other in others {
            record_change(conn, ChangeKind::Service, crate::store::rows::uuid(&other)?).await?;
        }
    }
    links::save_record_link(conn, source.id, LOCATION, record_id, id, &hash, true, now).await?;
    staged.venues.insert(
        record_id.clone(),
        RecordLink {
            entity_id: id,
            content_hash: hash,
            created_by_source: true,
            archived_by_source: false,
            detached: false,
        },
    );
    Ok(id)
}

/// Saves a listing's schedules and archives the service's schedules it no longer lists.
#[allow(clippy::too_many_arguments)]
async fn save_schedules(
    conn: &mut SqliteConnection,
    source: &SourceRef,
    state: &BatchState,
    listing: &ImportedListing,
    service_id: Uuid,
    venue_ids: &[(String, Uuid)],
    service_existed: bool,
) -> Result<()> {
    // A new service has no schedules yet: nothing to read, nothing to archive.
    let versions: HashMap<String, (String, i64)> = if !service_existed {
        HashMap::new()
    } else {
        sqlx::query_as::<_, (String, String, i64)>("SELECT id, service_id, version FROM schedules WHERE service_id = ?")
            .bind(service_id.to_string())
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .map(|(id, service, version)| (id, (service, version)))
            .collect()
    };
    let mut kept = Vec::with_capacity(listing.schedules.len());
    for (at, imported) in listing.schedules.iter().enumerate() {
        let key = imported.source_record_id.clone().unwrap_or_else(|| at.to_string());
        let derived = Uuid::new_v5(&service_id, format!("schedule:{key}").as_bytes());
        let id = match imported.preferred_id {
            Some(preferred) if source.keep_ids => {
                if !state.taken.contains(&preferred) || versions.contains_key(&preferred.to_string()) {
                    preferred
                } else {
                    derived
                }
            }
            _ => derived,
        };
        let field = |name: &str| format!("schedules[{at}].{name}");
        let location_id = match &imported.venue_record_id {
            Some(venue) => Some(
                venue_ids
                    .iter()
                    .find(|(record, _)| record == venue)
                    .map(|(_, id)| *id)
                    .ok_or_else(|| Error::invalid(field("location"), format!("no venue {venue:?} in this listing")))?,
            ),
            None => None,
        };
        crate::domain::schedule::parse_byday(&imported.byday).map_err(|e| e.for_field(field("byday")))?;
        let schedule = Schedule {
            id,
            service_id,
            location_id,
            freq: imported.freq,
            interval: imported.interval.max(1),
            byday: imported.byday.clone(),
            opens_at: imported.opens_at.clone(),
            closes_at: imported.closes_at.clone(),
            valid_from: imported.valid_from,
            valid_to: imported.valid_to,
            description: imported.description.clone(),
            archived_at: None,
            version: versions.get(&id.to_string()).map_or(1, |(_, version)| version + 1),
        };
        write::save_schedule(conn, &schedule).await?;
        kept.push(id);
    }
    if !service_existed {
        return Ok(());
    }
    links::archive_schedules_except(conn, service_id, &kept).await
}
