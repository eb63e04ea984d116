//! Gap coverage on a loaded area equals brute force: for random sets of venues and reaches,
//! the engine's report over North Northamptonshire's LSOAs (k-d tree nearest neighbours on the
//! LSOA points derived from the pack) agrees with an oracle that shares no code with it: the
//! mean of each LSOA's postcode positions read from the store, haversine to every venue, and
//! the Census 65+ counts from `truth.json`.

use indexer::store::db;
use std::collections::HashMap;

use indexer::domain::{GeoPoint, NeedCode};
use indexer::gaps::assets::EligibleAssets;
use indexer::gaps::nearest::NearestIndex;
use indexer::gaps::report::{self, areas_of, ReportInput};
use indexer::gaps::{Coverage, Demand, GapAsset, GapCriteria, MaxDistanceKm};

use super::*;

/// A small deterministic generator (xorshift), so a failure is reproducible by its case number.
struct Random(u64);

impl Random {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    fn between(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.next()
    }
}

fn venue(point: GeoPoint) -> GapAsset {
    GapAsset {
        service_id: uuid::Uuid::new_v4(),
        service_name: "test class".into(),
        location_id: uuid::Uuid::new_v4(),
        location_name: "test venue".into(),
        postcode: None,
        point,
        weekly_sessions: 1.0,
        in_place: false,
    }
}

#[tokio::test]
async fn coverage_on_north_northamptonshire_equals_brute_force() {
    let test = with_areas(&[NORTH_NORTHAMPTONSHIRE]).await;
    let truth = truth(NORTH_NORTHAMPTONSHIRE);
    let geography = test.directory.geography();
    let place = geography
        .places
        .get(&code(NORTH_NORTHAMPTONSHIRE))
        .expect("loaded")
        .clone();
    let areas = areas_of(&geography, &place, "place").expect("LSOAs with population");
    assert_eq!(areas.len(), 205);

    // The oracle's LSOA points: the mean of the LSOA's postcode positions.
    let rows: Vec<(String, f64, f64)> =
        db::query_as("SELECT lsoa_code, latitude, longitude FROM postcodes WHERE district_code = ?")
            .bind(NORTH_NORTHAMPTONSHIRE)
            .fetch_all(test.directory.store().pool())
            .await
            .expect("postcodes");
    let mut sums: HashMap<String, (f64, f64, f64)> = HashMap::new();
    for (lsoa, lat, lng) in rows {
        let entry = sums.entry(lsoa).or_default();
        *entry = (entry.0 + lat, entry.1 + lng, entry.2 + 1.0);
    }
    let oracle_points: HashMap<String, (f64, f64)> = sums
        .into_iter()
        .map(|(lsoa, (lat, lng, n))| (lsoa, (lat / n, lng / n)))
        .collect();
    assert_eq!(oracle_points.len(), 205, "every LSOA has postcodes");
    let aged_65_plus = |lsoa: &str| {
        truth["population"]["lsoa"][lsoa]["age_65_plus"]
            .as_i64()
            .expect("count")
    };

    let need = NeedCode::parse("strength-and-balance").expect("need");
    let mut random = Random(0x9E37_79B9_7F4A_7C15);
    for case in 0..40 {
        let venues: Vec<GapAsset> = (0..1 + (random.next() * 25.0) as usize)
            .map(|_| {
                let point = GeoPoint::new(random.between(52.20, 52.65), random.between(-0.95, -0.35)).expect("point");
                venue(point)
            })
            .collect();
        let reach = random.between(0.3, 12.0);
        let criteria = GapCriteria::new(MaxDistanceKm::parse(reach).expect("reach"));
        let assets = EligibleAssets {
            index: NearestIndex::build(venues.iter().map(|v| v.point).collect()),
            venues: venues.clone(),
            remote: Vec::new(),
        };
        let built = report::build(&ReportInput {
            geography: &geography,
            place: &place,
            need,
            criteria: &criteria,
            demand: Demand::default(),
            areas: &areas,
            assets: &assets,
            location_places: None,
        });
        let mut covered_by_oracle = 0;
        for area in &built.areas {
            let point = oracle_points[area.place.code.as_str()];
            let nearest = venues
                .iter()
                .map(|v| metres_between(point, (v.point.latitude(), v.point.longitude())) / 1000.0)
                .fold(f64::INFINITY, f64::min);
            // Points a hair from the reach may fall either way by rounding; none should be that close.
            if (nearest - reach).abs() < 1e-6 {
                continue;
            }
            let covered = nearest <= reach;
            assert_eq!(
                area.coverage == Coverage::Venue,
                covered,
                "case {case}: {} at {nearest} km, reach {reach}",
                area.place.code
            );
            let engine_km = area.nearest.as_ref().map(|(_, km)| *km).expect("a nearest venue");
            assert!(
                (engine_km - nearest).abs() < 0.01,
                "case {case}: {engine_km} vs {nearest}"
            );
            assert_eq!(area.target_population, aged_65_plus(area.place.code.as_str()));
            if covered {
                covered_by_oracle += aged_65_plus(area.place.code.as_str());
            }
        }
        assert_eq!(built.summary.covered_population, covered_by_oracle, "case {case}");
        assert_eq!(built.summary.target_population, 65_350, "case {case}");
    }
}
