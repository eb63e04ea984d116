//! Creating and updating organisations, services, venues, schedules and funds.
//!
//! New listings from an editor of an untrusted organisation start `pending_review`; moderators'
//! and trusted organisations' publish at once. An edit to a rejected listing sends it back for
//! review. Edits to published listings publish directly (reviewed afterwards through `history`).

use chrono::Utc;
use uuid::Uuid;

use super::audit::Action;
use super::input::*;
use super::review::{self, DuplicateCandidate};
use super::{Edit, Edited, ResourceKind};
use crate::accounts::Viewer;
use crate::domain::*;
use crate::error::{Error, Result};
use crate::store::read::{fund_by_id, location_by_id, organization_by_id, schedule_by_id, service_by_id};
use crate::store::write;
use crate::Directory;

/// How far a venue's coordinates may lie from the centre of its postcode. Postcode units
/// cover a street or a few; even rural ones rarely span a few kilometres.
pub const POSTCODE_DISTANCE_LIMIT_KM: f64 = 5.0;

/// The moderation state a new listing starts in.
async fn new_listing_state(edit: &mut Edit<'_>) -> Result<ListingState> {
    let publication = if edit.viewer().is_moderator() || edit.owner_is_trusted().await? {
        Publication::Published
    } else {
        Publication::PendingReview
    };
    Ok(ListingState {
        publication,
        ..ListingState::default()
    })
}

/// After an edit: a rejected listing goes back for review (unless a moderator edited it).
fn resubmit_if_rejected(state: &mut ListingState, viewer: &Viewer) {
    if state.publication == Publication::Rejected && !viewer.is_moderator() {
        state.publication = Publication::PendingReview;
        state.rejection_reason = None;
    }
}

fn missing(kind: ResourceKind, id: Uuid) -> Error {
    Error::not_found(kind.as_str(), id.to_string())
}

impl Directory {
    /// Creates an organisation (moderators). Returns it with any likely duplicates already
    /// listed (same register number, or a very similar name at the same postcode): a warning,
    /// not a refusal.
    pub async fn create_organization(
        &self,
        viewer: &Viewer,
        input: &OrganizationInput,
    ) -> Result<(Edited, Vec<DuplicateCandidate>)> {
        viewer.require_moderator("create organisations")?;
        let now = Utc::now();
        let mut organization = Organization {
            id: Uuid::new_v4(),
            name: String::new(),
            description: String::new(),
            url: None,
            email: None,
            phone: None,
            identifiers: Vec::new(),
            is_example: false,
            attribution: None,
            created_at: now,
            updated_at: now,
            last_reviewed_at: Some(now),
            version: 1,
            state: ListingState::default(),
            trusted: false,
            postcode: None,
        };
        apply_organization(input, &mut organization, true)?;
        let duplicates = review::likely_duplicates(
            self.store(),
            &organization.name,
            organization.postcode.as_deref(),
            &organization.identifiers,
        )
        .await?;
        let mut edit = Edit::create(self.store(), viewer, ResourceKind::Organization, organization.id, None).await?;
        write::save_organization(edit.conn(), &organization).await?;
        Ok((edit.finish(Action::Create, None).await?, duplicates))
    }

    /// Updates an organisation (its editors and moderators), based on `version`.
    pub async fn update_organization(
        &self,
        viewer: &Viewer,
        id: Uuid,
        version: i64,
        input: &OrganizationInput,
    ) -> Result<Edited> {
        let kind = ResourceKind::Organization;
        self.refuse_if_imported(id).await?;
        let mut edit = Edit::existing(self.store(), viewer, kind, id, Some(version)).await?;
        let mut organization = organization_by_id(edit.conn(), id)
            .await?
            .ok_or_else(|| missing(kind, id))?;
        apply_organization(input, &mut organization, false)?;
        organization.version += 1;
        organization.updated_at = Utc::now();
        resubmit_if_rejected(&mut organization.state, viewer);
        write::save_organization(edit.conn(), &organization).await?;
        edit.finish(Action::Update, None).await
    }

