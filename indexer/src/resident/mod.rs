//! What residents read: listings as short cards and full pages in plain English, and where a
//! resident's "postcode or place" is. The API's residents' pages (`/find`) render these; nothing
//! here knows HTML.
//!
//! Nothing a resident types is stored or logged here: a place text is matched in memory and
//! dropped.
//!
//! # Layout
//! - this module: [`Card`], [`Directory::cards`], [`Directory::shortlist`],
//!   [`Directory::whereabouts`].
//! - [`pages`]: a service's and a fund's full page ([`Directory::service_page`],
//!   [`Directory::fund_page`]).
//! - [`wording`]: schedules, sessions, distances and money in words.

pub mod pages;
pub mod wording;

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use chrono_tz::Europe::London;
use uuid::Uuid;

use crate::domain::schedule::Availability;
use crate::domain::*;
use crate::error::Result;
use crate::search::hits::{Asset, SearchHit};
use crate::store::feed::Venue;
use crate::Directory;
use wording::*;

/// Most listings a shortlist holds.
pub const MAX_SHORTLIST: usize = 20;

/// What kind of listing a card shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardKind {
    Service,
    Fund,
}

/// One listing as a resident reads it in a list: every value already in words.
#[derive(Debug, Clone, Default)]
pub struct Card {
    pub kind: Option<CardKind>,
    pub id: Uuid,
    pub name: String,
    /// Who runs it (a service's organisation, a fund's funder).
    pub by: Option<String>,
    /// The description's first sentence.
    pub summary: String,
    /// "2.4 miles away".
    pub distance: Option<String>,
    /// The nearest venue (or the first) as one line: name, street, town, postcode.
    pub venue: Option<String>,
    /// Each schedule in words: "Every Tuesday, 10am to 11am".
    pub when: Vec<String>,
    /// The next session in words: "Tuesday 8 December, 10am to 11am".
    pub next: Option<String>,
    /// A service's cost ("Free", "£3 per session") or a fund's amount ("Up to £100").
    pub cost: Option<String>,
    /// How to join (services) or apply (funds).
    pub how_to_join: Option<String>,
    pub phone: Option<String>,
    pub url: Option<String>,
    /// Why it is in the results, in plain words.
    pub reasons: Vec<String>,
    /// "In person", "By phone", "Online".
    pub ways: Vec<&'static str>,
    /// Accessibility of the venue shown.
    pub access: Vec<&'static str>,
    /// A fund's dates: "Open now, closes 31 March 2027".
    pub open: Option<String>,
    /// Not confirmed as accurate for a year or more.
    pub stale: bool,
}

/// Where a resident said they are.
#[derive(Debug, Clone)]
pub enum Whereabouts {
    /// A full postcode the directory knows.
    Postcode(PostcodeRecord),
    /// A district, ward or county, by name.
    Place(Place),
}

/// Why a "postcode or place" text was not understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotFoundWhere {
    /// Shaped like a postcode, but not one in the directory's area.
    PostcodeOutsideArea(Postcode),
    /// Neither a postcode nor the name of a place the directory knows.
    UnknownPlace,
}

/// Today in England.
pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&London).date_naive()
}

impl Directory {
    /// Reads a "postcode or place" as a resident types it: a full postcode in the directory's
    /// area, else a district, ward or county named exactly (any case), else one whose name
    /// starts with the text (districts first).
    pub fn whereabouts(&self, text: &str) -> std::result::Result<Whereabouts, NotFoundWhere> {
        let text = text.trim();
        if let Ok(postcode) = Postcode::parse(text) {
            return self
                .postcode_table()
                .get(&postcode)
                .map(Whereabouts::Postcode)
                .ok_or(NotFoundWhere::PostcodeOutsideArea(postcode));
        }
        let wanted = text.to_lowercase();
        if wanted.chars().count() < 2 {
            return Err(NotFoundWhere::UnknownPlace);
        }
        let places = self.places();
        let named = |exact: bool| {
            [PlaceLevel::District, PlaceLevel::County, PlaceLevel::Ward]
                .into_iter()
                .find_map(|level| {
                    places.list(Some(level), None).into_iter().find(|place| {
                        let name = place.name.to_lowercase();
                        if exact {
                            name == wanted
                        } else {
                            name.starts_with(&wanted)
                        }
                    })
                })
                .cloned()
        };
        named(true)
            .or_else(|| named(false))
            .map(Whereabouts::Place)
            .ok_or(NotFoundWhere::UnknownPlace)
    }

