//! Gap detection benchmark (a bench binary that prints figures; no test harness).
//!
//! Run in release: `cargo bench -p indexer --bench gaps`
//!
//! 1. England scale: 33,755 LSOA-like points (clustered round towns, like real LSOAs) against
//!    5,000 and 100,000 asset points: building the per-need k-d tree plus the nearest asset and
//!    coverage for every point, with brute force (every point against every asset) alongside.
//!    Brute force at 100,000 assets runs on a 10% sample of the points and is scaled up.
//! 2. The real Norfolk seed: `gap_matrix` for the county (7 districts × all 14 needs), end to end
//!    through the engine (SQLite load of the candidates included), and one `gaps` report.

use std::time::{Duration, Instant};

use indexer::domain::{NeedCode, PlaceCode, TAXONOMY};
use indexer::gaps::nearest::{brute_force_nearest, NearestIndex};
use indexer::gaps::{Demand, GapCriteria, MaxDistanceKm};
use indexer::Directory;

/// The allocator the binaries use (see `api/src/main.rs`), so the figures are theirs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const ENGLAND_LSOAS: usize = 33_755;
const REACH_KM: f64 = 5.0;

/// xorshift64*: deterministic points without a dependency.
struct Random(u64);

impl Random {
    fn next_unit(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn between(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.next_unit()
    }
}

/// Points in England's bounding box, 80% of them within ~10 km of one of 300 towns.
fn england_points(count: usize, seed: u64) -> Vec<indexer::domain::GeoPoint> {
    let mut random = Random(seed);
    let towns: Vec<(f64, f64)> = (0..300)
        .map(|_| (random.between(50.3, 55.5), random.between(-5.2, 1.6)))
        .collect();
    (0..count)
        .map(|_| {
            let (lat, lng) = if random.next_unit() < 0.8 {
                let (lat, lng) = towns[(random.next_unit() * towns.len() as f64) as usize % towns.len()];
                (lat + random.between(-0.09, 0.09), lng + random.between(-0.14, 0.14))
            } else {
                (random.between(50.0, 55.8), random.between(-5.7, 1.75))
            };
            indexer::domain::GeoPoint::new(lat, lng).expect("inside England's box")
        })
        .collect()
}

/// The median of `runs` timings of `work`, after one warm-up run.
fn median(runs: usize, mut work: impl FnMut()) -> Duration {
    work();
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            work();
            started.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn ms(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1000.0)
}

fn england_scale() {
    let lsoas = england_points(ENGLAND_LSOAS, 0x5eed_0001);
    for asset_count in [5_000usize, 100_000] {
        let assets = england_points(asset_count, 0x5eed_0002 + asset_count as u64);
        let mut covered = 0usize;
        let with_build = median(9, || {
            let index = NearestIndex::build(assets.clone());
            covered = index
                .nearest_all(&lsoas)
                .iter()
                .filter(|n| n.is_some_and(|n| n.distance_km <= REACH_KM))
                .count();
        });
        let index = NearestIndex::build(assets.clone());
        let queries_only = median(9, || {
            covered = index
                .nearest_all(&lsoas)
                .iter()
                .filter(|n| n.is_some_and(|n| n.distance_km <= REACH_KM))
                .count();
        });
        let sample_every = if asset_count > 10_000 { 10 } else { 1 };
        let started = Instant::now();
        let brute_covered = lsoas
            .iter()
            .step_by(sample_every)
            .filter(|p| brute_force_nearest(&assets, **p).is_some_and(|n| n.distance_km <= REACH_KM))
            .count();
        let brute = started.elapsed() * sample_every as u32;
        let note = if sample_every > 1 { " (10% sample, scaled)" } else { "" };
        println!(
            "england {ENGLAND_LSOAS} points x {asset_count} assets: k-d tree build+query {}, query only {}, brute force {}{note}; covered within {REACH_KM} km: {covered} (brute force sample: {brute_covered})",
            ms(with_build),
            ms(queries_only),
            ms(brute),
        );
    }
}

fn norfolk() {
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let data_dir = tempfile::tempdir().expect("temp dir");
    runtime.block_on(async {
        let directory = Directory::open(data_dir.path()).await.expect("seeded directory");
        let county = PlaceCode::parse("E10000020").expect("county code");
        let breckland = PlaceCode::parse("E07000143").expect("district code");
        let needs: Vec<NeedCode> = TAXONOMY
            .iter()
            .map(|need| NeedCode::parse(need.code).expect("taxonomy code"))
            .collect();
        let criteria = GapCriteria::new(MaxDistanceKm::parse(REACH_KM).expect("valid reach"));
        let mut rows = 0;
        let mut times = Vec::new();
        for _ in 0..21 {
            let started = Instant::now();
            let matrix = directory.gap_matrix(&county, &needs, &criteria).await.expect("matrix");
            times.push(started.elapsed());
            rows = matrix.rows.len();
        }
        times.sort();
        println!(
            "norfolk gap_matrix(E10000020, {} needs): {rows} rows in {} (median of 21, end to end; candidate services read once per change-log position, as in the server)",
            needs.len(),
            ms(times[times.len() / 2])
        );
        let mut times = Vec::new();
        for _ in 0..21 {
            let started = Instant::now();
            directory.store().gap_candidates().await.expect("candidates");
            times.push(started.elapsed());
        }
        times.sort();
        println!(
            "norfolk reading the candidate services from SQLite (the first call after a change pays this once): {}",
            ms(times[times.len() / 2])
        );
        let need = needs[0];
        let mut times = Vec::new();
        for _ in 0..21 {
            let started = Instant::now();
            directory
                .gaps(&breckland, need, &criteria, Demand::default())
                .await
                .expect("report");
            times.push(started.elapsed());
        }
        times.sort();
        println!(
            "norfolk gaps(E07000143, strength-and-balance): {} (median of 21)",
            ms(times[times.len() / 2])
        );
        directory.close().await;
    });
}

fn main() {
    england_scale();
    norfolk();
}