    /// Creates a service for an organisation.
    pub async fn create_service(&self, viewer: &Viewer, organization_id: Uuid, input: &ServiceInput) -> Result<Edited> {
        let now = Utc::now();
        let mut service = Service {
            id: Uuid::new_v4(),
            organization_id,
            name: String::new(),
            description: String::new(),
            url: None,
            email: None,
            phone: None,
            status: ServiceStatus::Active,
            minimum_age: None,
            maximum_age: None,
            eligibility_description: None,
            delivery_modes: Vec::new(),
            free: None,
            cost_options: Vec::new(),
            languages: Vec::new(),
            contacts: Vec::new(),
            how_to_join: None,
            needs: Vec::new(),
            activity_concepts: Vec::new(),
            is_example: false,
            attribution: None,
            created_at: now,
            updated_at: now,
            last_reviewed_at: Some(now),
            version: 1,
            state: ListingState::default(),
        };
        apply_service(input, &mut service, true)?;
        let areas = self.service_areas_of(input)?;
        let mut edit = Edit::create(
            self.store(),
            viewer,
            ResourceKind::Service,
            service.id,
            Some(organization_id),
        )
        .await?;
        service.state = new_listing_state(&mut edit).await?;
        write::save_service(edit.conn(), &service).await?;
        self.save_service_links(&mut edit, service.id, input, areas).await?;
        edit.finish(Action::Create, None).await
    }

    /// Updates a service, based on `version`.
    pub async fn update_service(
        &self,
        viewer: &Viewer,
        id: Uuid,
        version: i64,
        input: &ServiceInput,
    ) -> Result<Edited> {
        let kind = ResourceKind::Service;
        self.refuse_if_imported(id).await?;
        let areas = self.service_areas_of(input)?;
        let mut edit = Edit::existing(self.store(), viewer, kind, id, Some(version)).await?;
        let mut service = service_by_id(edit.conn(), id).await?.ok_or_else(|| missing(kind, id))?;
        let needs_before = service.needs.clone();
        apply_service(input, &mut service, false)?;
        service.version += 1;
        service.updated_at = Utc::now();
        resubmit_if_rejected(&mut service.state, viewer);
        write::save_service_row(edit.conn(), &service).await?;
        if service.needs != needs_before {
            write::replace_service_needs(edit.conn(), &service).await?;
        }
        if service.needs == needs_before && areas.is_none() && input.location_ids.is_none() {
            // Most edits change words: the audit's "after" reads only the row.
            edit.keep_child_lists();
        }
        self.save_service_links(&mut edit, id, input, areas).await?;
        edit.finish(Action::Update, None).await
    }

    /// The service areas an input names, checked against the places held.
    fn service_areas_of(&self, input: &ServiceInput) -> Result<Option<Vec<ServiceArea>>> {
        let Some(raw) = &input.service_areas else {
            return Ok(None);
        };
        let codes: Vec<String> = raw.iter().map(|(code, _)| code.clone()).collect();
        let codes = place_codes("input.serviceAreas", &codes)?;
        let places = self.places();
        codes
            .into_iter()
            .map(|code| {
                if places.get(&code).is_none() {
                    return Err(Error::invalid("input.serviceAreas", format!("no place {code}")));
                }
                let description = raw
                    .iter()
                    .find(|(raw_code, _)| raw_code.trim().eq_ignore_ascii_case(code.as_str()))
                    .and_then(|(_, description)| description.clone());
                Ok(ServiceArea {
                    place_code: code,
                    description: optional_text(
                        "input.serviceAreas.description",
                        &description,
                        &None,
                        crate::domain::text::SHORT_TEXT_MAX,
                    )?,
                })
            })
            .collect::<Result<Vec<_>>>()
            .map(Some)
    }

    /// Replaces a service's areas and venues where the input names them. Venues must exist and
    /// not be archived.
    async fn save_service_links(
        &self,
        edit: &mut Edit<'_>,
        service_id: Uuid,
        input: &ServiceInput,
        areas: Option<Vec<ServiceArea>>,
    ) -> Result<()> {
        if let Some(areas) = areas {
            write::replace_service_areas(edit.conn(), service_id, &areas).await?;
        }
        if let Some(location_ids) = &input.location_ids {
            let mut ids = location_ids.clone();
            ids.sort();
            ids.dedup();
            for id in &ids {
                match location_by_id(edit.conn(), *id).await? {
                    Some(location) if location.archived_at.is_none() => {}
                    Some(_) => return Err(Error::invalid("input.locationIds", format!("venue {id} is archived"))),
                    None => return Err(Error::invalid("input.locationIds", format!("no venue {id}"))),
                }
            }
            write::replace_service_locations(edit.conn(), service_id, &ids).await?;
        }
        Ok(())
    }

