//! The directory's ORUK reads: what the API's `/oruk` routes, the export and the change-sync
//! feed call. Lists of services go through the search index (the same search as GraphQL's);
//! documents are rendered from a constant number of set-wise store reads however many
//! services they cover.

use std::collections::HashMap;

use chrono::Utc;
use chrono_tz::Europe::London;
use uuid::Uuid;

use super::documents as oruk;
use super::query::{ListQuery, ServiceQuery, TermQuery, DEFAULT_PROXIMITY_M};
use super::render::{self, ServiceParts};
use super::taxonomies::{vocabularies, Vocabulary};
use super::{HSDS_VERSION, MAX_RESULT_WINDOW, PROFILE_URL};
use crate::domain::*;
use crate::error::{Error, Result};
use crate::search::{AssetKind, Near, SearchOptions, SearchRequest};
use crate::store::feed::Venue;
use crate::store::oruk::{LinkedVenue, ServiceAtLocationLink};
use crate::Directory;

/// The ORUK API's own OpenAPI definition (the UK profile's, as published), served at
/// `{base}/openapi.json`.
pub const OPENAPI_JSON: &str = include_str!("openapi.json");

impl Directory {
    /// `GET /`: the standard and profile, with `openapi_url` under `base_url` (the API's
    /// absolute base, e.g. `https://directory.example/oruk`).
    pub fn oruk_info(&self, base_url: &str) -> oruk::ApiInfo {
        oruk::ApiInfo {
            version: HSDS_VERSION.into(),
            profile: PROFILE_URL.into(),
            openapi_url: format!("{}/openapi.json", base_url.trim_end_matches('/')),
        }
    }

