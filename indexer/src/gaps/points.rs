//! Population-weighted LSOA points: where the people of an LSOA are taken to live.
//!
//! The point is the mean of the LSOA's postcode points (Code-Point Open), a proxy for the ONS
//! population-weighted centroid: postcodes hold roughly equal numbers of addresses, so their mean
//! leans towards where people live rather than the middle of the fields. It is not always inside
//! the LSOA's own polygon (in 34 of Norfolk's 552 LSOAs it is not, for crescent-shaped or
//! two-village LSOAs), which is fine for measuring distances. An LSOA without postcodes (for
//! example one added by a boundary load) falls back to an interior point of its polygon.

use std::collections::HashMap;

use geo::InteriorPoint;

use crate::domain::{GeoPoint, PlaceCode, PlaceLevel};
use crate::error::Result;
use crate::places::PlaceIndex;
use crate::store::Store;

/// Where an LSOA's point comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointSource {
    /// The mean of this many postcode points.
    PostcodeMean { postcodes: i64 },
    /// No postcodes: a point inside the polygon.
    InteriorPoint,
}

impl PointSource {
    pub fn as_str(self) -> &'static str {
        match self {
            PointSource::PostcodeMean { .. } => "postcode_mean",
            PointSource::InteriorPoint => "interior_point",
        }
    }
}

/// The point of every LSOA of a [`PlaceIndex`].
#[derive(Debug, Default)]
pub struct PopulationPoints {
    by_code: HashMap<PlaceCode, (GeoPoint, PointSource)>,
}

impl PopulationPoints {
    /// Points for the LSOAs of `places`, from the store's postcodes.
    pub async fn load(store: &Store, places: &PlaceIndex) -> Result<PopulationPoints> {
        let means = store.lsoa_postcode_means().await?;
        Ok(PopulationPoints::from_means(means, places))
    }

    pub fn from_means(means: Vec<(PlaceCode, f64, f64, i64)>, places: &PlaceIndex) -> PopulationPoints {
        let mut means: HashMap<PlaceCode, (f64, f64, i64)> = means
            .into_iter()
            .map(|(code, lat, lng, count)| (code, (lat, lng, count)))
            .collect();
        let mut by_code = HashMap::new();
        for lsoa in places.list(Some(PlaceLevel::Lsoa), None) {
            let from_postcodes = means.remove(&lsoa.code).and_then(|(lat, lng, postcodes)| {
                let point = GeoPoint::new(lat, lng).ok()?;
                Some((point, PointSource::PostcodeMean { postcodes }))
            });
            let point = from_postcodes.or_else(|| {
                let inside = places.boundary(&lsoa.code)?.interior_point()?;
                let point = GeoPoint::new(inside.y(), inside.x()).ok()?;
                Some((point, PointSource::InteriorPoint))
            });
            if let Some(point) = point {
                by_code.insert(lsoa.code.clone(), point);
            }
        }
        PopulationPoints { by_code }
    }

    pub fn get(&self, code: &PlaceCode) -> Option<(GeoPoint, PointSource)> {
        self.by_code.get(code).copied()
    }

    pub fn len(&self) -> usize {
        self.by_code.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_code.is_empty()
    }
}
