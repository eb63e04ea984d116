//! Publishing the directory in the UK standards others consume: Open Referral UK 3.0 (the
//! REST API's documents, filters and paging), OpenActive (RPDE feeds of sessions) and the
//! change sync that lets a platform mirror the directory. The engine builds every document;
//! the API crate only routes HTTP to these functions.
//!
//! # Layout
//! - [`oruk`]: Open Referral UK 3.0 documents (services, organisations, locations, taxonomies),
//!   list queries and the paged envelope.
//! - [`rpde`]: Realtime Paged Data Exchange 1.0 pages over the change log's ordering.
//! - [`openactive`]: OpenActive SessionSeries and ScheduledSession items and the dataset site.
//! - [`change_sync`]: the RPDE feed of ORUK services (edits and tombstones) platforms mirror.
//! - [`export`]: every public service as ORUK NDJSON, a line each (`indexer export`).

pub mod change_sync;
pub mod export;
pub mod openactive;
pub mod oruk;
pub mod rpde;