    /// Search hits as cards: services read with their venues and schedules in one query, the
    /// venue shown being the nearest to `point` (when given). `availability` picks the next
    /// session. Organisations are left out (residents look for services and funds).
    pub async fn cards(
        &self,
        hits: &[SearchHit],
        point: Option<GeoPoint>,
        availability: &Availability,
    ) -> Result<Vec<Card>> {
        let service_ids: Vec<Uuid> = hits
            .iter()
            .filter_map(|hit| match &hit.asset {
                Asset::Service(service) => Some(service.id),
                _ => None,
            })
            .collect();
        let mut read = self.service_cards(&service_ids, point, availability).await?;
        let today = today();
        Ok(hits
            .iter()
            .filter_map(|hit| {
                let mut card = match &hit.asset {
                    Asset::Service(service) => read.remove(&service.id)?,
                    Asset::Fund(fund) => fund_card(fund, today),
                    Asset::Organization(_) => return None,
                };
                card.reasons = resident_reasons(&hit.reasons);
                if let Some(km) = hit.distance_km {
                    card.distance = Some(distance_words(km));
                }
                if card.kind == Some(CardKind::Service) && card.venue.is_none() && hit.serves_area.is_some() {
                    card.reasons
                        .push("Serves your area without a venue near you".to_string());
                }
                card.stale = hit.stale;
                Some(card)
            })
            .collect())
    }

    /// Listings by id, in the order given, as cards: what a shortlist shows. Ids of listings
    /// that are not public (or not there) are left out; at most [`MAX_SHORTLIST`] are read.
    pub async fn shortlist(&self, ids: &[Uuid]) -> Result<Vec<Card>> {
        let ids = &ids[..ids.len().min(MAX_SHORTLIST)];
        let mut services = self.service_cards(ids, None, &Availability::default()).await?;
        let today = today();
        let mut funds: HashMap<Uuid, Card> = self
            .store()
            .funds_by_ids(Some(ids))
            .await?
            .iter()
            .filter(|fund| fund.state.is_public())
            .map(|fund| (fund.id, fund_card(fund, today)))
            .collect();
        Ok(ids
            .iter()
            .filter_map(|id| services.remove(id).or_else(|| funds.remove(id)))
            .collect())
    }

    /// Public services' cards by id (one read of the store for all of them).
    async fn service_cards(
        &self,
        ids: &[Uuid],
        point: Option<GeoPoint>,
        availability: &Availability,
    ) -> Result<HashMap<Uuid, Card>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let mut feed = self.store().service_feed(Some(ids)).await?;
        let today = today();
        Ok(feed
            .services
            .iter()
            .filter(|service| service.state.is_public())
            .map(|service| {
                let venues = feed.venues.remove(&service.id).unwrap_or_default();
                let schedules = feed.schedules.remove(&service.id).unwrap_or_default();
                let organization = feed.organization_names.get(&service.organization_id).cloned();
                let card = service_card(service, organization, &venues, &schedules, point, availability, today);
                (service.id, card)
            })
            .collect())
    }
}

