//! The OpenActive RPDE consumer: follows a publisher's feeds (or the feeds its dataset site
//! lists) page by page and brings its opportunities into the directory.
//!
//! # Layout
//! - [`rpde`]: RPDE 1.0 pages as a consumer reads them, and the last-page rule.
//! - [`dataset_site`]: the feeds a dataset site lists in its JSON-LD.
//! - [`activities`]: the OpenActive Activity List, activity concepts to needs.
//! - [`schedules`]: `eventSchedule` and sessions to schedules, `exceptDate` to exceptions.
//! - [`series`]: a SessionSeries (with its sessions) as an organisation, service, venue and
//!   schedules; [`listing`]: that as the import core's record.
//! - [`fetch`]: HTTP with retries and backoff.
//! - [`consumer`]: a run: feeds, cursor, split-feed joins, batches to the apply path.

pub mod activities;
pub mod consumer;
pub mod dataset_site;
pub mod fetch;
pub mod listing;
pub mod rpde;
pub mod schedules;
pub mod series;

pub use consumer::{openactive_source, OpenactiveOptions, OpenactiveSummary, Progress};
pub use fetch::FetchOptions;
