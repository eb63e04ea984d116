//! Open Referral UK 3.0 (the UK profile of HSDS 3.0): documents, list queries and paging.
//!
//! Field names are those of the profile's compiled JSON Schemas (`compiled/service.json`,
//! `service_list.json`, `service_at_location*.json`, `organization*.json`, `taxonomy.json`,
//! `taxonomy_term.json`); a few HSDS 3.0 fields the UK profile leaves out (a language's `name`
//! and `code`, a contact's `email` and `phones`, a service's `phones`) are added, which the
//! schemas allow. Optional fields with no value are left out, never `null`.
//!
//! # Identifiers
//! Every `id` is a UUID. Organisations, services, locations, schedules and service-at-location
//! links have the directory's own UUIDs. Sub-objects the directory has no id for get a UUIDv5
//! derived from their parent's id and their kind and position, `v5(parent, "<kind>:<n>")`
//! (e.g. the first phone of a service is `v5(service_id, "phone:0")`; an address is
//! `v5(location_id, "address:0")`; a need attribute is `v5(service_id, "attribute:need:<code>")`),
//! so they are stable for as long as the listing is not edited in that place. Taxonomies and
//! need terms get `v5(NAMESPACE, ...)` ids (see [`taxonomies`]); Activity List terms keep the
//! concept's own UUID.
//!
//! # Paging
//! `page` is 1-based; `per_page` defaults to [`DEFAULT_PER_PAGE`] and is at most
//! [`MAX_PER_PAGE`]; a page may not reach past the first [`MAX_RESULT_WINDOW`] results (deep
//! copies come from the change-sync feed or `indexer export`).
//!
//! # Layout
//! - [`documents`]: the serde documents (what the API returns).
//! - [`render`]: listings → documents.
//! - [`taxonomies`]: the two vocabularies (the directory's needs, the OpenActive Activity List).
//! - [`query`]: query parameters → typed queries, errors naming the parameter.
//! - `directory`: the `Directory` reads the API calls.

mod directory;
pub mod documents;
pub mod query;
pub mod render;
pub mod taxonomies;

pub use directory::OPENAPI_JSON;
pub use documents::*;
pub use query::{ListQuery, ServiceQuery, TermQuery};

/// `per_page` when none is given.
pub const DEFAULT_PER_PAGE: usize = 50;
/// The largest `per_page` accepted.
pub const MAX_PER_PAGE: usize = 500;
/// How deep paging may go: `page * per_page` at most this. Offsets cost the index a sort over
/// every result before them; a full copy is the change-sync feed's or `indexer export`'s job.
pub const MAX_RESULT_WINDOW: usize = 10_000;

/// `GET /`'s `version`.
pub const HSDS_VERSION: &str = "HSDS-UK-3.0";
/// `GET /`'s `profile`: the UK profile's home.
pub const PROFILE_URL: &str = "https://github.com/openreferral/uk-profile";
