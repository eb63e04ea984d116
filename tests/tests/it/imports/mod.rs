//! Imports: listings from other directories, feeds and spreadsheets through the common apply
//! path (provenance, idempotency, removals, local edits, duplicates, trust, dry runs).
//!
//! # Layout
//! - [`oruk_files`]: ORUK NDJSON, saved pages and the CSV package; the export → import round
//!   trip; the rules every source shares.
//! - [`oruk_api`]: a live ORUK API served inside the test: paging, nested fetches, a run that
//!   fails half way and resumes, incremental runs.
//! - [`bulk`]: the bulk path of big files: bad records, chunk fallback, unchanged and 1%-changed
//!   re-imports, change log and feeds.
//! - [`bulk_load`]: how the bulk path loads fast without changing what lands: indexes built at
//!   the end (and on opening after an interrupted load), unchanged records marked read, search
//!   caught up when a re-import returns.
//! - [`bulk_changes`]: a re-import's changed listings, written set-wise, land as the per-record
//!   path writes them; a line read before is skipped only while its record is as it left it.
//! - [`premade`]: a big run's search documents made as it writes, indexed by the rebuild at its
//!   end without reading the listings back, as reading them back would have.
//! - [`idempotency`]: the property that importing twice is importing once.
//! - [`openactive`]: OpenActive RPDE feeds served on loopback ([`feed_server`]): dataset sites,
//!   split feeds out of order, tombstones, a publisher failing half way, the directory's own
//!   feeds.
//! - [`spreadsheet`]: spreadsheets: dry-run reports with the cell at fault, edits, removals.

mod bulk;
mod bulk_changes;
mod bulk_load;
mod feed_server;
mod idempotency;
mod openactive;
mod oruk_api;
mod oruk_files;
mod premade;
mod spreadsheet;
mod support;
