//! One integration-test binary for the whole directory: the engine and the GraphQL API over the
//! real bundled Norfolk seed.
//!
//! # Layout
//! - [`support`]: a seeded template data directory, copied per test; query helpers.
//! - [`places`]: districts, populations, hierarchy, postcodes and point-in-polygon.
//! - [`listings`]: organisations, services, funds and the seed's contents.
//! - [`bad_input`]: error codes and fields for wrong arguments.
//! - [`cost_unknown`]: a service with no cost information is unknown, never free, everywhere;
//!   migration 0014.
//! - [`editing`]: organisations editing listings: authorisation, moderation, freshness, audit,
//!   conflicts, sanitising, duplicates.
//! - [`crash`]: a process killed during index commits leaves a directory that starts again.
//! - [`data_dir`]: start-up over corrupt or half-written data directories, idempotent seeding.
//! - [`gaps`]: gap reports, the gap matrix, exports, the map and boundary loads.
//! - [`gaps_map`]: the gap map a reader can find their way on: towns, scale bar, north arrow,
//!   neighbours, gaps by ward and nearest town.
//! - [`load_places_limits`]: boundary loads refused quickly: coordinates out of range, too many
//!   vertices, checks past their time limit.
//! - [`calendar`]: schedule exceptions (closures, cancellations) in next sessions, search,
//!   signposting, the OpenActive feeds and history.
//! - [`imports`]: ORUK, OpenActive and spreadsheet imports: provenance, idempotency, removals,
//!   local edits, duplicates, dry runs; a live ORUK API served in the test.
//! - [`http`]: the server over loopback.
//! - [`hostile`]: hostile and careless clients: made-up tokens, huge bodies, idle connections,
//!   proxies, malformed GraphQL, time limits.
//! - [`oruk`]: the Open Referral UK 3.0 API: schemas, filters, paging, bad input.
//! - [`openactive`]: OpenActive SessionSeries/ScheduledSession feeds and the dataset site.
//! - [`rpde`]: RPDE paging rules: ordering, edits during paging, tombstones, bad parameters.
//! - [`change_sync`]: the RPDE feed of ORUK services a platform mirrors the directory from.
//! - [`schema`]: the committed `schema.graphql` and its descriptions.
//! - [`areas`]: areas loaded from the publishers' files, custom Places, refused packs.
//! - [`search_words`]: stop words, typos and their reasons over the seed.
//! - [`pages`]: residents' pages over HTTP (escaping, helpful errors, privacy) and in a real
//!   browser (`tests/browser`).
//! - [`operations`]: `/metrics` and its bounded labels; online backup and restore.

mod areas;
mod bad_input;
mod calendar;
mod change_sync;
mod cost_unknown;
mod crash;
mod data_dir;
mod editing;
mod gaps;
mod gaps_map;
mod hostile;
mod http;
mod imports;
mod listings;
mod load_places_limits;
mod migrate_store;
mod national_paths;
mod openactive;
mod operations;
mod oruk;
mod pages;
mod places;
mod postgres;
mod read_replica;
mod rpde;
mod schema;
mod search;
mod search_words;
mod signpost;
mod support;
