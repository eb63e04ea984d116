//! A chunk's new listings, planned in memory ([`super::plan`]) and written in one transaction,
//! the two side by side: the rows planned so far go to SQLite a few hundred listings at a time
//! while the next ones are planned, so its thread and this one work at once.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use tracing::warn;

use super::plan::{Context, Known, Staged};
use super::premade::ChunkDocuments;
use super::read::ParsedListing;
use super::LISTINGS_PER_WRITE;
use crate::error::{Error, Result};
use crate::imports::apply::rejected_record;
use crate::imports::record::*;
use crate::store::bulk as bulk_store;
use crate::store::db::Conn;
use crate::Directory;

impl Directory {
    /// Plans a chunk's new listings and inserts them in one transaction ([`super::plan`]); should it
    /// fail, they go through the per-record path one by one instead (`slow`).
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn insert_new(
        &self,
        conn: &mut Conn<'_>,
        source: &SourceRef,
        known: &mut Known,
        new: Vec<ParsedListing>,
        report: &mut BatchReport,
        slow: &mut Vec<ImportItem>,
        slow_lines: &mut HashMap<String, [u8; 16]>,
    ) -> Result<()> {
        let now = Utc::now();
        let mut tx = conn.begin().await?;
        crate::store::set_meta(&mut tx, "last_write_at", &now.to_rfc3339()).await?;
        let context = Context {
            source,
            places: self.places(),
            postcodes: self.postcode_table(),
            taken: if source.keep_ids {
                taken_ids(&mut tx, &new).await?
            } else {
                HashSet::new()
            },
            now,
        };
        let mut staged = Staged {
            rows: bulk_store::BulkRows {
                audit_by: source.actor(),
                ..Default::default()
            },
            ..Default::default()
        };
        let mut planned_listings: Vec<(Box<ImportedListing>, Option<[u8; 16]>)> = Vec::with_capacity(new.len());
        // Planning (this thread) and writing (SQLite's) take turns: the rows planned so far are
        // written a few hundred listings at a time while the next ones are planned, in the same
        // transaction (rows planned later may name an organisation or venue planned earlier,
        // which is written first).
        let (rows_planned, mut rows_to_write) = tokio::sync::mpsc::unbounded_channel::<bulk_store::BulkRows>();
        // The search documents of what is written, made while SQLite writes the next rows.
        let places = self.places();
        let mut documents = known.premade.is_some().then(ChunkDocuments::default);
        let run_venues = &known.premade_venues;
        let written = async {
            while let Some(rows) = rows_to_write.recv().await {
                let seqs = bulk_store::insert_rows(&mut tx, &rows).await?;
                if let Some(documents) = documents.as_mut() {
                    documents.add(&places, run_venues, &rows, &seqs);
                }
            }
            Ok::<(), Error>(())
        };
        let planned = async {
            let rows_planned = rows_planned;
            let send = |staged: &mut Staged| {
                if staged.rows.is_empty() {
                    return;
                }
                let fresh = bulk_store::BulkRows {
                    audit_by: staged.rows.audit_by.clone(),
                    ..Default::default()
                };
                // A writer that failed is gone; its chunk goes the per-record path below.
                let _ = rows_planned.send(std::mem::replace(&mut staged.rows, fresh));
            };
            for (listing, hashes, line) in new {
                match context.plan(known, &staged, &listing, &hashes) {
                    Ok(Some(planned)) => {
                        let record = staged.add(source, &listing, planned, line);
                        staged.reports.push(record);
                        planned_listings.push((listing, line));
                    }
                    Ok(None) => {
                        slow_lines.extend(line.map(|line| (listing.source_record_id.clone(), line)));
                        slow.push(ImportItem::Listing(listing));
                    }
                    Err(Error::InvalidInput { field, message }) => {
                        report.push(rejected_record(&listing, &message, Some(field)))
                    }
                    Err(other) => return Err(other),
                }
                if staged.rows.services.len() >= LISTINGS_PER_WRITE {
                    send(&mut staged);
                }
                // The writer's turn, should SQLite have finished its last statement.
                tokio::task::yield_now().await;
            }
            send(&mut staged);
            Ok(())
        };
        let (planned, written) = tokio::join!(planned, written);
        planned?;
        match written {
            Ok(()) => {
                // The chunk's links, reports and documents are taken in while SQLite commits
                // (a tenth of a big load's time, this thread idle meanwhile). A commit that
                // fails ends the run (so none of it is used), as it did when they came after.
                let kept = async {
                    for record in std::mem::take(&mut staged.reports) {
                        report.push(record);
                    }
                    known.merge(staged);
                    if let (Some(premade), Some(mut documents)) = (known.premade.as_mut(), documents) {
                        for (document, seq) in &documents.made {
                            premade.add(document, *seq)?;
                        }
                        known.not_premade += documents.left;
                        documents.keep_venues(&mut known.premade_venues);
                    }
                    Ok::<(), Error>(())
                };
                let (committed, kept) = tokio::join!(tx.commit(), kept);
                committed?;
                kept?;
            }
            Err(error) => {
                // One record the checks let through broke the chunk: each goes alone instead.
                warn!(%error, records = planned_listings.len(), "bulk chunk failed; applying its records one by one");
                tx.rollback().await?;
                report.one_by_one += planned_listings.len() as u64;
                for (listing, line) in planned_listings {
                    slow_lines.extend(line.map(|line| (listing.source_record_id.clone(), line)));
                    slow.push(ImportItem::Listing(listing));
                }
            }
        }
        Ok(())
    }
}

/// The new listings' preferred ids that already name a row, by table, read set-wise.
async fn taken_ids(conn: &mut Conn<'_>, new: &[ParsedListing]) -> Result<HashSet<uuid::Uuid>> {
    let mut preferred: [Vec<uuid::Uuid>; 4] = Default::default();
    for (listing, _, _) in new {
        preferred[0].extend(listing.preferred_id);
        preferred[1].extend(listing.organization.preferred_id);
        preferred[2].extend(listing.venues.iter().filter_map(|venue| venue.preferred_id));
        preferred[3].extend(listing.schedules.iter().filter_map(|schedule| schedule.preferred_id));
    }
    let mut taken = HashSet::new();
    for (table, ids) in ["services", "organizations", "locations", "schedules"]
        .into_iter()
        .zip(&preferred)
    {
        taken.extend(bulk_store::taken_ids(conn, table, ids).await?);
    }
    Ok(taken)
}
