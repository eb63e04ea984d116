//! Points on the WGS84 ellipsoid, restricted to the United Kingdom.

use crate::error::ParseError;

/// The United Kingdom and its waters, generously: Scilly to Shetland, Northern Ireland to Kent.
const UK_LATITUDE: std::ops::RangeInclusive<f64> = 49.8..=60.95;
const UK_LONGITUDE: std::ops::RangeInclusive<f64> = -8.7..=1.8;

/// A latitude/longitude pair (degrees, WGS84) known to lie in the United Kingdom.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeoPoint {
    latitude: f64,
    longitude: f64,
}

/// Which coordinate was out of range, so the caller can name the argument at fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coordinate {
    Latitude,
    Longitude,
}

impl GeoPoint {
    pub fn new(latitude: f64, longitude: f64) -> Result<Self, (Coordinate, ParseError)> {
        if !latitude.is_finite() || !(-90.0..=90.0).contains(&latitude) {
            return Err((
                Coordinate::Latitude,
                ParseError::new("latitude must be between -90 and 90 degrees"),
            ));
        }
        if !longitude.is_finite() || !(-180.0..=180.0).contains(&longitude) {
            return Err((
                Coordinate::Longitude,
                ParseError::new("longitude must be between -180 and 180 degrees"),
            ));
        }
        if !UK_LATITUDE.contains(&latitude) {
            return Err((
                Coordinate::Latitude,
                ParseError::new("latitude is outside the United Kingdom (49.8 to 60.95)"),
            ));
        }
        if !UK_LONGITUDE.contains(&longitude) {
            return Err((
                Coordinate::Longitude,
                ParseError::new("longitude is outside the United Kingdom (-8.7 to 1.8)"),
            ));
        }
        Ok(GeoPoint { latitude, longitude })
    }

    pub fn latitude(&self) -> f64 {
        self.latitude
    }

    pub fn longitude(&self) -> f64 {
        self.longitude
    }

    /// Great-circle distance in kilometres (haversine on a sphere of the Earth's mean radius).
    pub fn distance_km(&self, other: &GeoPoint) -> f64 {
        self.distance_km_to(other.latitude, other.longitude)
    }

