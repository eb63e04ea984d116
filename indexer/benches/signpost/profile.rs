//! Where a signposting request spends its time: the same candidate searches `signpost` makes
//! (tantivy), one need after another, timed apart from the rest (hydrating the most promising
//! hits in rounds, from the cache or SQLite, and ranking them).

use std::time::{Duration, Instant};

use anyhow::Result;
use chrono::Utc;
use chrono_tz::Europe::London;
use indexer::domain::{DeliveryMode, PlaceCode};
use indexer::search::{AssetKind, Near, SearchOptions, SearchRequest, SortOrder};
use indexer::signpost::{SignpostRequest, SignpostResult};
use indexer::Directory;

/// As `signpost::options`.
const CANDIDATES: usize = 60;
const FURTHEST_KM: f64 = 200.0;
const BEYOND_STEPS_KM: [f64; 4] = [25.0, 50.0, 100.0, FURTHEST_KM];

/// Time per request in each stage.
#[derive(Debug, Default)]
pub struct Stages {
    pub search: Vec<Duration>,
    /// The searches and hydrations made only for unmet needs (nearest beyond, remote).
    pub unmet_path: Vec<Duration>,
}

/// Replays the searches and hydrations of a request whose result is known.
pub async fn replay(
    directory: &Directory,
    request: &SignpostRequest,
    result: &SignpostResult,
    stages: &mut Stages,
) -> Result<()> {
    let containing: Vec<PlaceCode> = directory.places_at(request.point).into_iter().map(|p| p.code).collect();
    let (mut search, mut unmet_path) = (Duration::ZERO, Duration::ZERO);
    for need in &result.needs {
        let mut passes = vec![(result.max_distance_km, request.delivery_modes.clone(), true)];
        if need.unmet {
            // The widening searches stop at the first step that reaches the nearest option.
            let reached = need.nearest_beyond.as_ref().and_then(|o| o.distance_km);
            for step in BEYOND_STEPS_KM {
                if step <= result.max_distance_km && step < FURTHEST_KM {
                    continue;
                }
                passes.push((step, request.delivery_modes.clone(), true));
                if reached.is_some_and(|distance| distance <= step) {
                    break;
                }
            }
            passes.push((0.01, vec![DeliveryMode::Phone, DeliveryMode::Online], false));
        }
        for (pass, (radius_km, modes, with_times)) in passes.into_iter().enumerate() {
            let search_request = SearchRequest {
                near: Some(Near {
                    point: request.point,
                    radius_km,
                    containing_places: containing.clone(),
                }),
                needs: vec![need.need],
                kinds: vec![AssetKind::Service],
                age: request.age,
                days: if with_times { request.days.clone() } else { Vec::new() },
                time_from: request.time_from.filter(|_| with_times),
                time_to: request.time_to.filter(|_| with_times),
                free_only: request.free_only,
                accessibility: request.accessibility.clone(),
                delivery_modes: modes,
                sort: SortOrder::Distance,
                limit: CANDIDATES,
                today: Utc::now().with_timezone(&London).date_naive(),
                ..SearchRequest::default()
            };
            let started = Instant::now();
            directory.search_index().search(&search_request, SearchOptions::PAGE)?;
            let searched = started.elapsed();
            match pass {
                0 => search += searched,
                _ => unmet_path += searched,
            }
        }
    }
    stages.search.push(search);
    stages.unmet_path.push(unmet_path);
    Ok(())
}
