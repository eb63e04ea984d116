//! The community asset directory engine: everything but HTTP.
//!
//! A geo-aware directory of VCFSE groups, classes and funds for social prescribing, shaped like
//! Open Referral UK 3.0. The API crate wraps [`Directory`]; nothing here knows about GraphQL.
//!
//! # Layout
//! - [`domain`]: types parsed at the boundary (postcodes, points, place codes, needs, listings).
//! - [`store`]: SQLite (embedded) or PostgreSQL (shared by replicas) through sqlx, the source of
//!   truth; migrations live in `migrations/` and `migrations_postgres/`.
//! - [`places`]: the place hierarchy in memory, with R-tree point-in-polygon.
//! - [`seed`]: the bundled Norfolk data, loaded on first start.
//! - [`search`]: the tantivy index: full text, geo and filters, kept in step with the store.
//! - [`signpost`]: from a resident's needs to a short, explained list of options.
//! - [`resident`]: listings in plain English for residents' pages (cards, pages, where they are).
//! - [`areas`]: any area of England from the publishers' files (area packs), custom Places.
//! - [`gaps`]: gap detection per Place (nearest eligible asset per LSOA), exports, boundary loads.
//! - [`accounts`]: principals, bearer tokens and the [`accounts::Viewer`] reads and writes are decided for.
//! - [`editing`]: VCSE organisations editing their listings: moderation, audit, archive, freshness.
//! - [`imports`]: listings from ORUK, OpenActive and spreadsheets: sources, provenance, refresh.
//! - [`publish`]: the directory in Open Referral UK 3.0 and OpenActive (RPDE feeds, change sync).
//! - [`directory`]: [`Directory`], the front door over all of the above.
//! - `directory_search`, `directory_browse`: [`Directory::search`] and list pages by name: the
//!   index finds, the store hydrates (the search engine knows nothing of the store).
//! - [`operations`]: what operators need: figures for monitoring, online backup and restore.
//! - [`migrate_store`]: moving a directory from its SQLite file onto a shared PostgreSQL.
//! - [`error`]: the one error type.

pub mod accounts;
pub mod areas;
pub mod directory;
mod directory_browse;
mod directory_lookups;
mod directory_search;
pub mod domain;
pub mod editing;
pub mod error;
pub mod gaps;
pub mod imports;
pub mod migrate_store;
pub mod operations;
pub mod places;
pub mod publish;
pub mod resident;
pub mod search;
pub mod seed;
pub mod signpost;
pub mod store;

pub use directory::Directory;
pub use directory::DirectoryOptions;
pub use error::{Error, ParseError, Result};
