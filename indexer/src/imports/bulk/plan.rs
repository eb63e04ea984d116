//! Planning a new listing for the bulk writer, in memory: the same rules as the per-record
//! path ([`crate::imports::apply`], [`crate::imports::parts`]) for a listing the source never
//! brought in before: its organisation found, linked (a duplicate) or created, its venues found
//! or created, its service and schedules built and validated. Nothing is written here; a plan
//! becomes rows only when the whole record validated, so a bad record leaves nothing behind.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::created_audit::{organization_changes, service_changes};
use super::Hashes;
use crate::areas::PostcodeTable;
use crate::domain::*;
use crate::error::{Error, Result};
use crate::imports::apply::{derived_id, LOCATION, ORGANIZATION, SERVICE};
use crate::imports::matcher::OrgMatcher;
use crate::imports::parts::{build_service, schedule_place};
use crate::imports::record::*;
use crate::places::PlaceIndex;
use crate::store::bulk::{hash_bytes, BulkRows, KeptLink, NewAudit, NewRecordLink};
use crate::store::feed::ChangeKind;

/// Whether cleaning `raw` as plain text would give it back unchanged: printable ASCII without
/// markup (`<`, `&`), runs of spaces or surrounding space. Most imported text is; the rest is
/// cleaned by [`text::optional_plain_text`] (an HTML parse, too slow for a million records).
fn already_plain(raw: &str) -> bool {
    let bytes = raw.as_bytes();
    bytes
        .iter()
        .all(|&b| (0x20..0x7f).contains(&b) && b != b'<' && b != b'&')
        && bytes.first() != Some(&b' ')
        && bytes.last() != Some(&b' ')
        && !raw.contains("  ")
}

/// [`text::optional_plain_text`], without the HTML parse when the text is already plain.
pub(super) fn optional_plain_text(field: &str, raw: &str, max: usize) -> Result<Option<String>> {
    if !already_plain(raw) {
        return text::optional_plain_text(field, raw, max);
    }
    if raw.len() > max {
        return Err(Error::invalid(field, format!("must be at most {max} characters long")));
    }
    Ok((!raw.is_empty()).then(|| raw.to_string()))
}

/// [`text::plain_text`], without the HTML parse when the text is already plain.
pub(super) fn plain_text(field: &str, raw: &str, max: usize) -> Result<String> {
    optional_plain_text(field, raw, max)?.ok_or_else(|| Error::invalid(field, "must not be empty"))
}

/// What a run knows of the source's links (read once, then kept up to date in memory).
#[derive(Default)]
pub(super) struct Known {
    pub(super) services: HashMap<String, KeptLink>,
    pub(super) organizations: HashMap<String, KeptLink>,
    pub(super) venues: HashMap<String, KeptLink>,
    /// Duplicate organisations, read when the run first meets a new listing.
    pub(super) matcher: Option<OrgMatcher>,
    /// The load dropped the secondary indexes, to build them at its end.
    pub(super) indexes_deferred: bool,
    /// Records the run sent through the per-record path so far.
    pub(super) slow_records: usize,
    /// The search documents of the run's new listings, made as they are written, for the
    /// rebuild at its end (a run that may write enough listings to rebuild).
    pub(super) premade: Option<crate::search::sync::Premade>,
    /// New listings written without a premade document (the rebuild reads them).
    pub(super) not_premade: usize,
    /// The venues the run wrote, for its premade documents.
    pub(super) premade_venues: super::premade::RunVenues,
}

impl Known {
    /// The lines a run may skip unparsed: those of service records neither archived by the
    /// source nor detached (see [`super::read::SameLines`]).
    pub(super) fn same_lines(&self) -> super::read::SameLines {
        self.services
            .iter()
            .filter(|(_, link)| !link.archived_by_source && !link.detached)
            .filter_map(|(record_id, link)| link.line.map(|line| (line, record_id.clone())))
            .collect()
    }
}

/// A chunk in progress: its rows and what they add to [`Known`] once committed.
#[derive(Default)]
pub(super) struct Staged {
    pub(super) services: HashMap<String, KeptLink>,
    pub(super) organizations: HashMap<String, KeptLink>,
    pub(super) venues: HashMap<String, KeptLink>,
    /// Organisations created in the chunk, for duplicates later in it and, once committed,
    /// for the run's matcher.
    pub(super) matcher: OrgMatcher,
    pub(super) created_organizations: Vec<(Uuid, String, Option<String>, Vec<OrganizationIdentifier>)>,
    pub(super) created_ids: HashSet<Uuid>,
    pub(super) rows: BulkRows,
    pub(super) reports: Vec<RecordReport>,
}

