//! Places: ONS statistical and administrative areas identified by GSS codes.

use serde::{Deserialize, Serialize};

use crate::error::ParseError;

/// A GSS code such as `E07000143` (Breckland): one letter and eight digits. An operator's
/// custom Place (a named group of wards or LSOAs) has a code of the same shape with the letter
/// `P` ([`CUSTOM_PLACE_PREFIX`]), which GSS never issues, so it cannot clash with an ONS code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PlaceCode(String);

impl PlaceCode {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let code = raw.trim().to_uppercase();
        let bytes = code.as_bytes();
        let well_formed = bytes.len() == 9
            && matches!(bytes[0], b'E' | b'W' | b'S' | b'N' | b'K' | b'P')
            && bytes[1..].iter().all(u8::is_ascii_digit);
        if !well_formed {
            return Err(ParseError::new(format!("{raw:?} is not a GSS code (e.g. E07000143)")));
        }
        Ok(PlaceCode(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PlaceCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The letter that starts a custom Place's code (`P00000001`).
pub const CUSTOM_PLACE_PREFIX: char = 'P';

/// The kinds of place the directory knows, from largest to smallest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum PlaceLevel {
    County,
    District,
    /// An operator's named group of wards or LSOAs (code `P...`), e.g. a Local Area Partnership.
    Custom,
    Ward,
    Msoa,
    Lsoa,
}

impl PlaceLevel {
    pub const ALL: [PlaceLevel; 6] = [
        PlaceLevel::County,
        PlaceLevel::District,
        PlaceLevel::Custom,
        PlaceLevel::Ward,
        PlaceLevel::Msoa,
        PlaceLevel::Lsoa,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PlaceLevel::County => "county",
            PlaceLevel::District => "district",
            PlaceLevel::Custom => "custom",
            PlaceLevel::Ward => "ward",
            PlaceLevel::Msoa => "msoa",
            PlaceLevel::Lsoa => "lsoa",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        PlaceLevel::ALL
            .into_iter()
            .find(|level| level.as_str() == raw)
            .ok_or_else(|| ParseError::new(format!("unknown place level {raw:?}")))
    }

    /// The level a GSS code's entity prefix denotes (E10 county, E06-E09 district, E05 ward,
    /// E02 MSOA, E01 LSOA; `P` a custom Place).
    pub fn of_code(code: &PlaceCode) -> Option<PlaceLevel> {
        if code.as_str().starts_with(CUSTOM_PLACE_PREFIX) {
            return Some(PlaceLevel::Custom);
        }
        match &code.as_str()[1..3] {
            "10" => Some(PlaceLevel::County),
            "06" | "07" | "08" | "09" => Some(PlaceLevel::District),
            "05" => Some(PlaceLevel::Ward),
            "02" => Some(PlaceLevel::Msoa),
            "01" => Some(PlaceLevel::Lsoa),
            _ => None,
        }
    }
}

/// Census 2021 usual residents in the six published age bands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Population {
    pub age_0_15: i64,
    pub age_16_24: i64,
    pub age_25_34: i64,
    pub age_35_49: i64,
    pub age_50_64: i64,
    pub age_65_plus: i64,
}

impl Population {
    pub fn total(&self) -> i64 {
        self.age_0_15 + self.age_16_24 + self.age_25_34 + self.age_35_49 + self.age_50_64 + self.age_65_plus
    }

    pub fn age_50_plus(&self) -> i64 {
        self.age_50_64 + self.age_65_plus
    }
}

impl std::ops::AddAssign for Population {
    fn add_assign(&mut self, other: Population) {
        self.age_0_15 += other.age_0_15;
        self.age_16_24 += other.age_16_24;
        self.age_25_34 += other.age_25_34;
        self.age_35_49 += other.age_35_49;
        self.age_50_64 += other.age_50_64;
        self.age_65_plus += other.age_65_plus;
    }
}

/// A place without its boundary (boundaries live in [`crate::places::PlaceIndex`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub code: PlaceCode,
    pub name: String,
    pub level: PlaceLevel,
    pub parent_code: Option<PlaceCode>,
    /// Census 2021 population; `None` where the place does not nest LSOAs (wards).
    pub population: Option<Population>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_gss_codes_and_their_level() {
        let breckland = PlaceCode::parse(" e07000143 ").expect("valid");
        assert_eq!(breckland.as_str(), "E07000143");
        assert_eq!(PlaceLevel::of_code(&breckland), Some(PlaceLevel::District));
        for bad in ["", "E0700014", "E070001433", "X07000143", "E07O00143"] {
            assert!(PlaceCode::parse(bad).is_err(), "{bad}");
        }
    }
}