    /// Fully nested services for the given ids, in the order given, leaving out any that are
    /// not public (or do not exist). Three set-wise reads whatever the number of ids (the
    /// services with their venues and schedules as one JSON document each, their organisations,
    /// and the areas of those that serve one): call it with batches of a few hundred to a few
    /// thousand ids.
    pub async fn oruk_services(&self, ids: &[Uuid]) -> Result<Vec<oruk::Service>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let store = self.store();
        let feed = store.service_feed(Some(ids)).await?;
        let organizations = store.organizations_of_services(&feed.services).await?;
        let serving: Vec<Uuid> = feed
            .areas
            .iter()
            .filter(|(_, a)| !a.is_empty())
            .map(|(id, _)| *id)
            .collect();
        let areas = match serving.is_empty() {
            true => HashMap::new(),
            false => store.service_areas_of_services(&serving).await?,
        };
        let venues = linked_venues(feed.venues);
        let mut schedules = feed.schedules;
        for of_service in schedules.values_mut() {
            of_service.sort_by_key(|schedule| schedule.id);
        }
        let services: HashMap<Uuid, Service> = feed.services.into_iter().map(|s| (s.id, s)).collect();
        let places = self.places();
        Ok(ids
            .iter()
            .filter_map(|id| {
                let service = services.get(id)?;
                let parts = ServiceParts {
                    service,
                    organization: organizations.get(&service.organization_id)?,
                    venues: venues.get(id).map(Vec::as_slice).unwrap_or_default(),
                    schedules: schedules.get(id).map(Vec::as_slice).unwrap_or_default(),
                    areas: areas.get(id).map(Vec::as_slice).unwrap_or_default(),
                };
                Some(render::service(parts, &places))
            })
            .collect())
    }

    /// `GET /services/{id}`: a public service, fully nested, or `NOT_FOUND`.
    pub async fn oruk_service(&self, id: Uuid) -> Result<oruk::Service> {
        self.oruk_services(&[id])
            .await?
            .pop()
            .ok_or_else(|| Error::not_found("service", id.to_string()))
    }

    /// `GET /services`: a page of the services matching every filter, in search order
    /// (relevance with `search`, else fresh listings first).
    pub async fn oruk_service_list(&self, query: &ServiceQuery) -> Result<oruk::Paged<oruk::ServiceSummary>> {
        let list = query.list;
        let (ids, total) = self.oruk_service_ids(query, list.offset(), list.per_page).await?;
        let contents = self.oruk_service_summaries(&ids).await?;
        Ok(oruk::Paged::new(contents, total, list.page, list.per_page))
    }

    /// The ids of the services matching `query` (its page ignored), `limit` after `offset`, and
    /// how many match in all: one search of the index, as GraphQL's `search` with
    /// `kinds: [SERVICE]`. Only active services are in the index.
    pub async fn oruk_service_ids(
        &self,
        query: &ServiceQuery,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<Uuid>, usize)> {
        let Some(mut request) = self.oruk_search_request(query).await? else {
            return Ok((Vec::new(), 0));
        };
        request.offset = offset;
        request.limit = limit;
        let collected = self
            .on_search_index(move |index| index.search(&request, SearchOptions::COUNTED))
            .await?;
        let ids = collected
            .hits
            .iter()
            .filter_map(|hit| Uuid::parse_str(&hit.id).ok())
            .collect();
        Ok((ids, collected.total))
    }

    /// The search request an ORUK service query makes (page left at the first), or `None`
    /// when its filters cannot all hold (a term of one vocabulary with `taxonomy_id` of the
    /// other is fine; a need term with the needs vocabulary is that need).
    pub async fn oruk_search_request(&self, query: &ServiceQuery) -> Result<Option<SearchRequest>> {
        let vocabularies = vocabularies();
        let every = |vocabulary: Vocabulary| -> Vec<String> {
            vocabularies
                .terms(vocabulary)
                .iter()
                .map(|term| term.term.clone())
                .collect()
        };
        // Each vocabulary's terms a service must have one of (None: no constraint).
        let mut wanted: HashMap<Vocabulary, Vec<String>> = HashMap::new();
        if let Some((vocabulary, term)) = &query.taxonomy_term {
            wanted.insert(*vocabulary, vec![term.clone()]);
        }
        if let Some(vocabulary) = query.taxonomy {
            wanted.entry(vocabulary).or_insert_with(|| every(vocabulary));
        }
        if wanted.values().any(Vec::is_empty) {
            return Ok(None);
        }
        let needs = wanted
            .remove(&Vocabulary::Needs)
            .unwrap_or_default()
            .iter()
            .filter_map(|code| NeedCode::parse(code).ok())
            .collect();
        let near = match &query.postcode {
            Some(postcode) => {
                let radius_km = query.proximity_m.unwrap_or(DEFAULT_PROXIMITY_M) / 1000.0;
                Some(self.near_postcode(postcode, radius_km, "postcode").await?)
            }
            None => None,
        };
        Ok(Some(SearchRequest {
            text: query.search.clone(),
            near,
            needs,
            activities: wanted.remove(&Vocabulary::Activities).unwrap_or_default(),
            kinds: vec![AssetKind::Service],
            minimum_age_at_least: query.minimum_age,
            maximum_age_at_most: query.maximum_age,
            days: query.day.into_iter().collect(),
            time_from: query.start_time,
            time_to: query.end_time,
            organization_ids: query.organization_id.into_iter().collect(),
            modified_since: query.modified_after,
            limit: query.list.per_page,
            today: Utc::now().with_timezone(&London).date_naive(),
            ..SearchRequest::default()
        }))
    }

    /// The circle of `radius_km` around a postcode's centroid, with the places containing it
    /// (services serving one of them match without a venue nearby). A postcode the directory
    /// does not hold is invalid input naming `parameter`.
    pub async fn near_postcode(&self, postcode: &Postcode, radius_km: f64, parameter: &str) -> Result<Near> {
        let record = self.postcode(postcode).await.map_err(|_| {
            Error::invalid(
                parameter,
                format!("{postcode} is not a postcode in the directory's area"),
            )
        })?;
        let point = GeoPoint::new(record.latitude, record.longitude)
            .map_err(|(_, e)| Error::invalid(parameter, e.to_string()))?;
        Ok(Near {
            point,
            radius_km,
            containing_places: self.places_at(point).into_iter().map(|place| place.code).collect(),
        })
    }

    /// Public services' list forms, in the order given (two set-wise reads).
    async fn oruk_service_summaries(&self, ids: &[Uuid]) -> Result<Vec<oruk::ServiceSummary>> {
        let store = self.store();
        let services = store.services_by_ids(ids, false).await?;
        let organizations = store.organizations_of_services(&services).await?;
        let services: HashMap<Uuid, Service> = services.into_iter().map(|service| (service.id, service)).collect();
        Ok(ids
            .iter()
            .filter_map(|id| {
                let service = services.get(id)?;
                Some(render::service_summary(
                    service,
                    organizations.get(&service.organization_id)?,
                ))
            })
            .collect())
    }

    /// `GET /organizations`: public organisations by name.
    pub async fn oruk_organizations(&self, list: ListQuery) -> Result<oruk::Paged<oruk::OrganizationSummary>> {
        let organizations = self
            .store()
            .public_organizations_page(list.offset() as i64, list.per_page as i64)
            .await?;
        let total = self.public_organization_count().await?;
        let contents = organizations.iter().map(render::organization_summary).collect();
        Ok(oruk::Paged::new(contents, total as usize, list.page, list.per_page))
    }

    /// `GET /organizations/{id}`: a public organisation with its public services fully nested.
    pub async fn oruk_organization(&self, id: Uuid) -> Result<oruk::OrganizationFull> {
        let organization = self
            .store()
            .organizations_by_ids(Some(&[id]))
            .await?
            .pop()
            .ok_or_else(|| Error::not_found("organization", id.to_string()))?;
        let service_ids: Vec<Uuid> = self
            .store()
            .services_of_organization(id, false)
            .await?
            .iter()
            .map(|service| service.id)
            .collect();
        Ok(oruk::OrganizationFull {
            organization: render::organization(&organization),
            services: self.oruk_services(&service_ids).await?,
        })
    }

    /// `GET /service_at_locations`: links of public services to their venues, in link id
    /// order; with service filters, only links of the services matching them (at most
    /// [`MAX_RESULT_WINDOW`] services), in the order `/services` ranks those services.
    pub async fn oruk_service_at_locations(
        &self,
        query: &ServiceQuery,
    ) -> Result<oruk::Paged<oruk::ServiceAtLocationSummary>> {
        let list = query.list;
        let unfiltered = ServiceQuery {
            list,
            ..ServiceQuery::default()
        };
        let (links, total) = if *query == unfiltered {
            let links = self
                .store()
                .public_service_at_locations_page(list.offset() as i64, list.per_page as i64)
                .await?;
            (links, self.public_link_count().await? as usize)
        } else {
            self.oruk_links_of_matches(query).await?
        };
        let mut linked_services: Vec<Uuid> = links.iter().map(|link| link.service_id).collect();
        linked_services.sort();
        linked_services.dedup();
        let services: HashMap<Uuid, oruk::ServiceSummary> = self
            .oruk_service_summaries(&linked_services)
            .await?
            .into_iter()
            .map(|summary| (summary.fields.id, summary))
            .collect();
        let mut locations: HashMap<Uuid, Location> = HashMap::new();
        for venues in self
            .store()
            .linked_venues_of_services(&linked_services)
            .await?
            .into_values()
        {
            for venue in venues {
                locations.insert(venue.location.id, venue.location);
            }
        }
        let contents = links
            .iter()
            .filter_map(|link| {
                Some(oruk::ServiceAtLocationSummary {
                    id: link.id,
                    service_id: link.service_id,
                    location_id: link.location_id,
                    location: render::location_fields(locations.get(&link.location_id)?),
                    service: services.get(&link.service_id)?.clone(),
                })
            })
            .collect();
        Ok(oruk::Paged::new(contents, total, list.page, list.per_page))
    }

    /// A page of the links of the services matching `query`, and how many links they have:
    /// the services in the order `/services` ranks them (nearest first near a postcode), each
    /// one's links in id order. The index says how many venues each match has, so only the
    /// page's few services are read from the store.
    async fn oruk_links_of_matches(&self, query: &ServiceQuery) -> Result<(Vec<ServiceAtLocationLink>, usize)> {
        let Some(mut request) = self.oruk_search_request(query).await? else {
            return Ok((Vec::new(), 0));
        };
        request.offset = 0;
        request.limit = MAX_RESULT_WINDOW;
        let (found, venues) = self
            .on_search_index(move |index| index.search_counting_venues(&request, SearchOptions::COUNTED))
            .await?;
        if found.total > MAX_RESULT_WINDOW {
            return Err(Error::invalid(
                "search",
                format!("more than {MAX_RESULT_WINDOW} services match; narrow the filters"),
            ));
        }
        let total: usize = venues.iter().sum();
        let (from, to) = (query.list.offset(), query.list.offset() + query.list.per_page);
        // The services whose links fall in the page, and how many links come before the first.
        let mut on_page: Vec<Uuid> = Vec::new();
        let mut before_first = 0;
        let mut start = 0;
        for (hit, count) in found.hits.iter().zip(&venues) {
            let end = start + count;
            if end > from && start < to {
                if on_page.is_empty() {
                    before_first = from - start;
                }
                on_page.extend(Uuid::parse_str(&hit.id).ok());
            }
            if end >= to {
                break;
            }
            start = end;
        }
        let mut by_service: HashMap<Uuid, Vec<ServiceAtLocationLink>> = HashMap::new();
        for link in self.store().public_links_of_services(&on_page).await? {
            by_service.entry(link.service_id).or_default().push(link);
        }
        let links = on_page
            .iter()
            .flat_map(|id| by_service.remove(id).unwrap_or_default())
            .skip(before_first)
            .take(query.list.per_page)
            .collect();
        Ok((links, total))
    }

    /// `GET /service_at_locations/{id}`: the link with its venue and its service fully nested.
    pub async fn oruk_service_at_location(&self, id: Uuid) -> Result<oruk::ServiceAtLocationFull> {
        let not_found = || Error::not_found("service_at_location", id.to_string());
        let link = self
            .store()
            .public_service_at_location(id)
            .await?
            .ok_or_else(not_found)?;
        let service = self
            .oruk_services(&[link.service_id])
            .await?
            .pop()
            .ok_or_else(not_found)?;
        let location = service
            .service_at_locations
            .iter()
            .find(|at| at.id == id)
            .map(|at| at.location.clone())
            .ok_or_else(not_found)?;
        Ok(oruk::ServiceAtLocationFull {
            id,
            service_id: link.service_id,
            location_id: link.location_id,
            location,
            service,
        })
    }

    /// `GET /taxonomies`: the needs vocabulary and the OpenActive Activity List.
    pub fn oruk_taxonomies(&self, list: ListQuery) -> oruk::Paged<oruk::Taxonomy> {
        let all: Vec<oruk::Taxonomy> = vocabularies().taxonomies().into_iter().cloned().collect();
        page_of(all, list)
    }

    /// `GET /taxonomies/{id}`.
    pub fn oruk_taxonomy(&self, id: Uuid) -> Result<oruk::Taxonomy> {
        let vocabularies = vocabularies();
        vocabularies
            .vocabulary(id)
            .map(|vocabulary| vocabularies.taxonomy(vocabulary).clone())
            .ok_or_else(|| Error::not_found("taxonomy", id.to_string()))
    }

    /// `GET /taxonomy_terms`: every term (needs first), or one vocabulary's.
    pub fn oruk_taxonomy_terms(&self, query: TermQuery) -> oruk::Paged<oruk::TaxonomyTerm> {
        let vocabularies = vocabularies();
        let list = query.list;
        let terms: Vec<oruk::TaxonomyTerm> = match query.taxonomy {
            Some(vocabulary) => vocabularies.terms(vocabulary).to_vec(),
            None => vocabularies.all_terms().cloned().collect(),
        };
        page_of(terms, list)
    }

    /// `GET /taxonomy_terms/{id}`.
    pub fn oruk_taxonomy_term(&self, id: Uuid) -> Result<oruk::TaxonomyTerm> {
        vocabularies()
            .term(id)
            .map(|(_, term)| term.clone())
            .ok_or_else(|| Error::not_found("taxonomy_term", id.to_string()))
    }
}

/// One page of a list held in memory.
fn page_of<T>(all: Vec<T>, list: ListQuery) -> oruk::Paged<T> {
    let total = all.len();
    let contents = all.into_iter().skip(list.offset()).take(list.per_page).collect();
    oruk::Paged::new(contents, total, list.page, list.per_page)
}

/// The service feed's venues as linked venues, each service's in (name, id) order as
/// [`crate::store::Store::linked_venues_of_services`] gives them.
fn linked_venues(venues: HashMap<Uuid, Vec<Venue>>) -> HashMap<Uuid, Vec<LinkedVenue>> {
    venues
        .into_iter()
        .map(|(service_id, venues)| {
            let mut linked: Vec<LinkedVenue> = venues
                .into_iter()
                .map(|venue| LinkedVenue {
                    service_at_location_id: venue.link_id,
                    service_id,
                    county_code: venue.places.county_code,
                    district_code: venue.places.district_code,
                    location: venue.location,
                })
                .collect();
            linked.sort_by(|a, b| (&a.location.name, a.location.id).cmp(&(&b.location.name, b.location.id)));
            (service_id, linked)
        })
        .collect()
}
