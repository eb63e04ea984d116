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
        const EARTH_RADIUS_KM: f64 = 6371.0088;
        let (lat1, lat2) = (self.latitude.to_radians(), other.latitude.to_radians());
        let d_lat = lat2 - lat1;
        let d_lng = (other.longitude - self.longitude).to_radians();
        let a = (d_lat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (d_lng / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
    }

    pub fn to_geo(self) -> geo::Point<f64> {
        geo::Point::new(self.longitude, self.latitude)
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
}
