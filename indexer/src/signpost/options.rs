//! Options for one need: candidates from the search index, the venue and sessions that suit
//! the person, a stated fit score, and plain-language reasons.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;
use uuid::Uuid;

use super::{NeedResult, SignpostOption, SignpostRequest};
use crate::domain::schedule::{Availability, Session};
use crate::domain::*;
use crate::error::Result;
use crate::search::cache::{CachedService, ListingCache};
use crate::search::{AssetKind, Near, RawHit, SearchOptions, SearchRequest, SortOrder};
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
/// a service reached only by phone/online/visits, 10 unless known to be free, 25 if stale, 5 if no session
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

/// Which options a search wants, in what order.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Wanted {
    /// The best `n` by fit (nearer first on ties).
    BestFit(usize),
    /// The best `n` by fit among services reached only by phone, online or visits.
    RemoteBestFit(usize),
    /// The nearest option with a venue.
    Nearest,
}

impl Wanted {
    fn count(self) -> usize {
        match self {
            Wanted::BestFit(n) | Wanted::RemoteBestFit(n) => n,
            Wanted::Nearest => 1,
        }
    }

    /// The order key of an option (smaller is better).
    fn key(self, option: &SignpostOption) -> f64 {
        match self {
            Wanted::BestFit(_) | Wanted::RemoteBestFit(_) => -option.fit_score,
            Wanted::Nearest => option.distance_km.unwrap_or(f64::MAX),
        }
    }

    /// A key no option made from `hit` can beat, or `None` if the hit cannot give a wanted
    /// option. An option's venue is at least as far as the hit's nearest (less the rounding
    /// to 0.1 km), and its fit at most [`fit_score`] with everything else in its favour (plus
    /// the rounding to 0.1).
    fn bound(self, hit: &RawHit, max_distance_km: f64) -> Option<f64> {
        const ROUNDING_KM: f64 = 0.05;
        const ROUNDING_FIT: f64 = 0.05;
        let nearest_km = hit.distance_km.map(|d| (d - ROUNDING_KM).max(0.0));
        match self {
            Wanted::Nearest => nearest_km,
            Wanted::RemoteBestFit(_) if !hit.by_area => None,
            Wanted::BestFit(_) | Wanted::RemoteBestFit(_) => {
                let remote = hit.by_area || nearest_km.is_none();
                let best = fit_score(nearest_km, max_distance_km, remote, true, hit.stale, true);
                Some(-(best + ROUNDING_FIT))
            }
        }
    }
}

/// Hits hydrated per round at first; each round doubles it. Tests use tiny rounds so that the
/// seed's few candidates per need still stop early.
const FIRST_ROUND: usize = if cfg!(test) { 1 } else { 12 };