/// A service as a card, showing the venue nearest `point` (else its first venue).
fn service_card(
    service: &Service,
    organization: Option<String>,
    venues: &[Venue],
    schedules: &[Schedule],
    point: Option<GeoPoint>,
    availability: &Availability,
    today: NaiveDate,
) -> Card {
    let nearest = venues
        .iter()
        .map(|venue| {
            let distance = point.and_then(|point| {
                GeoPoint::new(venue.location.latitude, venue.location.longitude)
                    .ok()
                    .map(|at| point.distance_km(&at))
            });
            (distance, &venue.location)
        })
        .min_by(|a, b| a.0.unwrap_or(0.0).total_cmp(&b.0.unwrap_or(0.0)));
    let at_venue: Vec<&Schedule> = schedules
        .iter()
        .filter(|s| s.archived_at.is_none())
        .filter(|s| s.location_id.is_none() || nearest.is_none_or(|(_, location)| s.location_id == Some(location.id)))
        .collect();
    let next = availability
        .next_sessions(at_venue.iter().copied(), Utc::now(), 1)
        .first()
        .map(|session| session_words(session, today));
    Card {
        kind: Some(CardKind::Service),
        id: service.id,
        name: service.name.clone(),
        by: organization,
        summary: first_sentence(&service.description),
        distance: nearest.and_then(|(distance, _)| distance).map(distance_words),
        venue: nearest.map(|(_, location)| address_line(location)),
        when: at_venue.iter().filter_map(|s| schedule_words(s)).collect(),
        next,
        cost: Some(cost_words(service)),
        how_to_join: service.how_to_join.clone(),
        phone: service
            .phone
            .clone()
            .or_else(|| service.contacts.iter().find_map(|c| c.phone.clone())),
        url: service.url.clone().filter(|url| is_web_link(url)),
        reasons: Vec::new(),
        ways: service
            .delivery_modes
            .iter()
            .map(|mode| delivery_words(*mode))
            .collect(),
        access: nearest
            .map(|(_, location)| location.accessibility.iter().map(|f| accessibility_words(*f)).collect())
            .unwrap_or_default(),
        open: None,
        stale: is_stale(service.last_reviewed_at, Utc::now()),
    }
}

/// A fund as a card.
fn fund_card(fund: &Fund, today: NaiveDate) -> Card {
    Card {
        kind: Some(CardKind::Fund),
        id: fund.id,
        name: fund.name.clone(),
        by: Some(fund.funder_name.clone()),
        summary: first_sentence(&fund.description),
        cost: fund_amount_words(fund),
        how_to_join: fund.how_to_apply.clone(),
        url: fund.url.clone().filter(|url| is_web_link(url)),
        open: Some(fund_open_words(fund, today)),
        stale: is_stale(fund.last_reviewed_at, Utc::now()),
        ..Card::default()
    }
}

/// A venue as one line: "Memorial Hall, High Street, Dereham, NR19 1AA".
pub fn address_line(location: &Location) -> String {
    [
        Some(location.name.clone()),
        location.address_1.clone(),
        location.city.clone(),
        location.postcode.clone(),
    ]
    .into_iter()
    .flatten()
    .filter(|part| !part.trim().is_empty())
    .collect::<Vec<_>>()
    .join(", ")
}

/// Only `http(s)` links are shown as links (a `javascript:` URL typed into a listing is not).
pub fn is_web_link(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// The search's reasons a resident needs: which words and needs it matched, in sentence case.
/// Distance, the next session and cost are shown on the card in their own words already.
fn resident_reasons(reasons: &[String]) -> Vec<String> {
    reasons
        .iter()
        .filter(|reason| {
            !(reason.ends_with(" km away")
                || reason.starts_with("next session")
                || reason.as_str() == "free"
                || reason.starts_with("open ")
                || reason.starts_with("serves ")
                || reason.starts_with("not confirmed"))
        })
        .map(|reason| {
            let mut chars = reason.chars();
            chars
                .next()
                .map(|first| first.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_keep_what_matched_and_drop_what_the_card_already_says() {
        let reasons: Vec<String> = [
            "name matches \"chair\"",
            "Strength and balance",
            "1.8 km away",
            "next session Tue 8 Dec 10:00",
            "free",
            "open until 1 Mar 2027",
        ]
        .iter()
        .map(|r| r.to_string())
        .collect();
        assert_eq!(
            resident_reasons(&reasons),
            vec!["Name matches \"chair\"".to_string(), "Strength and balance".to_string()]
        );
    }

    #[test]
    fn only_web_links_are_links() {
        assert!(is_web_link("https://example.org"));
        assert!(is_web_link("HTTP://example.org"));
        assert!(!is_web_link("javascript:alert(1)"));
        assert!(!is_web_link("data:text/html,hi"));
    }
}
