//! Listings: organisations, services, locations, schedules and funds.
//!
//! Field names follow Open Referral UK 3.0 (HSDS 3.0) where it has them; funds follow
//! 360Giving's vocabulary (`beneficiaryLocation` GSS codes, amounts) since HSDS has no fund object.

use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::{NeedCode, PlaceCode};
use crate::error::ParseError;

/// How long a listing may go without a person confirming it before it counts as stale.
pub const STALE_AFTER_MONTHS: u32 = 12;

/// Whether a listing last confirmed at `last_reviewed_at` is stale at `now`. A listing never
/// reviewed is stale.
pub fn is_stale(last_reviewed_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    let Some(reviewed) = last_reviewed_at else { return true };
    match now.checked_sub_months(Months::new(STALE_AFTER_MONTHS)) {
        Some(cutoff) => reviewed < cutoff,
        None => false,
    }
}

/// Declares a closed vocabulary stored as snake_case text.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(raw: &str) -> Result<Self, ParseError> {
                let wanted = raw.trim().to_lowercase().replace([' ', '-'], "_");
                Self::ALL
                    .iter()
                    .copied()
                    .find(|value| value.as_str().replace(' ', "_") == wanted)
                    .ok_or_else(|| ParseError::new(format!("unknown {} {raw:?}", stringify!($name))))
            }
        }
    };
}

vocabulary!(
    /// HSDS service status.
    ServiceStatus { Active => "active", Inactive => "inactive", Defunct => "defunct", TemporarilyClosed => "temporarily closed" }
);

vocabulary!(
    /// How a service is delivered.
    DeliveryMode { InPerson => "in_person", Phone => "phone", Online => "online" }
);

vocabulary!(
    /// Accessibility features of a venue (or of a class held there).
    AccessibilityFeature {
        StepFree => "step_free",
        HearingLoop => "hearing_loop",
        AccessibleToilet => "accessible_toilet",
        Parking => "parking",
        SeatedOptions => "seated_options",
        LargePrint => "large_print",
        WheelchairAccessible => "wheelchair_accessible",
    }
);

vocabulary!(
    /// Who may apply to a fund.
    ApplicantType { Individual => "individual", Group => "group" }
);

vocabulary!(
    /// iCal recurrence frequency of a schedule.
    Frequency { Weekly => "weekly", Monthly => "monthly" }
);

vocabulary!(
    /// Where a listing is in moderation: only published listings are public.
    Publication { Published => "published", PendingReview => "pending_review", Rejected => "rejected" }
);

/// A listing's moderation and archive state (organisations, services and funds).
#[derive(Debug, Clone, PartialEq)]
pub struct ListingState {
    pub publication: Publication,
    /// Why a moderator rejected it, for the editor to read.
    pub rejection_reason: Option<String>,
    /// Archived listings are hidden, never deleted; restoring clears this.
    pub archived_at: Option<DateTime<Utc>>,
}

impl Default for ListingState {
    fn default() -> Self {
        ListingState {
            publication: Publication::Published,
            rejection_reason: None,
            archived_at: None,
        }
    }
}

impl ListingState {
    /// Published and not archived: what anonymous readers, search and signposting see.
    pub fn is_public(&self) -> bool {
        self.publication == Publication::Published && self.archived_at.is_none()
    }
}

/// An identifier of an organisation in an external register (HSDS `organization_identifier`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationIdentifier {
    /// Register prefix from org-id.guide, e.g. `GB-CHC` (charity) or `GB-COH` (company).
    pub identifier_scheme: String,
    pub identifier: String,
}

/// A VCFSE group, charity, council team or provider.
#[derive(Debug, Clone, PartialEq)]
pub struct Organization {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub url: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub identifiers: Vec<OrganizationIdentifier>,
    pub is_example: bool,
    pub attribution: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_reviewed_at: Option<DateTime<Utc>>,
    pub version: i64,
    pub state: ListingState,
    /// Trusted organisations' new listings publish without moderation.
    pub trusted: bool,
    /// The organisation's own postcode (for spotting duplicates).
    pub postcode: Option<String>,
}

/// A cost of taking part (HSDS `cost_option`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostOption {
    pub option: String,
    pub amount: Option<f64>,
    pub currency: String,
    pub amount_description: Option<String>,
}

/// A named contact for a service (HSDS `contact`, with its phone folded in).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub name: Option<String>,
    pub title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// An OpenActive activity a service offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityRef {
    pub id: String,
    pub pref_label: String,
}

