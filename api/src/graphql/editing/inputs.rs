//! The input objects of the listing mutations, and how each becomes the engine's input
//! (sanitised and validated there).

use super::*;

/// An identifier of an organisation in an external register.
#[derive(InputObject)]
pub struct OrganizationIdentifierInput {
    /// Register prefix from org-id.guide: `GB-CHC` (charity), `GB-SC` (Scottish charity), `GB-NIC`
    /// (Northern Ireland charity) or `GB-COH` (Companies House).
    pub identifier_scheme: String,
    /// The number within that register.
    pub identifier: String,
}

/// An organisation's details. On update, only the fields given change; an empty string clears
/// an optional field.
#[derive(InputObject, Default)]
pub struct OrganizationInput {
    /// Public name (required when creating), up to 200 characters.
    pub name: Option<String>,
    /// What the organisation does (required when creating), plain text up to 5,000 characters.
    pub description: Option<String>,
    /// Website (http or https).
    pub url: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// UK telephone number.
    pub phone: Option<String>,
    /// The organisation's own postcode.
    pub postcode: Option<String>,
    /// Charity and company numbers (replace the stored list).
    pub organization_identifiers: Option<Vec<OrganizationIdentifierInput>>,
}

impl From<OrganizationInput> for engine::OrganizationInput {
    fn from(input: OrganizationInput) -> Self {
        engine::OrganizationInput {
            name: input.name,
            description: input.description,
            url: input.url,
            email: input.email,
            phone: input.phone,
            postcode: input.postcode,
            identifiers: input
                .organization_identifiers
                .map(|list| list.into_iter().map(|i| (i.identifier_scheme, i.identifier)).collect()),
        }
    }
}

/// A cost of taking part.
#[derive(InputObject)]
pub struct CostOptionInput {
    /// What the cost is for, e.g. `Per session`.
    pub option: String,
    /// The amount, if fixed.
    pub amount: Option<f64>,
    /// ISO 4217 currency code (default GBP).
    #[graphql(default_with = "\"GBP\".to_string()")]
    pub currency: String,
    /// The cost in words.
    pub amount_description: Option<String>,
}

/// Someone to contact about a service.
#[derive(InputObject)]
pub struct ContactInput {
    /// The person's name.
    pub name: Option<String>,
    /// Their role.
    pub title: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// UK telephone number.
    pub phone: Option<String>,
}

/// An area a service serves without a venue nearby.
#[derive(InputObject)]
pub struct ServiceAreaInput {
    /// GSS code of the place (e.g. a district, `E07000145`).
    pub place_code: String,
    /// The area in words, e.g. `All of Breckland by phone`.
    pub description: Option<String>,
}

/// A service's details. On update, only the fields given change; an empty string clears an
/// optional text field and `null` clears an age.
#[derive(InputObject, Default)]
pub struct ServiceInput {
    /// Public name (required when creating).
    pub name: Option<String>,
    /// What happens, who it is for and what to expect (required when creating).
    pub description: Option<String>,
    /// Web page (http or https).
    pub url: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// UK telephone number.
    pub phone: Option<String>,
    /// Whether it is running (default ACTIVE).
    pub status: Option<ServiceStatus>,
    /// Youngest age eligible, in years.
    pub minimum_age: MaybeUndefined<i32>,
    /// Oldest age eligible, in years.
    pub maximum_age: MaybeUndefined<i32>,
    /// Who can take part, in words.
    pub eligibility_description: Option<String>,
    /// How the service reaches people (default IN_PERSON).
    pub delivery_modes: Option<Vec<DeliveryMode>>,
    /// Free to take part: `true` free, `false` it costs something (say what in `costOptions`).
    /// Left out when creating, the cost is unknown (never shown as free); `null` on update makes
    /// it unknown again.
    pub free: MaybeUndefined<bool>,
    /// Costs of taking part (replace the stored list).
    pub cost_options: Option<Vec<CostOptionInput>>,
    /// Languages it is offered in: ISO 639 codes or BCP 47 tags (`en`, `pl`, `en-GB`, `bfi`),
    /// or English names (`Polish`), which are stored as their codes; anything else is refused.
    pub languages: Option<Vec<String>>,
    /// People to contact (replace the stored list).
    pub contacts: Option<Vec<ContactInput>>,
    /// How to join or be referred.
    pub how_to_join: Option<String>,
    /// Need codes (see `needs`), the main one first; required when creating.
    pub needs: Option<Vec<String>>,
    /// Venues it takes place at (ids from `createLocation` or existing venues).
    pub location_ids: Option<Vec<ID>>,
    /// Areas served without a venue nearby.
    pub service_areas: Option<Vec<ServiceAreaInput>>,
}