    /// Creates a venue, owned by an organisation (editors: their own) or by nobody
    /// (moderators). A venue given only a postcode is placed at the postcode's centre.
    pub async fn create_location(
        &self,
        viewer: &Viewer,
        organization_id: Option<Uuid>,
        input: &LocationInput,
    ) -> Result<Edited> {
        let mut location = Location {
            id: Uuid::new_v4(),
            name: String::new(),
            address_1: None,
            city: None,
            postcode: None,
            latitude: 0.0,
            longitude: 0.0,
            accessibility: Vec::new(),
            is_example: false,
            organization_id,
            archived_at: None,
            version: 1,
        };
        let geocode = apply_location(input, &mut location, true)?;
        self.geocode(&mut location, geocode, input.latitude.is_some()).await?;
        let places = self.location_places_of(&location)?;
        let mut edit = Edit::create(
            self.store(),
            viewer,
            ResourceKind::Location,
            location.id,
            organization_id,
        )
        .await?;
        write::save_location(edit.conn(), &location, &places).await?;
        edit.finish(Action::Create, None).await
    }

    /// Updates a venue, based on `version`; its services are reindexed.
    pub async fn update_location(
        &self,
        viewer: &Viewer,
        id: Uuid,
        version: i64,
        input: &LocationInput,
    ) -> Result<Edited> {
        let kind = ResourceKind::Location;
        self.refuse_if_imported(id).await?;
        let mut edit = Edit::existing(self.store(), viewer, kind, id, Some(version)).await?;
        let mut location = location_by_id(edit.conn(), id)
            .await?
            .ok_or_else(|| missing(kind, id))?;
        let geocode = apply_location(input, &mut location, false)?;
        self.geocode(&mut location, geocode, input.latitude.is_some()).await?;
        let places = self.location_places_of(&location)?;
        location.version += 1;
        write::save_location(edit.conn(), &location, &places).await?;
        edit.finish(Action::Update, None).await
    }

    /// Places the venue at the postcode's centre when asked to; otherwise, when the edit gave
    /// coordinates and the venue has a postcode the directory knows, refuses coordinates more
    /// than [`POSTCODE_DISTANCE_LIMIT_KM`] from that postcode (one of them is wrong, and the
    /// map, distances and gap reports would follow the coordinates). An edit that leaves the
    /// coordinates alone is not checked, so a venue stored before this rule stays editable.
    async fn geocode(
        &self,
        location: &mut Location,
        postcode: Option<Postcode>,
        coordinates_given: bool,
    ) -> Result<()> {
        let Some(postcode) = postcode else {
            if coordinates_given {
                return self.check_coordinates_against_postcode(location).await;
            }
            return Ok(());
        };
        let Ok(record) = self.postcode(&postcode).await else {
            return Err(Error::invalid(
                "input.postcode",
                format!(
                    "{} is not in the directory's postcode table; give latitude and longitude instead",
                    postcode.as_str()
                ),
            ));
        };
        location.latitude = record.latitude;
        location.longitude = record.longitude;
        Ok(())
    }

    async fn check_coordinates_against_postcode(&self, location: &Location) -> Result<()> {
        let Some(postcode) = location.postcode.as_deref().and_then(|raw| Postcode::parse(raw).ok()) else {
            return Ok(());
        };
        // A postcode outside the loaded areas cannot be checked; the coordinates stand.
        let Ok(record) = self.postcode(&postcode).await else {
            return Ok(());
        };
        let Ok(centre) = GeoPoint::new(record.latitude, record.longitude) else {
            return Ok(());
        };
        let km = centre.distance_km_to(location.latitude, location.longitude);
        if km > POSTCODE_DISTANCE_LIMIT_KM {
            return Err(Error::invalid(
                "input.latitude",
                format!(
                    "the coordinates ({:.5}, {:.5}) are {km:.1} km from {}, the venue's postcode; correct the coordinates or the postcode",
                    location.latitude,
                    location.longitude,
                    postcode.as_str()
                ),
            ));
        }
        Ok(())
    }

    fn location_places_of(&self, location: &Location) -> Result<LocationPlaces> {
        let point = GeoPoint::new(location.latitude, location.longitude).map_err(|(_, e)| e.for_field("input"))?;
        Ok(self.places().location_places(point))
    }

    /// Adds a schedule to a service, optionally at one of its venues.
    pub async fn create_schedule(&self, viewer: &Viewer, service_id: Uuid, input: &ScheduleInput) -> Result<Edited> {
        let service = self
            .store()
            .service(service_id)
            .await?
            .ok_or_else(|| missing(ResourceKind::Service, service_id))?;
        self.refuse_if_imported(service_id).await?;
        let mut schedule = Schedule {
            id: Uuid::new_v4(),
            service_id,
            location_id: None,
            freq: Frequency::Weekly,
            interval: 1,
            byday: String::new(),
            opens_at: String::new(),
            closes_at: String::new(),
            valid_from: None,
            valid_to: None,
            description: None,
            exceptions: Vec::new(),
            archived_at: None,
            version: 1,
        };
        apply_schedule(input, &mut schedule, true)?;
        let mut edit = Edit::create(
            self.store(),
            viewer,
            ResourceKind::Schedule,
            schedule.id,
            Some(service.organization_id),
        )
        .await?;
        check_schedule_venue(&mut edit, &schedule).await?;
        write::save_schedule(edit.conn(), &schedule).await?;
        edit.finish(Action::Create, None).await
    }