/// What people take part in or receive.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub name: String,
    pub description: String,
    pub url: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub status: ServiceStatus,
    pub minimum_age: Option<i64>,
    pub maximum_age: Option<i64>,
    pub eligibility_description: Option<String>,
    pub delivery_modes: Vec<DeliveryMode>,
    /// Whether taking part is free: `Some(true)` free, `Some(false)` it costs something (see
    /// `cost_options`), `None` the organisation has not said (never shown as free).
    pub free: Option<bool>,
    pub cost_options: Vec<CostOption>,
    pub languages: Vec<String>,
    pub contacts: Vec<Contact>,
    pub how_to_join: Option<String>,
    pub needs: Vec<NeedCode>,
    pub activity_concepts: Vec<ActivityRef>,
    pub is_example: bool,
    pub attribution: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_reviewed_at: Option<DateTime<Utc>>,
    pub version: i64,
    pub state: ListingState,
}

/// An area a service serves without needing a venue nearby (HSDS `service_area`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceArea {
    pub place_code: PlaceCode,
    pub description: Option<String>,
}

/// A venue (HSDS `location` with its `address` and `accessibility` folded in).
#[derive(Debug, Clone, PartialEq)]
pub struct Location {
    pub id: Uuid,
    pub name: String,
    pub address_1: Option<String>,
    pub city: Option<String>,
    pub postcode: Option<String>,
    pub latitude: f64,
    pub longitude: f64,
    pub accessibility: Vec<AccessibilityFeature>,
    pub is_example: bool,
    /// The organisation that added the venue and may change it (none: moderators only).
    pub organization_id: Option<Uuid>,
    pub archived_at: Option<DateTime<Utc>>,
    pub version: i64,
}

/// The places a location falls in, worked out once when it is stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocationPlaces {
    pub county_code: Option<PlaceCode>,
    pub district_code: Option<PlaceCode>,
    pub ward_code: Option<PlaceCode>,
    pub msoa_code: Option<PlaceCode>,
    pub lsoa_code: Option<PlaceCode>,
}

/// When a service runs (HSDS `schedule`, iCal-like), optionally at one of its locations.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub id: Uuid,
    pub service_id: Uuid,
    pub location_id: Option<Uuid>,
    pub freq: Frequency,
    pub interval: i64,
    /// iCal BYDAY, e.g. `TU`, `MO,TH` or `1TU` (first Tuesday, with MONTHLY).
    pub byday: String,
    /// Local (Europe/London) time, `HH:MM`.
    pub opens_at: String,
    pub closes_at: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub description: Option<String>,
    /// Dates it does not run (holiday closures, one-off cancellations), ascending and unique;
    /// next sessions, signposting and the feeds skip them. ORUK `valid_from`/`valid_to` bound
    /// the schedule; these are OpenActive's `exceptDate`.
    pub exceptions: Vec<ScheduleException>,
    pub archived_at: Option<DateTime<Utc>>,
    pub version: i64,
}

/// A date a schedule does not run, with why (`"Christmas closure"`), when the organisation says.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ScheduleException {
    /// The local (Europe/London) date with no session.
    pub date: NaiveDate,
    /// Why there is no session, in words, for residents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A grant or fund that residents or groups can apply to.
#[derive(Debug, Clone, PartialEq)]
pub struct Fund {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub funder_organization_id: Option<Uuid>,
    pub funder_name: String,
    pub applicant_type: ApplicantType,
    pub needs: Vec<NeedCode>,
    pub minimum_amount: Option<f64>,
    pub maximum_amount: Option<f64>,
    pub currency: String,
    pub minimum_age: Option<i64>,
    pub maximum_age: Option<i64>,
    pub eligibility_description: Option<String>,
    /// GSS codes of the places whose residents or groups may apply (360Giving `beneficiaryLocation`).
    pub beneficiary_locations: Vec<PlaceCode>,
    pub opens_on: Option<NaiveDate>,
    pub closes_on: Option<NaiveDate>,
    pub how_to_apply: Option<String>,
    pub url: Option<String>,
    pub is_example: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_reviewed_at: Option<DateTime<Utc>>,
    pub version: i64,
    pub state: ListingState,
}

impl Fund {
    /// Open for applications on `today` (both ends inclusive; a missing end is open-ended).
    pub fn is_open_on(&self, today: NaiveDate) -> bool {
        self.opens_on.is_none_or(|opens| opens <= today) && self.closes_on.is_none_or(|closes| today <= closes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn stale_after_twelve_months() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).single().expect("valid");
        let recent = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single();
        let old = Utc.with_ymd_and_hms(2025, 11, 1, 0, 0, 0).single();
        assert!(!is_stale(recent, now));
        assert!(is_stale(old, now));
        assert!(is_stale(None, now));
    }

    #[test]
    fn vocabularies_parse_loosely() {
        assert_eq!(DeliveryMode::parse("in person"), Ok(DeliveryMode::InPerson));
        assert_eq!(
            ServiceStatus::parse("temporarily closed"),
            Ok(ServiceStatus::TemporarilyClosed)
        );
        assert_eq!(
            AccessibilityFeature::parse("step-free"),
            Ok(AccessibilityFeature::StepFree)
        );
        assert!(Frequency::parse("yearly").is_err());
    }
}
