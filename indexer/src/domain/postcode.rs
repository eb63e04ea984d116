//! UK postcodes.

use serde::Serialize;

use crate::domain::PlaceCode;
use crate::error::ParseError;

/// A syntactically valid UK postcode in its normalised form: upper case, one space before the
/// three-character inward code (`"NR2 4AB"`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Postcode(String);

impl Postcode {
    /// Accepts any case and spacing (`"nr24ab"`, `" NR2  4AB "`); rejects anything that is not
    /// shaped like a UK postcode (outward code of 2-4 characters, inward code digit-letter-letter).
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let compact: String = raw
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_uppercase();
        if !(5..=7).contains(&compact.len()) || !compact.is_ascii() {
            return Err(ParseError::new(format!("{raw:?} is not a UK postcode")));
        }
        let (outward, inward) = compact.split_at(compact.len() - 3);
        if !is_outward_code(outward) || !is_inward_code(inward) {
            return Err(ParseError::new(format!("{raw:?} is not a UK postcode")));
        }
        Ok(Postcode(format!("{outward} {inward}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Postcode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Area letters (1-2), district digit, then an optional digit or letter: `N1`, `NR2`, `NR19`, `EC1A`.
fn is_outward_code(outward: &str) -> bool {
    let bytes = outward.as_bytes();
    let letters = bytes.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    if !(1..=2).contains(&letters) || bytes.len() <= letters {
        return false;
    }
    let rest = &bytes[letters..];
    rest[0].is_ascii_digit() && rest.len() <= 2 && rest.iter().all(|b| b.is_ascii_alphanumeric())
}

fn is_inward_code(inward: &str) -> bool {
    let bytes = inward.as_bytes();
    bytes.len() == 3 && bytes[0].is_ascii_digit() && bytes[1..].iter().all(|b| b.is_ascii_alphabetic())
}

/// A postcode known to the directory, with its point and the places it falls in.
#[derive(Debug, Clone, PartialEq)]
pub struct PostcodeRecord {
    pub postcode: Postcode,
    pub latitude: f64,
    pub longitude: f64,
    pub district_code: PlaceCode,
    pub ward_code: PlaceCode,
    pub lsoa_code: PlaceCode,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_and_spacing() {
        for raw in ["nr2 4ab", "NR24AB", "  nr2   4Ab ", "Nr2 4aB"] {
            assert_eq!(Postcode::parse(raw).map(|p| p.0), Ok("NR2 4AB".to_string()), "{raw}");
        }
        assert_eq!(Postcode::parse("nr194ds").map(|p| p.0), Ok("NR19 4DS".to_string()));
        assert_eq!(Postcode::parse("ec1a1bb").map(|p| p.0), Ok("EC1A 1BB".to_string()));
        assert_eq!(Postcode::parse("n11aa").map(|p| p.0), Ok("N1 1AA".to_string()));
    }

    #[test]
    fn rejects_what_is_not_a_postcode() {
        for raw in [
            "",
            "NR2",
            "hello world",
            "12345",
            "NR2 4A1",
            "NRR2 4AB",
            "NR2 44B",
            "ÑR2 4AB",
            "NR123 4AB",
        ] {
            assert!(Postcode::parse(raw).is_err(), "{raw:?} should be rejected");
        }
    }
}
