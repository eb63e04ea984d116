//! A mapped opportunity as the import core's source-neutral record.

use uuid::Uuid;

use super::series::Opportunity;
use crate::imports::record::{ImportedListing, ImportedOrganization, ImportedSchedule, ImportedService, ImportedVenue};

/// The record the apply path takes. The series' `identifier` (or item id) is kept as the
/// preferred id when it is a UUID, so a copy of another directory keeps its ids.
pub fn listing_of(opportunity: Opportunity, identifier: Option<&str>, position: Option<u64>) -> ImportedListing {
    let preferred_id = identifier
        .or(Some(opportunity.source_id.as_str()))
        .and_then(|id| Uuid::parse_str(id).ok());
    let venue_record_id = opportunity.venue.as_ref().map(|venue| venue.source_id.clone());
    let schedules = opportunity
        .schedules
        .iter()
        .map(|schedule| ImportedSchedule {
            source_record_id: None,
            preferred_id: None,
            venue_record_id: venue_record_id.clone(),
            freq: schedule.freq,
            interval: schedule.interval,
            byday: schedule.byday.clone(),
            opens_at: schedule.opens_at.clone(),
            closes_at: schedule.closes_at.clone(),
            valid_from: schedule.valid_from,
            valid_to: schedule.valid_to,
            description: None,
            exceptions: schedule.exceptions(),
        })
        .collect();
    let venues = opportunity
        .venue
        .into_iter()
        .map(|venue| ImportedVenue {
            preferred_id: Uuid::parse_str(&venue.source_id).ok(),
            source_record_id: venue.source_id,
            name: venue.name,
            address_1: venue.address_1,
            city: venue.city,
            postcode: venue.postcode.map(|postcode| postcode.to_string()),
            point: venue.point.map(|point| (point.latitude(), point.longitude())),
            accessibility: venue.accessibility,
        })
        .collect();
    let organizer = opportunity.organizer;
    ImportedListing {
        preferred_id,
        source_record_id: opportunity.source_id,
        position,
        modified_at: None,
        last_reviewed_at: None,
        organization: ImportedOrganization {
            preferred_id: Uuid::parse_str(&organizer.source_id).ok(),
            source_record_id: organizer.source_id,
            name: organizer.name,
            description: String::new(),
            url: organizer.url,
            email: organizer.email,
            phone: organizer.phone,
            identifiers: Vec::new(),
            postcode: None,
        },
        service: ImportedService {
            name: opportunity.name,
            description: opportunity.description,
            url: opportunity.url,
            status: opportunity.status,
            minimum_age: opportunity.minimum_age,
            maximum_age: opportunity.maximum_age,
            delivery_modes: opportunity.delivery_modes,
            free: opportunity.free,
            cost_options: opportunity.cost_options,
            how_to_join: opportunity.how_to_join,
            needs: opportunity.needs,
            activity_concepts: opportunity.activity_concepts,
            ..ImportedService::default()
        },
        venues,
        schedules,
        service_areas: Vec::new(),
    }
}
