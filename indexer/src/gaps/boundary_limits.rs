//! Limits on a boundary load, checked before any geometry work: coordinates in range and a
//! bounded number of vertices, then the validity and hierarchy checks under a time limit.
//!
//! Why: `geo`'s validity check and overlay operations are superlinear in vertices and do not
//! terminate in reasonable time on extreme coordinates (a triangle at ±1e308 spun in the sweep
//! for minutes). So every position must be a WGS84 point inside the United Kingdom (the
//! directory's area, as [`GeoPoint`] defines it), a load holds at most
//! [`PlaceLoadLimits::max_vertices`] vertices and a ring at most
//! [`PlaceLoadLimits::max_ring_vertices`], and the checks run off the async runtime, giving up
//! (cooperatively, between features and between pairs of places) at a deadline.

use std::time::{Duration, Instant};

use geojson::Value as Geometry;

use crate::domain::geo_point::Coordinate;
use crate::domain::GeoPoint;
use crate::error::{Error, Result};

/// What one boundary load may hold and how long its checks may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlaceLoadLimits {
    /// Vertices over all features of the load.
    pub max_vertices: usize,
    /// Vertices in any one ring (an outer boundary or a hole).
    pub max_ring_vertices: usize,
    /// How long the validity and hierarchy checks may run.
    pub time_limit: Duration,
}

impl PlaceLoadLimits {
    /// For a request (`loadPlaces`): 100,000 vertices in all, 25,000 a ring, 120 s of checks.
    /// Norfolk's 552 generalised LSOAs hold 56,319 vertices, its largest district 6,354; its 7
    /// districts (17,556 vertices) took over 30 s to check in a debug build on a loaded machine.
    pub const REQUEST: PlaceLoadLimits = PlaceLoadLimits {
        max_vertices: 100_000,
        max_ring_vertices: 25_000,
        time_limit: Duration::from_secs(120),
    };

    /// For a file an operator loads (`indexer places load`): a region's full set of boundaries.
    pub const FILE: PlaceLoadLimits = PlaceLoadLimits {
        max_vertices: 5_000_000,
        max_ring_vertices: 25_000,
        time_limit: Duration::from_secs(600),
    };
}

/// Counts a load's vertices as features are read, refusing out-of-range coordinates and loads
/// over the limits.
pub(crate) struct VertexBudget {
    limits: PlaceLoadLimits,
    used: usize,
}

impl VertexBudget {
    pub fn new(limits: PlaceLoadLimits) -> Self {
        VertexBudget { limits, used: 0 }
    }

