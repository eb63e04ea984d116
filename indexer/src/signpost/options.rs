//! Options for one need: candidates from the search index, the venue and sessions that suit
//! the person, a stated fit score, and plain-language reasons.

use std::collections::HashMap;

use chrono::Utc;
use uuid::Uuid;

use super::{NeedResult, SignpostOption, SignpostRequest};
use crate::domain::schedule::{Availability, Session};
use crate::domain::*;
use crate::error::{Error, Result};
use crate::search::{AssetKind, Near, RawHit, SearchRequest, SortOrder};
use crate::store::feed::ServiceFeed;
use crate::Directory;

/// Candidates looked at per need before ranking by fit.
const CANDIDATES: usize = 60;
/// The widest search for "the nearest option beyond".
const FURTHEST_KM: f64 = 200.0;
/// The widening searches for "the nearest option beyond", ending at [`FURTHEST_KM`].
const BEYOND_STEPS_KM: [f64; 4] = [25.0, 50.0, 100.0, FURTHEST_KM];

/// What every need's search shares.
pub struct Context<'a> {
    pub request: &'a SignpostRequest,
    pub containing: &'a [PlaceCode],
    pub max_distance_km: f64,
    pub today: chrono::NaiveDate,
}

/// The fit score, stated: 100, less up to 40 for distance (in proportion to the reach), 25 for
/// a service reached only by phone/online/visits, 10 if it costs, 25 if stale, 5 if no session
/// dates are known. Options are ordered by it, best first (nearer first on ties).
pub fn fit_score(
    distance_km: Option<f64>,
    max_distance_km: f64,
    remote: bool,
    free: bool,
    stale: bool,
    has_sessions: bool,
) -> f64 {
    let mut score = 100.0;
    score -= match (remote, distance_km) {
        (true, _) | (false, None) => 25.0,
        (false, Some(d)) => 40.0 * (d / max_distance_km).min(1.5),
    };
    if !free {
        score -= 10.0;
    }
    if stale {
        score -= 25.0;
    }
    if !has_sessions && !remote {
        score -= 5.0;
    }
    score
}

impl Directory {
    pub(super) async fn options_for_need(&self, context: &Context<'_>, need: NeedCode) -> Result<NeedResult> {
        let modes = &context.request.delivery_modes;
        let mut options = self
            .candidates(context, need, context.max_distance_km, modes, true)
            .await?;
        options.truncate(context.request.options_per_need);
        let unmet = options.is_empty();
        let (nearest_beyond, remote_alternatives) = if unmet {
            let nearest = self.nearest_beyond(context, need, modes).await?;
            let remote_modes: Vec<DeliveryMode> = [DeliveryMode::Phone, DeliveryMode::Online]
                .into_iter()
                .filter(|mode| {
                    context.request.delivery_modes.is_empty() || context.request.delivery_modes.contains(mode)
                })
                .collect();
            // Phone and online services list opening hours in words, not schedules: days and
            // times cannot rule them out.
            let remote = match remote_modes.is_empty() {
                true => Vec::new(),
                false => self.candidates(context, need, 0.01, &remote_modes, false).await?,
            };
            (nearest, remote.into_iter().filter(|o| o.remote).take(3).collect())
        } else {
            (None, Vec::new())
        };
        Ok(NeedResult {
            need,
            options,
            unmet,
            nearest_beyond,
            remote_alternatives,
        })
    }

    /// The nearest suitable option with a venue within [`FURTHEST_KM`], searching outwards in
    /// [`BEYOND_STEPS_KM`] (a search to 200 km from Norfolk takes in London and costs tens of
    /// milliseconds). The first step that finds one gives the same answer as one search to
    /// 200 km: an option's distance is at least its hit's, so any nearer option's hit lies
    /// within the step too, among the nearest candidates of both searches.
    async fn nearest_beyond(
        &self,
        context: &Context<'_>,
        need: NeedCode,
        modes: &[DeliveryMode],
    ) -> Result<Option<SignpostOption>> {
        for radius_km in BEYOND_STEPS_KM {
            if radius_km <= context.max_distance_km && radius_km < FURTHEST_KM {
                continue;
            }
            let beyond = self.candidates(context, need, radius_km, modes, true).await?;
            let nearest = beyond.into_iter().filter(|o| !o.remote).min_by(|a, b| {
                a.distance_km
                    .unwrap_or(f64::MAX)
                    .total_cmp(&b.distance_km.unwrap_or(f64::MAX))
            });
            if nearest.is_some() {
                return Ok(nearest);
            }
        }
        Ok(None)
    }