impl Directory {
    pub(super) async fn options_for_need(&self, context: &Context<'_>, need: NeedCode) -> Result<NeedResult> {
        let modes = &context.request.delivery_modes;
        let wanted = Wanted::BestFit(context.request.options_per_need);
        let options = self
            .candidates(context, need, context.max_distance_km, modes, true, wanted)
            .await?;
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
                false => {
                    self.candidates(context, need, 0.01, &remote_modes, false, Wanted::RemoteBestFit(3))
                        .await?
                }
            };
            (nearest, remote)
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
            let beyond = self
                .candidates(context, need, radius_km, modes, true, Wanted::Nearest)
                .await?;
            if let Some(nearest) = beyond.into_iter().next() {
                return Ok(Some(nearest));
            }
        }
        Ok(None)
    }

    /// The `wanted` suitable options within `radius_km`, best first; `with_times` applies the
    /// person's days and times.
    ///
    /// The index gives up to [`CANDIDATES`] hits, nearest first. Each hit's best possible
    /// option is known from the hit alone (see [`Wanted::bound`]), so hits are hydrated in
    /// rounds, most promising first, and the rounds stop once the options found beat every
    /// hit left: the answer is the one hydrating all of them would give, for a fraction of
    /// the reads.
    async fn candidates(
        &self,
        context: &Context<'_>,
        need: NeedCode,
        radius_km: f64,
        modes: &[DeliveryMode],
        with_times: bool,
        wanted: Wanted,
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
        let hits = self
            .on_search_index(move |index| index.search(&search, SearchOptions::PAGE))
            .await?
            .hits;
        let mut queue: Vec<(f64, Uuid, RawHit)> = hits
            .into_iter()
            .filter(|hit| request.include_stale || !hit.stale)
            .filter_map(|hit| {
                let bound = wanted.bound(&hit, context.max_distance_km)?;
                Some((bound, Uuid::parse_str(&hit.id).ok()?, hit))
            })
            .collect();
        // Stable: equal bounds keep the index's order (nearest first).
        queue.sort_by(|a, b| a.0.total_cmp(&b.0));
        let count = wanted.count();
        let mut options: Vec<SignpostOption> = Vec::new();
        let (mut next, mut round) = (0, FIRST_ROUND);
        while next < queue.len() {
            let batch = &queue[next..(next + round).min(queue.len())];
            let ids: Vec<Uuid> = batch.iter().map(|(_, id, _)| *id).collect();
            let services = self.services_to_rank(&ids).await?;
            let by_id: HashMap<Uuid, &CachedService> = services.iter().map(|s| (s.service.id, s.as_ref())).collect();
            options.extend(batch.iter().filter_map(|(_, id, hit)| {
                let service = by_id.get(id)?;
                self.option(context, request, service, hit, radius_km)
                    .filter(|option| option.remote || wanted != Wanted::RemoteBestFit(count))
            }));
            next += batch.len();
            round *= 2;
            options.sort_by(|a, b| {
                wanted.key(a).total_cmp(&wanted.key(b)).then(
                    a.distance_km
                        .unwrap_or(f64::MAX)
                        .total_cmp(&b.distance_km.unwrap_or(f64::MAX)),
                )
            });
            let settled = options
                .get(count.saturating_sub(1))
                .zip(queue.get(next))
                .is_some_and(|(last, (bound, _, _))| wanted.key(last) < *bound);
            if settled {
                break;
            }
        }
        options.truncate(count);
        Ok(options)
    }

    /// Services with their venues and schedules: from the cache, the rest from the store.
    async fn services_to_rank(&self, ids: &[Uuid]) -> Result<Vec<Arc<CachedService>>> {
        ListingCache::get_or_read(self.search_index().service_cache(), ids, |missing| async move {
            let mut feed = self.store().service_feed(Some(&missing)).await?;
            Ok(feed
                .services
                .into_iter()
                .map(|service| {
                    Arc::new(CachedService {
                        venues: feed.venues.remove(&service.id).unwrap_or_default(),
                        schedules: feed.schedules.remove(&service.id).unwrap_or_default(),
                        service,
                    })
                })
                .collect())
        })
        .await
    }

    fn option(
        &self,
        context: &Context<'_>,
        request: &SignpostRequest,
        cached: &CachedService,
        hit: &RawHit,
        radius_km: f64,
    ) -> Option<SignpostOption> {
        let schedules = &cached.schedules;
        let filtering_times = !request.days.is_empty() || request.time_from.is_some() || request.time_to.is_some();
        // The nearest venue within reach, among those with a session that suits when times are asked.
        let venue = cached
            .venues
            .iter()
            .filter_map(|venue| {
                let point = GeoPoint::new(venue.location.latitude, venue.location.longitude).ok()?;
                Some((request.point.distance_km(&point), &venue.location))
            })
            .filter(|(distance, location)| {
                *distance <= radius_km
                    && (!filtering_times || !sessions_at(request, schedules, Some(location.id), 1).is_empty())
            })
            .min_by(|a, b| a.0.total_cmp(&b.0));
        let remote = venue.is_none();
        if remote && !hit.by_area {
            return None;
        }
        let service = cached.service.clone();
        let next_sessions = sessions_at(request, schedules, venue.map(|(_, l)| l.id), 3);
        let distance_km = venue.map(|(d, _)| (d * 10.0).round() / 10.0);
        let location = venue.map(|(_, l)| l.clone());
        let cost = cost_of(&service);
        let fit = fit_score(
            distance_km,
            context.max_distance_km,
            remote,
            service.free == Some(true),
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

/// The cost in words; a service whose organisation has not said is "cost not known", never
/// free (and scores as one that costs: see [`fit_score`]).
fn cost_of(service: &Service) -> String {
    if service.free == Some(true) {
        return "Free".to_string();
    }
    let words = service.cost_options.iter().find_map(|c| {
        c.amount_description
            .clone()
            .or_else(|| c.amount.map(|a| format!("£{a:.2} {}", c.option.to_lowercase())))
    });
    match (words, service.free) {
        (Some(words), _) => words,
        (None, Some(_)) => "There is a cost: ask the organiser".to_string(),
        (None, None) => crate::resident::wording::COST_NOT_KNOWN.to_string(),
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signpost::DEFAULT_OPTIONS_PER_NEED;

    fn request(point: GeoPoint, days: Vec<chrono::Weekday>) -> SignpostRequest {
        SignpostRequest {
            point,
            age: Some(74),
            needs: Vec::new(),
            description: None,
            max_distance_km: None,
            days,
            time_from: None,
            time_to: None,
            delivery_modes: Vec::new(),
            free_only: false,
            accessibility: Vec::new(),
            include_stale: true,
            options_per_need: DEFAULT_OPTIONS_PER_NEED,
            asked_by: None,
        }
    }

    fn summary(options: &[SignpostOption]) -> Vec<(Uuid, Option<f64>, f64, bool)> {
        options
            .iter()
            .map(|o| (o.service.id, o.distance_km, o.fit_score, o.remote))
            .collect()
    }

    /// Hydrating in rounds and stopping early gives exactly what ranking every hit gives, over
    /// a grid of points across Norfolk, the commonest needs, two reaches and each kind of shortlist.
    #[test]
    fn rounds_give_the_same_options_as_ranking_every_hit() {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let data_dir = tempfile::tempdir().expect("temp dir");
        runtime.block_on(async {
            let directory = Directory::open(data_dir.path()).await.expect("seeded directory");
            let today = Utc::now().date_naive();
            let mut compared = 0;
            for step in 0..12 {
                let point = GeoPoint::new(52.5 + 0.15 * f64::from(step / 4), 0.6 + 0.28 * f64::from(step % 4))
                    .expect("in Norfolk");
                let containing: Vec<PlaceCode> = directory.places_at(point).into_iter().map(|p| p.code).collect();
                let days = if step % 2 == 0 {
                    Vec::new()
                } else {
                    vec![chrono::Weekday::Tue]
                };
                let request = request(point, days);
                for max_distance_km in [3.0, 15.0] {
                    let context = Context {
                        request: &request,
                        containing: &containing,
                        max_distance_km,
                        today,
                    };
                    for need in ["strength-and-balance", "social-connection", "money-advice", "carers"] {
                        let need = NeedCode::parse(need).expect("taxonomy code");
                        for (radius_km, with_times, wanted) in [
                            (max_distance_km, true, Wanted::BestFit(3)),
                            (max_distance_km, true, Wanted::BestFit(1)),
                            (50.0, true, Wanted::Nearest),
                            (0.01, false, Wanted::RemoteBestFit(3)),
                        ] {
                            let every = match wanted {
                                Wanted::BestFit(_) => Wanted::BestFit(CANDIDATES),
                                Wanted::RemoteBestFit(_) => Wanted::RemoteBestFit(CANDIDATES),
                                Wanted::Nearest => Wanted::Nearest,
                            };
                            let rounds = directory
                                .candidates(&context, need, radius_km, &[], with_times, wanted)
                                .await
                                .expect("candidates");
                            let mut all = directory
                                .candidates(&context, need, radius_km, &[], with_times, every)
                                .await
                                .expect("candidates");
                            if wanted == Wanted::Nearest {
                                // Every hit, nearest first.
                                all = directory
                                    .candidates(&context, need, radius_km, &[], with_times, Wanted::BestFit(CANDIDATES))
                                    .await
                                    .expect("candidates");
                                all.retain(|o| !o.remote);
                                all.sort_by(|a, b| {
                                    a.distance_km
                                        .unwrap_or(f64::MAX)
                                        .total_cmp(&b.distance_km.unwrap_or(f64::MAX))
                                });
                            }
                            all.truncate(wanted.count());
                            if wanted == Wanted::Nearest {
                                assert_eq!(
                                    rounds.first().map(|o| o.distance_km),
                                    all.first().map(|o| o.distance_km)
                                );
                            } else {
                                assert_eq!(summary(&rounds), summary(&all), "{need:?} at {point:?}, {wanted:?}");
                            }
                            compared += usize::from(!all.is_empty());
                        }
                    }
                }
            }
            assert!(compared > 100, "only {compared} non-empty comparisons");
            directory.close().await;
        });
    }
}
