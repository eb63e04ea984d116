//! The documents of the Open Referral UK 3.0 API, as serde types named and shaped as the UK
//! profile's compiled schemas have them. Optional fields without a value are skipped (the
//! schemas never allow `null`); arrays are always present in full documents.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// `GET /`: which standard this API speaks and where its definition is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiInfo {
    pub version: String,
    pub profile: String,
    pub openapi_url: String,
}

/// A page of a list (`Page` in the ORUK OpenAPI).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Paged<T> {
    pub total_items: usize,
    pub total_pages: usize,
    pub page_number: usize,
    pub size: usize,
    pub first_page: bool,
    pub last_page: bool,
    pub empty: bool,
    pub contents: Vec<T>,
}

impl<T> Paged<T> {
    /// The envelope of page `page_number` (1-based) of `total_items`, `per_page` a page.
    pub fn new(contents: Vec<T>, total_items: usize, page_number: usize, per_page: usize) -> Paged<T> {
        let total_pages = total_items.div_ceil(per_page.max(1));
        Paged {
            total_items,
            total_pages,
            page_number,
            size: contents.len(),
            first_page: page_number == 1,
            last_page: page_number >= total_pages,
            empty: total_items == 0,
            contents,
        }
    }
}

/// A service's one-to-one fields (`compiled/service_list.json` without `organization`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceFields {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `active`, `inactive`, `defunct` or `temporarily closed`.
    pub status: String,
    /// "Free" for services known to be free; other costs are in `cost_options`; absent when
    /// the cost is not known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fees: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_age: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_age: Option<i64>,
    /// The day a person last confirmed the listing (`YYYY-MM-DD`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assured_date: Option<String>,
    /// When the listing last changed (RFC 3339, UTC).
    pub last_modified: String,
}

/// A service in a list (`compiled/service_list.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceSummary {
    #[serde(flatten)]
    pub fields: ServiceFields,
    pub organization: OrganizationSummary,
}

/// A fully nested service (`compiled/service.json`): `GET /services/{id}`, one line of the
/// export, the change-sync feed's `data`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Service {
    #[serde(flatten)]
    pub fields: ServiceFields,
    pub organization: Organization,
    pub service_at_locations: Vec<ServiceAtLocation>,
    pub schedules: Vec<Schedule>,
    pub service_areas: Vec<ServiceArea>,
    pub languages: Vec<Language>,
    /// Absent when the organisation has not said what taking part costs (neither free nor any
    /// cost given): an empty list would read as "no costs".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_options: Option<Vec<CostOption>>,
    pub contacts: Vec<Contact>,
    /// HSDS 3.0 `phone` (not in the UK profile's compiled service; allowed beside it).
    pub phones: Vec<Phone>,
    pub attributes: Vec<Attribute>,
}

impl Service {
    /// The one-line JSON of the service (for NDJSON export and feeds).
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The list form of this service.
    pub fn summary(&self) -> ServiceSummary {
        ServiceSummary {
            fields: self.fields.clone(),
            organization: self.organization.fields.clone(),
        }
    }
}

/// An organisation's one-to-one fields (`compiled/organization_list.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrganizationSummary {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
}

/// An organisation with its identifiers (`organization` inside `compiled/service.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Organization {
    #[serde(flatten)]
    pub fields: OrganizationSummary,
    pub organization_identifiers: Vec<OrganizationIdentifier>,
}

/// `GET /organizations/{id}` (`compiled/organization.json`): with its services fully nested.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrganizationFull {
    #[serde(flatten)]
    pub organization: Organization,
    pub services: Vec<Service>,
}

/// A register identifier of an organisation (charity, company number).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrganizationIdentifier {
    pub id: Uuid,
    pub organization_id: Uuid,
    /// The org-id.guide prefix, e.g. `GB-CHC`.
    pub identifier_scheme: String,
    /// What the identifier is, e.g. "Charity Number".
    pub identifier_type: String,
    pub identifier: String,
}

/// A link between a service and a venue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceAtLocation {
    pub id: Uuid,
    pub service_id: Uuid,
    pub location_id: Uuid,
    pub location: Location,
}

