//! How many venues each hit of a search has, read from the index's venue column: what ORUK's
//! filtered `/service_at_locations` pages and counts by, rather than reading every link of
//! thousands of services from the store (a venue lookup per link: 60 ms near a city centre at
//! a million services).

use tantivy::Searcher;

use super::{index_error, Collected, SearchIndex, SearchOptions, SearchRequest};
use crate::error::Result;

impl SearchIndex {
    /// [`SearchIndex::search`], with the number of venues (public, as the index holds them) of
    /// each hit, in the hits' order.
    pub fn search_counting_venues(
        &self,
        request: &SearchRequest,
        options: SearchOptions,
    ) -> Result<(Collected, Vec<usize>)> {
        let searcher = self.searcher();
        let found = self.search_in(&searcher, request, options)?;
        let counts = venue_counts(&searcher, &found)?;
        Ok((found, counts))
    }
}

/// Each hit's number of venues (values of the `venue` column), read with the searcher that
/// found them.
fn venue_counts(searcher: &Searcher, found: &Collected) -> Result<Vec<usize>> {
    let columns = searcher
        .segment_readers()
        .iter()
        .map(|reader| reader.fast_fields().u64("venue"))
        .collect::<tantivy::Result<Vec<_>>>()
        .map_err(index_error)?;
    Ok(found
        .hits
        .iter()
        .map(|hit| {
            columns
                .get(hit.address.0 as usize)
                .map_or(0, |column| column.values_for_doc(hit.address.1).count())
        })
        .collect())
}
