//! Search documents of a chunk's new listings, made from the rows as they are written, for the
//! rebuild that ends a big run ([`crate::search::sync::Premade`]): at a million listings,
//! reading them back was half the rebuild's time.
//!
//! A document is made only of what the chunk itself writes. A listing at a venue an earlier
//! chunk (or run) wrote, or not active, gets none and is read back by the rebuild, as is any
//! listing changed after its chunk (its change-log position moves). The organisation's name is
//! the rebuild's to fill in.

use std::collections::HashMap;

use uuid::Uuid;

use crate::domain::{Location, LocationPlaces, ServiceStatus};
use crate::places::PlaceIndex;
use crate::search::document::{AssetDocument, DocumentBuilder};
use crate::store::bulk::BulkRows;
use crate::store::feed::{ServiceFeed, Venue};

/// The documents of a chunk's new listings, kept until the chunk commits.
#[derive(Default)]
pub(super) struct ChunkDocuments {
    /// The venues the chunk wrote so far.
    venues: HashMap<Uuid, (Location, LocationPlaces)>,
    /// Each document with its listing's change-log position.
    pub(super) made: Vec<(AssetDocument, i64)>,
    /// New listings left for the rebuild to read.
    pub(super) left: usize,
}

impl ChunkDocuments {
    /// Makes the documents of the listings `rows` wrote, at the positions `seqs` gives.
    pub(super) fn add(&mut self, places: &PlaceIndex, rows: &BulkRows, seqs: &HashMap<Uuid, i64>) {
        for (location, location_places) in &rows.locations {
            self.venues
                .insert(location.id, (location.clone(), location_places.clone()));
        }
        let mut feed = ServiceFeed::default();
        let mut complete: HashMap<Uuid, bool> = HashMap::new();
        for (link_id, service_id, location_id) in &rows.service_locations {
            match self.venues.get(location_id) {
                Some((location, places)) => feed.venues.entry(*service_id).or_default().push(Venue {
                    link_id: *link_id,
                    location: location.clone(),
                    places: places.clone(),
                }),
                None => {
                    complete.insert(*service_id, false);
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
                Some(seq) if service.status == ServiceStatus::Active && complete.get(&service.id).is_none() => {
                    self.made.push((builder.service(&feed, service), *seq));
                }
                _ => self.left += 1,
            }
        }
    }
}