fn maybe<T, U>(value: MaybeUndefined<T>, convert: impl Fn(T) -> U) -> Option<Option<U>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(value) => Some(Some(convert(value))),
    }
}

fn ids(field: &str, ids: Option<Vec<ID>>) -> Result<Option<Vec<Uuid>>> {
    ids.map(|ids| ids.iter().map(|id| args::uuid(field, id)).collect())
        .transpose()
}

impl ServiceInput {
    pub(super) fn into_engine(self) -> Result<engine::ServiceInput> {
        Ok(engine::ServiceInput {
            location_ids: ids("input.locationIds", self.location_ids)?,
            name: self.name,
            description: self.description,
            url: self.url,
            email: self.email,
            phone: self.phone,
            status: self.status.map(Into::into),
            minimum_age: maybe(self.minimum_age, i64::from),
            maximum_age: maybe(self.maximum_age, i64::from),
            eligibility_description: self.eligibility_description,
            delivery_modes: self
                .delivery_modes
                .map(|modes| modes.into_iter().map(Into::into).collect()),
            free: maybe(self.free, |free| free),
            cost_options: self.cost_options.map(|costs| {
                costs
                    .into_iter()
                    .map(|c| domain::CostOption {
                        option: c.option,
                        amount: c.amount,
                        currency: c.currency,
                        amount_description: c.amount_description,
                    })
                    .collect()
            }),
            languages: self.languages,
            contacts: self.contacts.map(|contacts| {
                contacts
                    .into_iter()
                    .map(|c| domain::Contact {
                        name: c.name,
                        title: c.title,
                        email: c.email,
                        phone: c.phone,
                    })
                    .collect()
            }),
            how_to_join: self.how_to_join,
            needs: self.needs,
            service_areas: self
                .service_areas
                .map(|areas| areas.into_iter().map(|a| (a.place_code, a.description)).collect()),
        })
    }
}

/// A venue's details. Give a postcode and the venue is placed at its centre, or give latitude
/// and longitude. On update, only the fields given change.
#[derive(InputObject, Default)]
pub struct LocationInput {
    /// Name of the venue (required when creating), e.g. `St Mary's church hall`.
    pub name: Option<String>,
    /// First line of the address.
    #[graphql(name = "address1")]
    pub address_1: Option<String>,
    /// Town or city.
    pub city: Option<String>,
    /// Postcode; used to place the venue when no coordinates are given.
    pub postcode: Option<String>,
    /// Latitude (WGS84), with longitude.
    pub latitude: Option<f64>,
    /// Longitude (WGS84), with latitude.
    pub longitude: Option<f64>,
    /// Accessibility features (replace the stored list).
    pub accessibility: Option<Vec<AccessibilityFeature>>,
}

impl From<LocationInput> for engine::LocationInput {
    fn from(input: LocationInput) -> Self {
        engine::LocationInput {
            name: input.name,
            address_1: input.address_1,
            city: input.city,
            postcode: input.postcode,
            latitude: input.latitude,
            longitude: input.longitude,
            accessibility: input
                .accessibility
                .map(|features| features.into_iter().map(Into::into).collect()),
        }
    }
}

/// When a service runs (iCal-like, Europe/London times). On update, only the fields given change.
#[derive(InputObject, Default)]
pub struct ScheduleInput {
    /// The venue (one of the service's) this schedule is for; null for none.
    pub location_id: MaybeUndefined<ID>,
    /// How often it repeats (default WEEKLY).
    pub freq: Option<super::super::listings::Frequency>,
    /// Every this many weeks or months, 1 to 52 (default 1).
    pub interval: Option<i32>,
    /// iCal BYDAY: `TU`, `MO,TH`, or with MONTHLY `1TU` (required when creating).
    pub byday: Option<String>,
    /// Start time `HH:MM` (required when creating).
    pub opens_at: Option<String>,
    /// End time `HH:MM`, after the start (required when creating).
    pub closes_at: Option<String>,
    /// First date it applies.
    pub valid_from: MaybeUndefined<NaiveDate>,
    /// Last date it applies.
    pub valid_to: MaybeUndefined<NaiveDate>,
    /// The schedule in words.
    pub description: Option<String>,
    /// Replaces every exception date (holiday closures, one-off cancellations) with this list;
    /// `[]` clears them. Each date 2000 to 2100 and given once; at most 366.
    pub exceptions: Option<Vec<ScheduleExceptionInput>>,
    /// Exception dates to add to the schedule's (after `exceptions`, if both are given); a date
    /// it already has takes the new reason.
    pub add_exceptions: Option<Vec<ScheduleExceptionInput>>,
    /// Exception dates to remove (last); dates it does not have are ignored.
    pub remove_exceptions: Option<Vec<NaiveDate>>,
}

