//! Writing a listing's parts for the apply path ([`super::apply`]): the service built from a
//! record, its organisation (found, linked or created), its venues and its schedules, each
//! with its audit entry and change-log row.

use std::collections::HashMap;

use crate::store::db::{self, Conn};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::apply::*;
use super::matcher::OrgMatcher;
use super::record::*;
use crate::domain::*;
use crate::editing::audit;
use crate::editing::review::likely_duplicates;
use crate::editing::ResourceKind;
use crate::error::{Error, Result};
use crate::store::feed::{record_change, ChangeKind};
use crate::store::imports::{self as links, RecordLink};
use crate::store::read::{location_by_id, organization_by_id};
use crate::store::write;
use crate::Directory;

/// The service areas that name places the directory holds: an area elsewhere (a national
/// source's Suffolk district in a Norfolk directory) cannot be searched by place, so it is left
/// out rather than rejecting the whole listing.
pub(super) fn known_areas(directory: &Directory, areas: &[ServiceArea]) -> Vec<ServiceArea> {
    let places = directory.places();
    areas
        .iter()
        .filter(|area| places.get(&area.place_code).is_some())
        .cloned()
        .collect()
}

/// The id for a new listing: the source's UUID when ids are kept and it is free, else derived.
pub(super) fn choose_id(
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
pub(super) fn build_service(
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
pub(super) async fn resolve_organization(
    directory: &Directory,
    conn: &mut Conn<'_>,
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
pub(super) async fn save_organization(
    conn: &mut Conn<'_>,
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
    audit_write(
        conn,
        source,
        Written::Organization(id),
        before,
        created,
        organization.version,
    )
    .await
}

/// Creates or updates a venue (placed at its postcode when it has no point).
#[allow(clippy::too_many_arguments)]
pub(super) async fn save_venue(
    directory: &Directory,
    conn: &mut Conn<'_>,
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
        let others: Vec<String> = db::query_scalar("SELECT service_id FROM service_at_location WHERE location_id = ?")
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
pub(super) async fn save_schedules(
    conn: &mut Conn<'_>,
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
        db::query_as::<(String, String, i64)>("SELECT id, service_id, version FROM schedules WHERE service_id = ?")
            .bind(service_id.to_string())
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .map(|(id, service, version)| (id, (service, version)))
            .collect()
    };
    let mut kept = Vec::with_capacity(listing.schedules.len());
    for (at, imported) in listing.schedules.iter().enumerate() {
        let (id, location_id) = schedule_place(source, service_id, at, imported, venue_ids, |preferred| {
            !state.taken.contains(&preferred) || versions.contains_key(&preferred.to_string())
        })?;
        let field = |name: &str| format!("schedules[{at}].{name}");
        let version = versions.get(&id.to_string()).map_or(1, |(_, version)| version + 1);
        let schedule = imported.to_schedule(id, service_id, location_id, version, field)?;
        write::save_schedule(conn, &schedule).await?;
        kept.push(id);
    }
    if !service_existed {
        return Ok(());
    }
    links::archive_schedules_except(conn, service_id, &kept).await
}

/// A listing's schedule `at`: its id (the source's when ids are kept and `may_keep` the
/// source's one, else derived from the service and the schedule's record id or place) and its
/// venue among `venue_ids` (record id → location id), or the error naming the venue it lacks.
pub(super) fn schedule_place(
    source: &SourceRef,
    service_id: Uuid,
    at: usize,
    imported: &ImportedSchedule,
    venue_ids: &[(String, Uuid)],
    may_keep: impl Fn(Uuid) -> bool,
) -> Result<(Uuid, Option<Uuid>)> {
    let key = imported.source_record_id.clone().unwrap_or_else(|| at.to_string());
    let derived = Uuid::new_v5(&service_id, format!("schedule:{key}").as_bytes());
    let id = match imported.preferred_id {
        Some(preferred) if source.keep_ids && may_keep(preferred) => preferred,
        _ => derived,
    };
    let location_id = match &imported.venue_record_id {
        Some(venue) => Some(
            venue_ids
                .iter()
                .find(|(record, _)| record == venue)
                .map(|(_, id)| *id)
                .ok_or_else(|| {
                    Error::invalid(
                        format!("schedules[{at}].location"),
                        format!("no venue {venue:?} in this listing"),
                    )
                })?,
        ),
        None => None,
    };
    Ok((id, location_id))
}