    /// Suitable options within `radius_km`, best fit first; `with_times` applies the person's
    /// days and times.
    async fn candidates(
        &self,
        context: &Context<'_>,
        need: NeedCode,
        radius_km: f64,
        modes: &[DeliveryMode],
        with_times: bool,
    ) -> Result<Vec<SignpostOption>> {
        let timeless;
        let request = if with_times {
            context.request
        } else {
            timeless = SignpostRequest {
                days: Vec::new(),
                time_from: None,
                time_to: None,
                ..context.request.clone()
            };
            &timeless
        };
        let search = SearchRequest {
            near: Some(Near {
                point: request.point,
                radius_km,
                containing_places: context.containing.to_vec(),
            }),
            needs: vec![need],
            kinds: vec![AssetKind::Service],
            age: request.age,
            days: request.days.clone(),
            time_from: request.time_from,
            time_to: request.time_to,
            free_only: request.free_only,
            accessibility: request.accessibility.clone(),
            delivery_modes: modes.to_vec(),
            sort: SortOrder::Distance,
            limit: CANDIDATES,
            today: context.today,
            ..SearchRequest::default()
        };
        let index = self.search_index().clone();
        let hits = tokio::task::spawn_blocking(move || index.search(&search))
            .await
            .map_err(|e| Error::Index(format!("search task failed: {e}")))??
            .hits;
        let hits: Vec<RawHit> = hits
            .into_iter()
            .filter(|hit| request.include_stale || !hit.stale)
            .collect();
        let ids: Vec<Uuid> = hits.iter().filter_map(|hit| Uuid::parse_str(&hit.id).ok()).collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        // Ranking needs each candidate's venues and schedules, not its areas or organisation.
        let feed = self.store().services_with_sessions(&ids).await?;
        let by_id: HashMap<String, &Service> = feed.services.iter().map(|s| (s.id.to_string(), s)).collect();
        let mut options: Vec<SignpostOption> = hits
            .iter()
            .filter_map(|hit| {
                let service = by_id.get(&hit.id)?;
                self.option(context, request, &feed, service, hit, radius_km)
            })
            .collect();
        options.sort_by(|a, b| {
            b.fit_score.total_cmp(&a.fit_score).then(
                a.distance_km
                    .unwrap_or(f64::MAX)
                    .total_cmp(&b.distance_km.unwrap_or(f64::MAX)),
            )
        });
        Ok(options)
    }

    fn option(
        &self,
        context: &Context<'_>,
        request: &SignpostRequest,
        feed: &ServiceFeed,
        service: &Service,
        hit: &RawHit,
        radius_km: f64,
    ) -> Option<SignpostOption> {
        let service = service.clone();
        let schedules = feed.schedules.get(&service.id).cloned().unwrap_or_default();
        let filtering_times = !request.days.is_empty() || request.time_from.is_some() || request.time_to.is_some();
        // The nearest venue within reach, among those with a session that suits when times are asked.
        let venue = feed
            .venues
            .get(&service.id)
            .into_iter()
            .flatten()
            .filter_map(|venue| {
                let point = GeoPoint::new(venue.location.latitude, venue.location.longitude).ok()?;
                Some((request.point.distance_km(&point), &venue.location))
            })
            .filter(|(distance, location)| {
                *distance <= radius_km
                    && (!filtering_times || !sessions_at(request, &schedules, Some(location.id), 1).is_empty())
            })
            .min_by(|a, b| a.0.total_cmp(&b.0));
        let remote = venue.is_none();
        if remote && !hit.by_area {
            return None;
        }
        let next_sessions = sessions_at(request, &schedules, venue.map(|(_, l)| l.id), 3);
        let distance_km = venue.map(|(d, _)| (d * 10.0).round() / 10.0);
        let location = venue.map(|(_, l)| l.clone());
        let cost = cost_of(&service);
        let fit = fit_score(
            distance_km,
            context.max_distance_km,
            remote,
            service.free,
            hit.stale,
            !next_sessions.is_empty(),
        );
        let fit = (fit * 10.0).round() / 10.0;
        let reasons = reasons(
            &service,
            location.as_ref(),
            distance_km,
            &next_sessions,
            &cost,
            hit.stale,
            remote,
        );
        Some(SignpostOption {
            service,
            location,
            distance_km,
            remote,
            fit_score: fit,
            next_sessions,
            cost,
            stale: hit.stale,
            reasons,
        })
    }
}

/// The next `count` sessions at a venue (or of schedules tied to no venue) that suit the
/// person's days and times, soonest first.
fn sessions_at(request: &SignpostRequest, schedules: &[Schedule], venue: Option<Uuid>, count: usize) -> Vec<Session> {
    let availability = Availability {
        days: request.days.clone(),
        from: request.time_from,
        to: request.time_to,
    };
    let at_venue = schedules
        .iter()
        .filter(|s| s.location_id.is_none() || s.location_id == venue);
    availability.next_sessions(at_venue, Utc::now(), count)
}

fn cost_of(service: &Service) -> String {
    if service.free {
        return "Free".to_string();
    }
    service
        .cost_options
        .iter()
        .find_map(|c| {
            c.amount_description
                .clone()
                .or_else(|| c.amount.map(|a| format!("£{a:.2} {}", c.option.to_lowercase())))
        })
        .unwrap_or_else(|| "There is a cost: ask the organiser".to_string())
}

fn reasons(
    service: &Service,
    location: Option<&Location>,
    distance_km: Option<f64>,
    sessions: &[Session],
    cost: &str,
    stale: bool,
    remote: bool,
) -> Vec<String> {
    let mut reasons = Vec::new();
    if let Some(first) = sessions.first() {
        reasons.push(first.starts_at.format("%As %H:%M").to_string());
    }
    match (remote, distance_km) {
        (false, Some(d)) => reasons.push(format!("{d:.1} km")),
        _ => {
            let modes: Vec<&str> = service
                .delivery_modes
                .iter()
                .map(|m| match m {
                    DeliveryMode::Phone => "by phone",
                    DeliveryMode::Online => "online",
                    DeliveryMode::InPerson => "home visits or in person",
                })
                .collect();
            reasons.push(format!("serves your area ({})", modes.join(", ")));
        }
    }
    reasons.push(cost.to_lowercase());
    if let Some(location) = location {
        for feature in &location.accessibility {
            reasons.push(feature.as_str().replace('_', " ").replace("step free", "step-free"));
        }
    }
    if stale {
        reasons.push("not confirmed for over 12 months: check before going".to_string());
    }
    reasons
}