/// A date a schedule does not run: a holiday closure or a one-off cancellation. Next sessions,
/// signposting and the OpenActive feeds skip it; search's weekday filters still match the class
/// on its other dates.
#[derive(InputObject)]
pub struct ScheduleExceptionInput {
    /// The local (Europe/London) date with no session, `YYYY-MM-DD`.
    pub date: NaiveDate,
    /// Why, in words for residents (e.g. `Christmas closure`); plain text, up to 500 characters.
    pub reason: Option<String>,
}

impl From<ScheduleExceptionInput> for engine::ScheduleExceptionInput {
    fn from(input: ScheduleExceptionInput) -> Self {
        engine::ScheduleExceptionInput {
            date: input.date,
            reason: input.reason,
        }
    }
}

impl ScheduleInput {
    pub(super) fn into_engine(self) -> Result<engine::ScheduleInput> {
        let location_id = match self.location_id {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(id) => Some(Some(args::uuid("input.locationId", &id)?)),
        };
        Ok(engine::ScheduleInput {
            location_id,
            freq: self.freq.map(Into::into),
            interval: self.interval.map(i64::from),
            byday: self.byday,
            opens_at: self.opens_at,
            closes_at: self.closes_at,
            valid_from: maybe(self.valid_from, |date| date),
            valid_to: maybe(self.valid_to, |date| date),
            description: self.description,
            exceptions: engine::ExceptionsInput {
                replace: self.exceptions.map(|list| list.into_iter().map(Into::into).collect()),
                add: self
                    .add_exceptions
                    .map(|list| list.into_iter().map(Into::into).collect()),
                remove: self.remove_exceptions,
            },
        })
    }
}

/// A fund's details. On update, only the fields given change; `null` clears a number or date.
#[derive(InputObject, Default)]
pub struct FundInput {
    /// Public name (required when creating).
    pub name: Option<String>,
    /// What the fund pays for (required when creating).
    pub description: Option<String>,
    /// Who funds it (default: the funder organisation's name).
    pub funder_name: Option<String>,
    /// Who may apply (default INDIVIDUAL).
    pub applicant_type: Option<ApplicantType>,
    /// Need codes it helps with (required when creating).
    pub needs: Option<Vec<String>>,
    /// Smallest award.
    pub minimum_amount: MaybeUndefined<f64>,
    /// Largest award.
    pub maximum_amount: MaybeUndefined<f64>,
    /// ISO 4217 currency code (default GBP).
    pub currency: Option<String>,
    /// Youngest applicant age.
    pub minimum_age: MaybeUndefined<i32>,
    /// Oldest applicant age.
    pub maximum_age: MaybeUndefined<i32>,
    /// Who is eligible, in words.
    pub eligibility_description: Option<String>,
    /// GSS codes of the places whose residents or groups may apply.
    pub beneficiary_locations: Option<Vec<String>>,
    /// First day applications are accepted.
    pub opens_on: MaybeUndefined<NaiveDate>,
    /// Last day applications are accepted.
    pub closes_on: MaybeUndefined<NaiveDate>,
    /// How to apply.
    pub how_to_apply: Option<String>,
    /// Web page with details (http or https).
    pub url: Option<String>,
}

impl From<FundInput> for engine::FundInput {
    fn from(input: FundInput) -> Self {
        engine::FundInput {
            name: input.name,
            description: input.description,
            funder_name: input.funder_name,
            applicant_type: input.applicant_type.map(Into::into),
            needs: input.needs,
            minimum_amount: maybe(input.minimum_amount, |amount| amount),
            maximum_amount: maybe(input.maximum_amount, |amount| amount),
            currency: input.currency,
            minimum_age: maybe(input.minimum_age, i64::from),
            maximum_age: maybe(input.maximum_age, i64::from),
            eligibility_description: input.eligibility_description,
            beneficiary_locations: input.beneficiary_locations,
            opens_on: maybe(input.opens_on, |date| date),
            closes_on: maybe(input.closes_on, |date| date),
            how_to_apply: input.how_to_apply,
            url: input.url,
        }
    }
}