impl Known {
    /// Takes in a committed chunk's links and organisations.
    pub(super) fn merge(&mut self, staged: Staged) {
        self.services.extend(staged.services);
        self.organizations.extend(staged.organizations);
        self.venues.extend(staged.venues);
        let Some(matcher) = self.matcher.as_mut() else {
            return;
        };
        for (id, name, postcode, identifiers) in &staged.created_organizations {
            matcher.add(*id, name, postcode.as_deref(), identifiers);
        }
    }
}

/// What planning needs besides the links.
pub(super) struct Context<'a> {
    pub(super) source: &'a SourceRef,
    pub(super) places: Arc<PlaceIndex>,
    pub(super) postcodes: Arc<PostcodeTable>,
    /// Preferred ids that already name a row (read set-wise for the chunk).
    pub(super) taken: HashSet<Uuid>,
    pub(super) now: DateTime<Utc>,
}

/// Where a planned listing's organisation comes from.
enum PlannedOrganization {
    /// One the source brought in (unchanged) or linked before, or one created earlier.
    Known { id: Uuid, linked: bool },
    /// An existing organisation this one duplicates: linked, never changed.
    Link { id: Uuid, hash: String },
    /// A new organisation.
    Create {
        organization: Box<Organization>,
        hash: String,
    },
}

/// A new listing, validated, ready to become rows.
pub(super) struct Planned {
    organization: PlannedOrganization,
    /// New venues with their places and hashes, keyed by record id.
    venues: Vec<(String, Location, LocationPlaces, String)>,
    service: Service,
    areas: Vec<ServiceArea>,
    location_ids: Vec<Uuid>,
    schedules: Vec<Schedule>,
    hash: String,
}

fn link(id: Uuid, hash: &str, created_by_source: bool, line: Option<[u8; 16]>) -> KeptLink {
    KeptLink {
        entity_id: id,
        hash: hash_bytes(hash),
        created_by_source,
        archived_by_source: false,
        detached: false,
        line,
    }
}