    /// Checks one feature's geometry (`problem` names the feature); Polygons and
    /// MultiPolygons are walked, other types are left for the parser to refuse.
    pub fn check(&mut self, geometry: &Geometry, problem: &dyn Fn(String) -> Error) -> Result<()> {
        match geometry {
            Geometry::Polygon(rings) => self.rings("geometry.coordinates", rings, problem),
            Geometry::MultiPolygon(polygons) => {
                for (at, rings) in polygons.iter().enumerate() {
                    self.rings(&format!("geometry.coordinates[{at}]"), rings, problem)?;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn rings(&mut self, path: &str, rings: &[Vec<Vec<f64>>], problem: &dyn Fn(String) -> Error) -> Result<()> {
        for (ring_at, ring) in rings.iter().enumerate() {
            let ring_path = format!("{path}[{ring_at}]");
            if ring.len() > self.limits.max_ring_vertices {
                return Err(problem(format!(
                    "{ring_path} has {} vertices; a ring may have at most {} (simplify the boundary)",
                    ring.len(),
                    self.limits.max_ring_vertices
                )));
            }
            self.used += ring.len();
            if self.used > self.limits.max_vertices {
                return Err(problem(format!(
                    "{ring_path} takes the load past {} vertices in all; split the file",
                    self.limits.max_vertices
                )));
            }
            for (at, position) in ring.iter().enumerate() {
                in_range(position).map_err(|reason| problem(format!("{ring_path}[{at}]: {reason}")))?;
            }
        }
        Ok(())
    }
}

/// A GeoJSON position `[longitude, latitude]` inside the directory's area.
fn in_range(position: &[f64]) -> std::result::Result<(), String> {
    let [longitude, latitude, ..] = position else {
        return Err("a position needs a longitude and a latitude".into());
    };
    GeoPoint::new(*latitude, *longitude)
        .map(|_| ())
        .map_err(|(which, error)| {
            let value = match which {
                Coordinate::Latitude => latitude,
                Coordinate::Longitude => longitude,
            };
            format!("{value}: {error}")
        })
}

/// The moment the checks give up, shared by the cooperative checks.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline {
    at: Instant,
    limit: Duration,
}

impl Deadline {
    pub fn after(limit: Duration) -> Self {
        Deadline {
            at: Instant::now() + limit,
            limit,
        }
    }

    /// An error once the deadline has passed.
    pub fn check(&self) -> Result<()> {
        if Instant::now() >= self.at {
            return Err(self.exceeded());
        }
        Ok(())
    }

    pub fn exceeded(&self) -> Error {
        Error::invalid(
            "file",
            format!(
                "checking the boundaries took longer than {} s; load fewer or simpler places at a time",
                self.limit.as_secs_f64()
            ),
        )
    }
}

/// Runs the checks on a blocking thread and waits at most the time limit (plus a moment for the
/// cooperative deadline to be noticed) for them.
pub(crate) async fn checked_off_runtime<T: Send + 'static>(
    limits: PlaceLoadLimits,
    checks: impl FnOnce(Deadline) -> Result<T> + Send + 'static,
) -> Result<T> {
    let deadline = Deadline::after(limits.time_limit);
    let task = tokio::task::spawn_blocking(move || checks(deadline));
    match tokio::time::timeout(limits.time_limit + Duration::from_secs(1), task).await {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(join)) => Err(Error::Io(std::io::Error::other(format!(
            "boundary checks stopped: {join}"
        )))),
        Err(_) => Err(deadline.exceeded()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(reason: String) -> Error {
        Error::invalid("file", reason)
    }

    fn ring(points: &[(f64, f64)]) -> Vec<Vec<f64>> {
        points.iter().map(|(lon, lat)| vec![*lon, *lat]).collect()
    }

    #[test]
    fn coordinates_outside_the_area_or_not_finite_are_refused() {
        let mut budget = VertexBudget::new(PlaceLoadLimits::REQUEST);
        let huge = Geometry::Polygon(vec![ring(&[
            (1e308, 1e308),
            (-1e308, 1e308),
            (0.0, -1e308),
            (1e308, 1e308),
        ])]);
        let error = budget.check(&huge, &problem).expect_err("1e308");
        assert!(error.to_string().contains("geometry.coordinates[0][0]"), "{error}");
        assert!(in_range(&[f64::NAN, 52.0]).is_err());
        assert!(in_range(&[0.5, 48.0]).is_err(), "south of the Scillies");
        assert!(in_range(&[0.5]).is_err());
        assert!(in_range(&[0.85, 52.83]).is_ok());
    }

    #[test]
    fn vertices_are_capped_per_ring_and_per_load() {
        let limits = PlaceLoadLimits {
            max_vertices: 10,
            max_ring_vertices: 6,
            time_limit: Duration::from_secs(1),
        };
        let square = ring(&[(0.1, 52.1), (0.2, 52.1), (0.2, 52.2), (0.1, 52.2), (0.1, 52.1)]);
        let mut budget = VertexBudget::new(limits);
        budget
            .check(&Geometry::Polygon(vec![square.clone()]), &problem)
            .expect("five vertices");
        let error = budget
            .check(
                &Geometry::MultiPolygon(vec![vec![square.clone()], vec![square]]),
                &problem,
            )
            .expect_err("fifteen in all");
        assert!(error.to_string().contains("geometry.coordinates[1][0]"), "{error}");
        let long = Geometry::Polygon(vec![ring(&[(0.1, 52.1); 7])]);
        assert!(VertexBudget::new(limits).check(&long, &problem).is_err());
    }
}