/// A service at a venue in a list (`compiled/service_at_location_list.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceAtLocationSummary {
    pub id: Uuid,
    pub service_id: Uuid,
    pub location_id: Uuid,
    pub location: LocationFields,
    pub service: ServiceSummary,
}

/// `GET /service_at_locations/{id}` (`compiled/service_at_location.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceAtLocationFull {
    pub id: Uuid,
    pub service_id: Uuid,
    pub location_id: Uuid,
    pub location: Location,
    pub service: Service,
}

/// A venue's one-to-one fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocationFields {
    pub id: Uuid,
    /// Always `physical`: the directory's venues are places people go to.
    pub location_type: String,
    pub name: String,
    pub latitude: f64,
    pub longitude: f64,
}

/// A venue with its address and accessibility.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Location {
    #[serde(flatten)]
    pub fields: LocationFields,
    pub addresses: Vec<Address>,
    pub accessibility: Vec<Accessibility>,
}

/// A postal address of a venue (every field the schema requires is present).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Address {
    pub id: Uuid,
    pub location_id: Uuid,
    pub address_1: String,
    pub city: String,
    /// The county (or unitary authority) the venue is in.
    pub state_province: String,
    pub postal_code: String,
    /// ISO 3166-1 alpha-2: `GB`.
    pub country: String,
    /// `physical`.
    pub address_type: String,
}

/// One accessibility feature of a venue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Accessibility {
    pub id: Uuid,
    pub location_id: Uuid,
    pub description: String,
    /// The feature's code, e.g. `step_free`.
    pub accessibility: String,
}

/// When a service runs (iCal-like).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schedule {
    pub id: Uuid,
    pub service_id: Uuid,
    /// The service-at-location link, when the schedule is for one venue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_at_location_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<String>,
    /// The first day the rule counts from (`valid_from`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dtstart: Option<String>,
    /// `WEEKLY` or `MONTHLY`.
    pub freq: String,
    pub interval: i64,
    /// iCal BYDAY, e.g. `TU` or `1TU`.
    pub byday: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Local (Europe/London) time, `HH:MM:SS`.
    pub opens_at: String,
    pub closes_at: String,
}

/// An area a service serves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceArea {
    pub id: Uuid,
    pub service_id: Uuid,
    /// The place's name.
    pub name: String,
    /// The ONS URI of the place's GSS code.
    pub uri: String,
    /// The place's GSS code with, when given, what the listing says of it.
    pub service_area: String,
}

/// A language the service is delivered in (`name` and `code` are HSDS 3.0's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Language {
    pub id: Uuid,
    pub service_id: Uuid,
    pub name: String,
    /// ISO 639-1, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// A cost of taking part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostOption {
    pub id: Uuid,
    pub service_id: Uuid,
    pub option: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<f64>,
    /// ISO 4217 (HSDS 3.0's `currency`).
    pub currency: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_description: Option<String>,
}

/// A named contact (`email` and `phones` are HSDS 3.0's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    pub id: Uuid,
    pub service_id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub phones: Vec<Phone>,
}

/// A telephone number (HSDS 3.0 `phone`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Phone {
    pub id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<Uuid>,
    pub number: String,
}

/// A taxonomy term applied to a service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attribute {
    pub id: Uuid,
    pub link_id: Uuid,
    pub taxonomy_term_id: Uuid,
    /// What the term describes: `service`.
    pub link_type: String,
    /// HSDS 3.0: the kind of entity `link_id` names.
    pub link_entity: String,
    pub taxonomy_term: TaxonomyTerm,
}

/// A vocabulary (`taxonomy.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Taxonomy {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub uri: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// A term of a vocabulary (`taxonomy_term.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaxonomyTerm {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<Uuid>,
    /// The vocabulary's name.
    pub taxonomy: String,
    pub taxonomy_id: Uuid,
    pub term_uri: String,
    /// The term's code (a need code, or an Activity List concept's UUID).
    pub term: String,
}