impl Context<'_> {
    /// The source's UUID when ids are kept and it is free, else the derived id.
    fn choose_id(
        &self,
        staged: &Staged,
        local: &HashSet<Uuid>,
        kind: &str,
        record_id: &str,
        preferred: Option<Uuid>,
    ) -> Uuid {
        match (self.source.keep_ids, preferred) {
            (true, Some(id))
                if !self.taken.contains(&id) && !staged.created_ids.contains(&id) && !local.contains(&id) =>
            {
                id
            }
            _ => derived_id(self.source, kind, record_id),
        }
    }

    fn publication(&self) -> ListingState {
        ListingState {
            publication: match self.source.trust {
                Trust::Publish => Publication::Published,
                Trust::Moderate => Publication::PendingReview,
            },
            ..ListingState::default()
        }
    }

    /// Plans a listing the source has not brought in before. `Ok(None)`: it touches something
    /// that changed (an organisation or venue the source brought in before), which the
    /// per-record path applies; `Err`: the record is rejected with that field and reason.
    pub(super) fn plan(
        &self,
        known: &Known,
        staged: &Staged,
        listing: &ImportedListing,
        hashes: &Hashes,
    ) -> Result<Option<Planned>> {
        let mut local: HashSet<Uuid> = HashSet::new();
        let name = plain_text("name", &listing.service.name, text::NAME_MAX)?;
        let description = optional_plain_text("description", &listing.service.description, text::DESCRIPTION_MAX)?
            .unwrap_or_default();
        let Some(organization) = self.plan_organization(known, staged, &mut local, listing, &hashes.organization)?
        else {
            return Ok(None);
        };
        let organization_id = match &organization {
            PlannedOrganization::Known { id, .. } | PlannedOrganization::Link { id, .. } => *id,
            PlannedOrganization::Create { organization, .. } => organization.id,
        };
        let mut venue_ids: Vec<(String, Uuid)> = Vec::with_capacity(listing.venues.len());
        let mut venues = Vec::new();
        for (at, (venue, hash)) in listing.venues.iter().zip(&hashes.venues).enumerate() {
            let record_id = &venue.source_record_id;
            let known_link = staged.venues.get(record_id).or_else(|| known.venues.get(record_id));
            let id = match known_link {
                Some(link) if link.hash == hash_bytes(hash) => link.entity_id,
                Some(_) => return Ok(None),
                None => match venues
                    .iter()
                    .find(|(id, _, _, _): &&(String, Location, LocationPlaces, String)| id == record_id)
                {
                    Some((_, location, _, known_hash)) if known_hash == hash => location.id,
                    Some(_) => return Ok(None),
                    None => {
                        let (location, places) = self.venue(staged, &mut local, venue, organization_id, at)?;
                        let id = location.id;
                        venues.push((record_id.clone(), location, places, hash.clone()));
                        id
                    }
                },
            };
            venue_ids.push((record_id.clone(), id));
        }
        let service_id = self.choose_id(staged, &local, SERVICE, &listing.source_record_id, listing.preferred_id);
        let mut service = build_service(self.source, listing, service_id, organization_id, None, self.now);
        service.name = name;
        service.description = description;
        let areas: Vec<ServiceArea> = listing
            .service_areas
            .iter()
            .filter(|area| self.places.get(&area.place_code).is_some())
            .cloned()
            .collect();
        let mut location_ids: Vec<Uuid> = venue_ids.iter().map(|(_, id)| *id).collect();
        location_ids.sort();
        location_ids.dedup();
        let mut schedules = Vec::with_capacity(listing.schedules.len());
        for (at, imported) in listing.schedules.iter().enumerate() {
            let (id, location_id) = schedule_place(self.source, service_id, at, imported, &venue_ids, |preferred| {
                !self.taken.contains(&preferred)
            })?;
            let field = |name: &str| format!("schedules[{at}].{name}");
            schedules.push(imported.to_schedule(id, service_id, location_id, 1, field)?);
        }
        Ok(Some(Planned {
            organization,
            venues,
            service,
            areas,
            location_ids,
            schedules,
            hash: hashes.listing.clone(),
        }))
    }

    fn plan_organization(
        &self,
        known: &Known,
        staged: &Staged,
        local: &mut HashSet<Uuid>,
        listing: &ImportedListing,
        hash: &str,
    ) -> Result<Option<PlannedOrganization>> {
        let imported = &listing.organization;
        let record_id = &imported.source_record_id;
        if let Some(link) = staged
            .organizations
            .get(record_id)
            .or_else(|| known.organizations.get(record_id))
        {
            if link.hash == hash_bytes(hash) || !link.created_by_source || link.detached {
                return Ok(Some(PlannedOrganization::Known {
                    id: link.entity_id,
                    linked: !link.created_by_source,
                }));
            }
            return Ok(None);
        }
        let name = plain_text("organization.name", &imported.name, text::NAME_MAX)?;
        let postcode = imported
            .postcode
            .clone()
            .or_else(|| listing.venues.iter().find_map(|venue| venue.postcode.clone()));
        let duplicate = known
            .matcher
            .as_ref()
            .and_then(|matcher| matcher.find(&name, postcode.as_deref(), &imported.identifiers))
            .or_else(|| staged.matcher.find(&name, postcode.as_deref(), &imported.identifiers));
        if let Some(id) = duplicate {
            return Ok(Some(PlannedOrganization::Link {
                id,
                hash: hash.to_string(),
            }));
        }
        let id = self.choose_id(staged, local, ORGANIZATION, record_id, imported.preferred_id);
        local.insert(id);
        let description =
            optional_plain_text("organization.description", &imported.description, text::DESCRIPTION_MAX)?
                .unwrap_or_default();
        Ok(Some(PlannedOrganization::Create {
            organization: Box::new(Organization {
                id,
                name,
                description,
                url: imported.url.clone(),
                email: imported.email.clone(),
                phone: imported.phone.clone(),
                identifiers: imported.identifiers.clone(),
                is_example: false,
                attribution: self.source.attribution.clone(),
                created_at: self.now,
                updated_at: self.now,
                last_reviewed_at: None,
                version: 1,
                state: self.publication(),
                trusted: false,
                postcode: imported.postcode.clone(),
            }),
            hash: hash.to_string(),
        }))
    }

    /// A new venue, validated and placed (at its postcode's centre when it has no point).
    fn venue(
        &self,
        staged: &Staged,
        local: &mut HashSet<Uuid>,
        venue: &ImportedVenue,
        organization_id: Uuid,
        at: usize,
    ) -> Result<(Location, LocationPlaces)> {
        let field = |name: &str| format!("locations[{at}].{name}");
        let name = plain_text(&field("name"), &venue.name, text::NAME_MAX)?;
        let postcode = venue
            .postcode
            .as_deref()
            .filter(|raw| !raw.trim().is_empty())
            .map(|raw| Postcode::parse(raw).map_err(|e| e.for_field(field("postcode"))))
            .transpose()?;
        let (latitude, longitude) = match (venue.point, &postcode) {
            (Some(point), _) => point,
            (None, Some(postcode)) => match self.postcodes.get(postcode) {
                Some(record) => (record.latitude, record.longitude),
                None => {
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
        let id = self.choose_id(staged, local, LOCATION, &venue.source_record_id, venue.preferred_id);
        local.insert(id);
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
            organization_id: Some(organization_id),
            archived_at: None,
            version: 1,
        };
        Ok((location, self.places.location_places(point)))
    }
}

impl Staged {
    /// Remembers that the source's `record_id` of `kind` became `entity_id` (for later
    /// records of the run) and stages the link's row.
    #[allow(clippy::too_many_arguments)]
    fn keep_link(
        &mut self,
        source: &SourceRef,
        kind: &'static str,
        record_id: &str,
        entity_id: Uuid,
        hash: String,
        created_by_source: bool,
        line: Option<[u8; 16]>,
    ) {
        let kept = match kind {
            ORGANIZATION => &mut self.organizations,
            LOCATION => &mut self.venues,
            _ => &mut self.services,
        };
        kept.insert(record_id.to_string(), link(entity_id, &hash, created_by_source, line));
        self.rows.record_links.push(NewRecordLink {
            source_id: source.id,
            kind,
            record_id: record_id.to_string(),
            entity_id,
            content_hash: hash,
            created_by_source,
            line_hash: line,
        });
    }

    /// Turns a plan into the chunk's rows (audit entries and change-log rows included) and
    /// remembers its links (`line`: the hash of the line the listing was read from); returns
    /// the record's report.
    pub(super) fn add(
        &mut self,
        source: &SourceRef,
        listing: &ImportedListing,
        planned: Planned,
        line: Option<[u8; 16]>,
    ) -> RecordReport {
        let Planned {
            organization,
            venues,
            service,
            areas,
            location_ids,
            schedules,
            hash,
        } = planned;
        let organization_record = &listing.organization.source_record_id;
        let (organization_id, linked) = match organization {
            PlannedOrganization::Known { id, linked } => (id, linked),
            PlannedOrganization::Link { id, hash } => {
                self.keep_link(source, ORGANIZATION, organization_record, id, hash, false, None);
                (id, true)
            }
            PlannedOrganization::Create { organization, hash } => {
                let id = organization.id;
                self.created_ids.insert(id);
                let postcode = listing
                    .organization
                    .postcode
                    .clone()
                    .or_else(|| listing.venues.iter().find_map(|venue| venue.postcode.clone()));
                self.matcher
                    .add(id, &organization.name, postcode.as_deref(), &organization.identifiers);
                self.created_organizations.push((
                    id,
                    organization.name.clone(),
                    postcode,
                    organization.identifiers.clone(),
                ));
                self.keep_link(source, ORGANIZATION, organization_record, id, hash, true, None);
                self.rows.audit.push(NewAudit {
                    resource_type: ORGANIZATION,
                    resource_id: id,
                    action: "create",
                    version: 1,
                    changes: organization_changes(&organization),
                });
                self.rows.changes.push((ChangeKind::Organization, id));
                self.rows.organizations.push(*organization);
                (id, false)
            }
        };
        for (record_id, location, places, hash) in venues {
            self.created_ids.insert(location.id);
            self.keep_link(source, LOCATION, &record_id, location.id, hash, true, None);
            self.rows.locations.push((location, places));
        }
        let service_id = service.id;
        self.created_ids.insert(service_id);
        for location_id in &location_ids {
            let link_id = Uuid::new_v5(&Uuid::NAMESPACE_OID, format!("{service_id}:{location_id}").as_bytes());
            self.rows.service_locations.push((link_id, service_id, *location_id));
        }
        self.rows.audit.push(NewAudit {
            resource_type: SERVICE,
            resource_id: service_id,
            action: "create",
            version: 1,
            changes: service_changes(&service, &areas, &location_ids),
        });
        self.rows
            .service_areas
            .extend(areas.into_iter().map(|area| (service_id, area)));
        self.rows.schedules.extend(schedules);
        self.rows.changes.push((ChangeKind::Service, service_id));
        self.keep_link(source, SERVICE, &listing.source_record_id, service_id, hash, true, line);
        self.rows.services.push(service);
        RecordReport {
            source_record_id: Some(listing.source_record_id.clone()),
            position: listing.position,
            outcome: RecordOutcome::Created,
            service_id: Some(service_id),
            organization_id: Some(organization_id),
            organization_linked: linked,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_gives_what_the_full_cleaning_gives() {
        for raw in [
            "Tai chi for better balance, Norwich",
            "Fish > chips \"quoted\" it's (1/2) 50% #3",
            "  padded  ",
            "two  spaces",
            "<b>bold</b> &amp; more",
            "line\nbreak",
            "café",
            "",
            "   ",
        ] {
            assert_eq!(
                optional_plain_text("name", raw, 200).ok(),
                text::optional_plain_text("name", raw, 200).ok(),
                "{raw:?}"
            );
        }
        assert!(optional_plain_text("name", &"x".repeat(201), 200).is_err());
    }
}
