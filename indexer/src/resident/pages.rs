//! A service's and a fund's whole page for residents, every value in words.

use chrono::Utc;
use uuid::Uuid;

use super::wording::*;
use super::{address_line, today, Card};
use crate::domain::schedule::Availability;
use crate::domain::*;
use crate::error::{Error, Result};
use crate::Directory;

/// Sessions listed on a service's page.
const SESSIONS_SHOWN: usize = 3;

/// A venue on a service's page.
#[derive(Debug, Clone)]
pub struct VenueWords {
    /// Name, street, town and postcode in one line.
    pub address: String,
    pub access: Vec<&'static str>,
    /// The schedules held there, in words.
    pub when: Vec<String>,
}

/// Someone to contact about a service.
#[derive(Debug, Clone)]
pub struct ContactWords {
    /// "Sam Example, Class leader".
    pub who: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// A service's whole page.
#[derive(Debug, Clone)]
pub struct ServicePage {
    /// The short form (name, organisation, cost, phone, web link…).
    pub card: Card,
    pub description: String,
    /// "For people aged 60 and over".
    pub ages: Option<String>,
    pub eligibility: Option<String>,
    pub venues: Vec<VenueWords>,
    /// Schedules tied to no venue, in words.
    pub when: Vec<String>,
    /// The next few sessions, in words.
    pub next_sessions: Vec<String>,
    /// Names of the areas it serves without a venue (phone lines, home visits).
    pub areas_served: Vec<String>,
    pub email: Option<String>,
    pub contacts: Vec<ContactWords>,
    /// Needs it meets, by label.
    pub needs: Vec<&'static str>,
    pub languages: Vec<String>,
    /// When a person last confirmed it: "3 March 2026".
    pub last_checked: Option<String>,
    /// An invented example listing from the seed, not a real service.
    pub is_example: bool,
}

/// A fund's whole page.
#[derive(Debug, Clone)]
pub struct FundPage {
    pub card: Card,
    pub description: String,
    /// "Residents" or "Community groups".
    pub who_can_apply: &'static str,
    pub ages: Option<String>,
    pub eligibility: Option<String>,
    /// Names of the places whose residents or groups may apply.
    pub areas: Vec<String>,
    pub needs: Vec<&'static str>,
    pub last_checked: Option<String>,
    pub is_example: bool,
}

impl Directory {
    /// A public service's page; `NOT_FOUND` for one that is not public or not there.
    pub async fn service_page(&self, id: Uuid) -> Result<ServicePage> {
        let mut feed = self.store().service_feed(Some(&[id])).await?;
        let Some(service) = feed
            .services
            .into_iter()
            .find(|service| service.id == id && service.state.is_public())
        else {
            return Err(Error::not_found("service", id.to_string()));
        };
        let venues = feed.venues.remove(&id).unwrap_or_default();
        let schedules: Vec<Schedule> = feed
            .schedules
            .remove(&id)
            .unwrap_or_default()
            .into_iter()
            .filter(|s| s.archived_at.is_none())
            .collect();
        let areas = feed.areas.remove(&id).unwrap_or_default();
        let organization = feed.organization_names.get(&service.organization_id).cloned();
        let today = today();
        let card = super::service_card(
            &service,
            organization,
            &venues,
            &schedules,
            None,
            &Availability::default(),
            today,
        );
        let places = self.places();
        let venue_words = venues
            .iter()
            .map(|venue| VenueWords {
                address: address_line(&venue.location),
                access: venue
                    .location
                    .accessibility
                    .iter()
                    .map(|f| accessibility_words(*f))
                    .collect(),
                when: schedules
                    .iter()
                    .filter(|s| s.location_id == Some(venue.location.id))
                    .filter_map(schedule_words)
                    .collect(),
            })
            .collect();
        let next_sessions = Availability::default()
            .next_sessions(&schedules, Utc::now(), SESSIONS_SHOWN)
            .iter()
            .map(|session| session_words(session, today))
            .collect();
        Ok(ServicePage {
            description: service.description.clone(),
            ages: age_words(service.minimum_age, service.maximum_age),
            eligibility: service.eligibility_description.clone(),
            venues: venue_words,
            when: schedules
                .iter()
                .filter(|s| s.location_id.is_none())
                .filter_map(schedule_words)
                .collect(),
            next_sessions,
            areas_served: areas
                .iter()
                .filter_map(|code| places.get(code).map(|place| place.name.clone()))
                .collect(),
            email: service.email.clone(),
            contacts: service
                .contacts
                .iter()
                .map(|contact| ContactWords {
                    who: match (&contact.name, &contact.title) {
                        (Some(name), Some(title)) => Some(format!("{name}, {title}")),
                        (Some(name), None) => Some(name.clone()),
                        (None, title) => title.clone(),
                    },
                    phone: contact.phone.clone(),
                    email: contact.email.clone(),
                })
                .collect(),
            needs: service.needs.iter().map(|need| need.need().label).collect(),
            languages: service.languages.clone(),
            last_checked: service.last_reviewed_at.map(|at| full_date_words(at.date_naive())),
            is_example: service.is_example,
            card,
        })
    }

    /// A public fund's page; `NOT_FOUND` for one that is not public or not there.
    pub async fn fund_page(&self, id: Uuid) -> Result<FundPage> {
        let fund = self
            .store()
            .funds_by_ids(Some(&[id]))
            .await?
            .into_iter()
            .find(|fund| fund.id == id && fund.state.is_public())
            .ok_or_else(|| Error::not_found("fund", id.to_string()))?;
        let places = self.places();
        Ok(FundPage {
            card: super::fund_card(&fund, today()),
            description: fund.description.clone(),
            who_can_apply: match fund.applicant_type {
                ApplicantType::Individual => "Residents",
                ApplicantType::Group => "Community groups",
            },
            ages: age_words(fund.minimum_age, fund.maximum_age),
            eligibility: fund.eligibility_description.clone(),
            areas: fund
                .beneficiary_locations
                .iter()
                .filter_map(|code| places.get(code).map(|place| place.name.clone()))
                .collect(),
            needs: fund.needs.iter().map(|need| need.need().label).collect(),
            last_checked: fund.last_reviewed_at.map(|at| full_date_words(at.date_naive())),
            is_example: fund.is_example,
        })
    }
}
