//! Search documents of a chunk's new listings, made from the rows as they are written, for the
//! rebuild that ends a big run ([`crate::search::sync::Premade`]): at a million listings,
//! reading them back was half the rebuild's time.
//!
//! A document is made of what the run itself writes: a listing at a venue the run did not write
//! (or wrote after it kept [`RUN_VENUES`] of them), or not active, gets none and is read back by
//! the rebuild, as is any listing changed after its chunk (its change-log position moves). The
//! organisation's name is the rebuild's to fill in.

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use crate::domain::{Location, LocationPlaces, ServiceStatus};
use crate::places::PlaceIndex;
use crate::search::document::{AssetDocument, DocumentBuilder};
use crate::store::bulk::BulkRows;
use crate::store::feed::{ServiceFeed, Venue};

/// Venues a run keeps for the documents of later chunks' listings: a few hundred bytes each, so
/// some hundred megabytes at most (a million services of the national data set share 202,000).
pub(super) const RUN_VENUES: usize = 500_000;

/// The venues a run wrote, by id (at most [`RUN_VENUES`]).
pub(super) type RunVenues = HashMap<Uuid, (Location, LocationPlaces)>;

/// The documents of a chunk's new listings, kept until the chunk commits.
#[derive(Default)]
pub(super) struct ChunkDocuments {
    /// The venues the chunk wrote so far.
    venues: RunVenues,
    /// Each document with its listing's change-log position.
    pub(super) made: Vec<(AssetDocument, i64)>,
    /// New listings left for the rebuild to read.
    pub(super) left: usize,
}

impl ChunkDocuments {
    /// Makes the documents of the listings `rows` wrote, at the positions `seqs` gives, at
    /// venues the chunk wrote or the run's earlier chunks did (`run`).
    pub(super) fn add(&mut self, places: &PlaceIndex, run: &RunVenues, rows: &BulkRows, seqs: &HashMap<Uuid, i64>) {
        for (location, location_places) in &rows.locations {
            self.venues
                .insert(location.id, (location.clone(), location_places.clone()));
        }
        let mut feed = ServiceFeed::default();
        // Services at a venue neither the chunk nor the run kept.
        let mut unknown_venue: HashSet<Uuid> = HashSet::new();
        for (link_id, service_id, location_id) in &rows.service_locations {
            match self.venues.get(location_id).or_else(|| run.get(location_id)) {
                Some((location, places)) => feed.venues.entry(*service_id).or_default().push(Venue {
                    link_id: *link_id,
                    location: location.clone(),
                    places: places.clone(),
                }),
                None => {
                    unknown_venue.insert(*service_id);
                }
            }
        }
        for (service_id, area) in &rows.service_areas {
            feed.areas.entry(*service_id).or_default().push(area.place_code.clone());
        }
        for schedule in &rows.schedules {
            feed.schedules
                .entry(schedule.service_id)
                .or_default()
                .push(schedule.clone());
        }
        let builder = DocumentBuilder { places };
        for service in &rows.services {
            match seqs.get(&service.id) {
                Some(seq) if service.status == ServiceStatus::Active && !unknown_venue.contains(&service.id) => {
                    self.made.push((builder.service(&feed, service), *seq));
                }
                _ => self.left += 1,
            }
        }
    }

    /// Once the chunk committed: its venues join the run's, while there is room.
    pub(super) fn keep_venues(&mut self, run: &mut RunVenues) {
        let room = RUN_VENUES.saturating_sub(run.len());
        run.extend(self.venues.drain().take(room));
    }
}