    /// Updates a schedule, based on `version`.
    pub async fn update_schedule(
        &self,
        viewer: &Viewer,
        id: Uuid,
        version: i64,
        input: &ScheduleInput,
    ) -> Result<Edited> {
        let kind = ResourceKind::Schedule;
        self.refuse_if_imported(id).await?;
        let mut edit = Edit::existing(self.store(), viewer, kind, id, Some(version)).await?;
        let mut schedule = schedule_by_id(edit.conn(), id)
            .await?
            .ok_or_else(|| missing(kind, id))?;
        apply_schedule(input, &mut schedule, false)?;
        check_schedule_venue(&mut edit, &schedule).await?;
        schedule.version += 1;
        write::save_schedule(edit.conn(), &schedule).await?;
        edit.finish(Action::Update, None).await
    }

    /// Creates a fund, offered by an organisation (editors: their own) or by a funder outside
    /// the directory (moderators).
    pub async fn create_fund(
        &self,
        viewer: &Viewer,
        funder_organization_id: Option<Uuid>,
        input: &FundInput,
    ) -> Result<Edited> {
        let now = Utc::now();
        let mut input = input.clone();
        if input.funder_name.is_none() {
            if let Some(id) = funder_organization_id {
                input.funder_name = self.store().organization(id).await?.map(|o| o.name);
            }
        }
        let mut fund = Fund {
            id: Uuid::new_v4(),
            name: String::new(),
            description: String::new(),
            funder_organization_id,
            funder_name: String::new(),
            applicant_type: ApplicantType::Individual,
            needs: Vec::new(),
            minimum_amount: None,
            maximum_amount: None,
            currency: "GBP".to_string(),
            minimum_age: None,
            maximum_age: None,
            eligibility_description: None,
            beneficiary_locations: Vec::new(),
            opens_on: None,
            closes_on: None,
            how_to_apply: None,
            url: None,
            is_example: false,
            created_at: now,
            updated_at: now,
            last_reviewed_at: Some(now),
            version: 1,
            state: ListingState::default(),
        };
        apply_fund(&input, &mut fund, true)?;
        self.apply_beneficiaries(&input, &mut fund)?;
        let mut edit = Edit::create(
            self.store(),
            viewer,
            ResourceKind::Fund,
            fund.id,
            funder_organization_id,
        )
        .await?;
        fund.state = new_listing_state(&mut edit).await?;
        write::save_fund(edit.conn(), &fund).await?;
        edit.finish(Action::Create, None).await
    }

    /// Updates a fund, based on `version`.
    pub async fn update_fund(&self, viewer: &Viewer, id: Uuid, version: i64, input: &FundInput) -> Result<Edited> {
        let kind = ResourceKind::Fund;
        let mut edit = Edit::existing(self.store(), viewer, kind, id, Some(version)).await?;
        let mut fund = fund_by_id(edit.conn(), id).await?.ok_or_else(|| missing(kind, id))?;
        apply_fund(input, &mut fund, false)?;
        self.apply_beneficiaries(input, &mut fund)?;
        fund.version += 1;
        fund.updated_at = Utc::now();
        resubmit_if_rejected(&mut fund.state, viewer);
        write::save_fund(edit.conn(), &fund).await?;
        edit.finish(Action::Update, None).await
    }

    fn apply_beneficiaries(&self, input: &FundInput, fund: &mut Fund) -> Result<()> {
        let Some(raw) = &input.beneficiary_locations else {
            return Ok(());
        };
        let codes = place_codes("input.beneficiaryLocations", raw)?;
        let places = self.places();
        if let Some(unknown) = codes.iter().find(|code| places.get(code).is_none()) {
            return Err(Error::invalid(
                "input.beneficiaryLocations",
                format!("no place {unknown}"),
            ));
        }
        fund.beneficiary_locations = codes;
        Ok(())
    }
}

/// A schedule's venue must be one of its service's venues.
async fn check_schedule_venue(edit: &mut Edit<'_>, schedule: &Schedule) -> Result<()> {
    let Some(location_id) = schedule.location_id else {
        return Ok(());
    };
    if !crate::store::editing::service_has_location(edit.conn(), schedule.service_id, location_id).await? {
        return Err(Error::invalid(
            "input.locationId",
            format!("venue {location_id} is not one of this service's venues (add it to the service's locationIds)"),
        ));
    }
    Ok(())
}
