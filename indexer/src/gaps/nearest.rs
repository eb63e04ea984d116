//! Nearest asset to a point, exactly by great-circle (haversine) distance, from a k-d tree.
//!
//! Points go into the tree as unit vectors on the sphere (x, y, z). The straight-line (chord)
//! distance between two unit vectors grows strictly with the great-circle distance between them,
//! so the tree's Euclidean nearest neighbour *is* the haversine nearest neighbour: no planar
//! projection, no distortion towards the poles, no candidate re-checking. The distance reported
//! is the haversine distance to the point found ([`GeoPoint::distance_km`]).
//!
//! The tree is `kiddo`'s immutable k-d tree over `f64` coordinates (exact squared-Euclidean
//! search, no approximation). It replaced an `rstar` R-tree, which at England scale was several
//! times slower both to build and to query (`cargo bench -p indexer --bench gaps`).

use kiddo::{ImmutableKdTree, SquaredEuclidean};

use crate::domain::GeoPoint;

/// The nearest indexed point to a query point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Nearest {
    /// Position of the point in the slice the index was built from.
    pub index: usize,
    /// Great-circle distance in kilometres.
    pub distance_km: f64,
}

/// An immutable nearest-neighbour index over asset points.
#[derive(Debug)]
pub struct NearestIndex {
    /// Items are positions in `points`.
    tree: ImmutableKdTree<f64, 3>,
    points: Vec<GeoPoint>,
}

impl NearestIndex {
    /// Builds the index; positions in `points` are what [`Nearest::index`] refers to.
    ///
    /// # Panics
    /// With more than `u32::MAX` points (the tree's item type), far beyond any directory.
    pub fn build(points: Vec<GeoPoint>) -> NearestIndex {
        let unit_vectors: Vec<[f64; 3]> = points.iter().map(|point| unit_vector(*point)).collect();
        let tree = ImmutableKdTree::new_from_slice(&unit_vectors)
            .expect("a k-d tree holds up to u32::MAX points, far more than there are venues");
        NearestIndex { tree, points }
    }

    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// The nearest point to `from`, or `None` when the index is empty.
    pub fn nearest(&self, from: GeoPoint) -> Option<Nearest> {
        if self.points.is_empty() {
            return None;
        }
        let found = self
            .tree
            .query(&unit_vector(from))
            .nearest_one::<SquaredEuclidean<f64>>()
            .execute();
        let index = found.item as usize;
        Some(Nearest {
            index,
            distance_km: from.distance_km(&self.points[index]),
        })
    }
}

impl NearestIndex {
    /// The nearest point to each of `from`, in order. Large batches are split over the
    /// available cores (scoped threads; call it off the async runtime).
    pub fn nearest_all(&self, from: &[GeoPoint]) -> Vec<Option<Nearest>> {
        const PER_THREAD_MINIMUM: usize = 4_096;
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        if threads < 2 || from.len() < 2 * PER_THREAD_MINIMUM {
            return from.iter().map(|point| self.nearest(*point)).collect();
        }
        let chunk = from.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let workers: Vec<_> = from
                .chunks(chunk)
                .map(|part| scope.spawn(move || part.iter().map(|point| self.nearest(*point)).collect::<Vec<_>>()))
                .collect();
            workers
                .into_iter()
                .flat_map(|worker| worker.join().unwrap_or_default())
                .collect()
        })
    }
}

/// The nearest point by checking every one: the reference the index is tested and benchmarked
/// against.
pub fn brute_force_nearest(points: &[GeoPoint], from: GeoPoint) -> Option<Nearest> {
    points
        .iter()
        .enumerate()
        .map(|(index, point)| Nearest {
            index,
            distance_km: from.distance_km(point),
        })
        .min_by(|a, b| a.distance_km.total_cmp(&b.distance_km))
}

/// The point as a vector on the unit sphere.
fn unit_vector(point: GeoPoint) -> [f64; 3] {
    let (latitude_sin, latitude_cos) = point.latitude().to_radians().sin_cos();
    let (longitude_sin, longitude_cos) = point.longitude().to_radians().sin_cos();
    [latitude_cos * longitude_cos, latitude_cos * longitude_sin, latitude_sin]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn uk_point() -> impl Strategy<Value = GeoPoint> {
        (49.9f64..60.9, -8.6f64..1.7).prop_map(|(lat, lng)| GeoPoint::new(lat, lng).expect("inside the UK box"))
    }

    /// Points bunched into a small area, so near-ties between assets are common.
    fn clustered_point() -> impl Strategy<Value = GeoPoint> {
        (52.60f64..52.62, 1.28f64..1.30).prop_map(|(lat, lng)| GeoPoint::new(lat, lng).expect("in Norwich"))
    }

    fn assert_same_distance(index: &NearestIndex, assets: &[GeoPoint], from: GeoPoint) {
        let fast = index.nearest(from).expect("non-empty index");
        let slow = brute_force_nearest(assets, from).expect("non-empty");
        assert!(
            (fast.distance_km - slow.distance_km).abs() < 1e-6,
            "index found {fast:?}, brute force {slow:?}"
        );
        assert!((from.distance_km(&assets[fast.index]) - fast.distance_km).abs() < 1e-12);
    }

    proptest! {
        #[test]
        fn index_agrees_with_brute_force_across_the_uk(
            assets in prop::collection::vec(uk_point(), 1..300),
            queries in prop::collection::vec(uk_point(), 1..50),
        ) {
            let index = NearestIndex::build(assets.clone());
            for from in queries {
                assert_same_distance(&index, &assets, from);
            }
        }

        #[test]
        fn index_agrees_with_brute_force_among_close_neighbours(
            assets in prop::collection::vec(clustered_point(), 1..300),
            queries in prop::collection::vec(clustered_point(), 1..50),
        ) {
            let index = NearestIndex::build(assets.clone());
            for from in queries {
                assert_same_distance(&index, &assets, from);
            }
        }

        /// Many services at one venue put many identical points in the tree, more than fit in
        /// one of its leaves.
        #[test]
        fn index_agrees_with_brute_force_when_many_assets_share_a_venue(
            venues in prop::collection::vec(clustered_point(), 1..20),
            picks in prop::collection::vec(any::<prop::sample::Index>(), 1..500),
            queries in prop::collection::vec(clustered_point(), 1..50),
        ) {
            let assets: Vec<GeoPoint> = picks.iter().map(|pick| venues[pick.index(venues.len())]).collect();
            let index = NearestIndex::build(assets.clone());
            for from in queries.into_iter().chain(venues.iter().copied()) {
                assert_same_distance(&index, &assets, from);
            }
        }
    }

    #[test]
    fn batches_agree_with_single_queries() {
        let points: Vec<GeoPoint> = (0..10_000)
            .map(|i| GeoPoint::new(51.0 + (i % 100) as f64 * 0.03, -3.0 + (i / 100) as f64 * 0.04).expect("in the UK"))
            .collect();
        let index = NearestIndex::build(points.iter().step_by(7).copied().collect());
        let batch = index.nearest_all(&points);
        assert_eq!(batch.len(), points.len());
        for (point, found) in points.iter().zip(batch) {
            assert_eq!(found, index.nearest(*point));
        }
    }

    #[test]
    fn empty_index_has_no_nearest() {
        let index = NearestIndex::build(Vec::new());
        let norwich = GeoPoint::new(52.6309, 1.2974).expect("valid");
        assert_eq!(index.nearest(norwich), None);
        assert_eq!(brute_force_nearest(&[], norwich), None);
    }
}