    /// [`GeoPoint::distance_km`] to any latitude and longitude (degrees), in the UK or not.
    pub fn distance_km_to(&self, latitude: f64, longitude: f64) -> f64 {
        const EARTH_RADIUS_KM: f64 = 6371.0088;
        let (lat1, lat2) = (self.latitude.to_radians(), latitude.to_radians());
        let d_lat = lat2 - lat1;
        let d_lng = (longitude - self.longitude).to_radians();
        let a = (d_lat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (d_lng / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
    }

    pub fn to_geo(self) -> geo::Point<f64> {
        geo::Point::new(self.longitude, self.latitude)
    }
}

/// Distances from one point on a flat map scaled at its latitude: five times cheaper than the
/// great-circle distance, and within 0.11% of it at 20 km and 1.6% at 300 km anywhere in the
/// UK. Good for
/// telling points clearly within or clearly beyond a distance; the few in between need
/// [`GeoPoint::distance_km`].
#[derive(Debug, Clone, Copy)]
pub struct LocalPlane {
    origin: GeoPoint,
    km_per_longitude_degree: f64,
}

/// Kilometres per degree of latitude on the sphere [`GeoPoint::distance_km`] uses.
const KM_PER_LATITUDE_DEGREE: f64 = 6371.0088 * std::f64::consts::PI / 180.0;

impl LocalPlane {
    pub fn new(origin: GeoPoint) -> LocalPlane {
        LocalPlane {
            origin,
            km_per_longitude_degree: KM_PER_LATITUDE_DEGREE * origin.latitude.to_radians().cos(),
        }
    }

    /// Squared approximate kilometres to a point given in degrees.
    fn approx_km_squared(&self, latitude: f64, longitude: f64) -> f64 {
        let north = (latitude - self.origin.latitude) * KM_PER_LATITUDE_DEGREE;
        let east = (longitude - self.origin.longitude) * self.km_per_longitude_degree;
        north * north + east * east
    }

    /// Approximate kilometres to `point`.
    pub fn approx_km(&self, point: &GeoPoint) -> f64 {
        self.approx_km_squared(point.latitude, point.longitude).sqrt()
    }

    /// Whether the point at `latitude`, `longitude` (degrees) is within `km` (at most 200) of
    /// the origin: `Some` when the flat map settles it, `None` when it is too close to call.
    ///
    /// Takes bare degrees and compares squares (no square root, no `hypot`): counting the
    /// matches within 20 km of central London calls this for every one of 100,000 venues.
    pub fn clearly_within(&self, latitude: f64, longitude: f64, km: f64) -> Option<bool> {
        let squared = self.approx_km_squared(latitude, longitude);
        // The map's error grows with distance (the scale of longitude drifts with latitude
        // away from the origin's): at most 1 part in 18,700 per km of distance (measured from
        // origins across the UK). The margin is nearly five times that.
        let margin = (0.001 + km / 4000.0).min(0.1);
        let (inner, outer) = (km * (1.0 - margin), km * (1.0 + margin) + 0.01);
        if squared <= inner * inner {
            Some(true)
        } else if squared > outer * outer {
            Some(false)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_norfolk_and_rejects_elsewhere() {
        assert!(GeoPoint::new(52.6309, 1.2974).is_ok());
        assert_eq!(GeoPoint::new(91.0, 0.0).map_err(|e| e.0), Err(Coordinate::Latitude));
        assert_eq!(GeoPoint::new(48.85, 2.35).map_err(|e| e.0), Err(Coordinate::Latitude));
        assert_eq!(GeoPoint::new(52.0, 5.0).map_err(|e| e.0), Err(Coordinate::Longitude));
        assert_eq!(GeoPoint::new(f64::NAN, 1.0).map_err(|e| e.0), Err(Coordinate::Latitude));
    }

    #[test]
    fn distance_norwich_to_kings_lynn_is_about_62_km() {
        let norwich = GeoPoint::new(52.6309, 1.2974).expect("valid");
        let kings_lynn = GeoPoint::new(52.7517, 0.4023).expect("valid");
        let km = norwich.distance_km(&kings_lynn);
        assert!((60.0..64.0).contains(&km), "{km}");
        assert!(norwich.distance_km(&norwich).abs() < 1e-9);
    }

    /// The flat map never settles a point on the wrong side of a distance, from origins across
    /// the UK (Scilly to Shetland) to points up to 400 km away, for distances up to 200 km,
    /// and most densely at the edge, where a margin too thin would show.
    #[test]
    fn the_local_plane_never_settles_wrongly() {
        let mut settled = 0;
        let mut checked = 0;
        // Whether the plane settles the point (asserting it settles it rightly).
        let check = |origin: GeoPoint, plane: &LocalPlane, bearing: f64, reach: f64, km: f64| -> Option<bool> {
            let lat = origin.latitude() + reach / KM_PER_LATITUDE_DEGREE * bearing.cos();
            let lng = origin.longitude() + reach / plane.km_per_longitude_degree * bearing.sin();
            let point = GeoPoint::new(lat, lng).ok()?;
            let exact = origin.distance_km(&point);
            let within = plane.clearly_within(point.latitude(), point.longitude(), km);
            if let Some(within) = within {
                assert_eq!(within, exact <= km, "{origin:?} to {point:?}: {exact} km against {km}");
            }
            Some(within.is_some())
        };
        for origin_step in 0..24 {
            let origin = GeoPoint::new(
                49.9 + 0.46 * f64::from(origin_step),
                -8.0 + 0.4 * f64::from(origin_step),
            )
            .expect("in the UK");
            let plane = LocalPlane::new(origin);
            for step in 0..4_000u32 {
                let bearing = f64::from(step) * 0.618_034 * std::f64::consts::TAU;
                let reach = 400.0 * (f64::from(step % 97) / 96.0).powi(2);
                for km in [0.25, 1.0, 2.0, 5.0, 7.3, 20.0, 33.0, 60.0, 130.0, 200.0] {
                    if let Some(was_settled) = check(origin, &plane, bearing, reach, km) {
                        checked += 1;
                        settled += usize::from(was_settled);
                    }
                }
            }
            // Straddling each distance, north-south (where the map is exact) to east-west.
            for step in 0..48u32 {
                let bearing = f64::from(step) * std::f64::consts::TAU / 48.0;
                for km in [1.0, 5.0, 20.0, 60.0, 200.0] {
                    for hundredth_percent in -600..=600 {
                        check(
                            origin,
                            &plane,
                            bearing,
                            km * (1.0 + f64::from(hundredth_percent) / 10_000.0),
                            km,
                        );
                    }
                }
            }
        }
        // Most points are settled on the flat map.
        assert!(settled * 10 > checked * 9, "{settled} of {checked}");
    }
}
