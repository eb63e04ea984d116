//! `Directory::load_area`: check a pack, replace its districts in the store, and make the
//! running directory follow (places, LSOA points, postcodes, venues' places, search).

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use tracing::info;

use super::{read_pack, AreaPack, AreaSummary, PostcodeTable};
use crate::directory::Geography;
use crate::error::{Error, Result};
use crate::gaps::PopulationPoints;
use crate::places::PlaceIndex;
use crate::Directory;

/// What an accepted load held and changed.
#[derive(Debug, Clone)]
pub struct AreaLoad {
    pub summary: AreaSummary,
    /// Postcodes the districts held before (0 on a first load).
    pub replaced_postcodes: i64,
    /// Venues whose places changed with the new geography (their services are reindexed).
    pub relocated_venues: usize,
    /// Every postcode the directory now knows, in all areas.
    pub postcodes_known: usize,
}

/// The refusal of a pack: `InvalidInput` on `field` listing every problem, one a line.
pub fn refusal(field: &str, problems: &[String]) -> Error {
    let plural = if problems.len() == 1 { "" } else { "s" };
    let mut message = format!(
        "area pack refused ({} problem{plural}; nothing was changed):",
        problems.len()
    );
    for problem in problems {
        message.push_str("\n- ");
        message.push_str(problem);
    }
    Error::invalid(field, message)
}

impl Directory {
    /// Reads and checks the area pack in `dir` (see [`crate::areas`]); if it has no problem,
    /// replaces its districts in one transaction and makes lookups, gap reports, venues and
    /// search follow the new geography. A refused pack is `InvalidInput` (field `directory`)
    /// naming every problem, and changes nothing.
    pub async fn load_area(&self, dir: &Path) -> Result<AreaLoad> {
        let started = Instant::now();
        let owned_dir = dir.to_path_buf();
        let read = tokio::task::spawn_blocking(move || read_pack(&owned_dir))
            .await
            .map_err(|e| Error::Index(format!("area pack reader stopped: {e}")))?;
        let pack = read.map_err(|problems| refusal("directory", &problems.lines()))?;
        info!(
            stage = "read",
            elapsed_ms = since(started),
            "area pack: read and checked"
        );
        let stage = Instant::now();
        let conflicts = self.store().area_conflicts(&pack).await?;
        if !conflicts.is_empty() {
            return Err(refusal("directory", &conflicts));
        }
        let source = dir.display().to_string();
        // Held from the write until the lookups follow it, so the geography follower does not
        // rebuild them a second time meanwhile.
        let mut known_generation = self.geography_generation.lock().await;
        let (replaced_postcodes, generation) = self.store().replace_area(&pack, &source, Utc::now()).await?;
        info!(
            stage = "store",
            elapsed_ms = since(stage),
            "area pack: written to the store"
        );
        // The pack's boundaries are in the store now: free them before the lookups are rebuilt
        // (at England's scale they are hundreds of megabytes). Its postcodes replace the
        // districts' in the table in memory, unless another process wrote geography since the
        // table was read (then it is read again from the store).
        let AreaPack {
            places,
            area_of,
            postcodes,
            summary,
        } = pack;
        drop((places, area_of));
        let postcodes = if generation == *known_generation + 1 {
            let stage = Instant::now();
            let (current, districts) = (self.postcode_table(), summary.district_codes());
            let table = tokio::task::spawn_blocking(move || current.replacing(&districts, postcodes))
                .await
                .map_err(|e| Error::Index(format!("postcode table builder stopped: {e}")))?;
            info!(
                stage = "postcode table",
                postcodes = table.len(),
                elapsed_ms = since(stage),
                "area pack: postcodes replaced in memory"
            );
            PostcodeSource::Built(table, generation)
        } else {
            PostcodeSource::Store
        };
        let relocated_venues = self.follow_geography_change(&mut known_generation, postcodes).await?;
        drop(known_generation);
        let load = AreaLoad {
            summary,
            replaced_postcodes,
            relocated_venues,
            postcodes_known: self.postcode_count(),
        };
        info!(
            source,
            districts = load.summary.districts.len(),
            lsoas = load.summary.lsoas(),
            postcodes = load.summary.postcodes(),
            population = load.summary.population(),
            relocated_venues,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "area loaded"
        );
        Ok(load)
    }

    /// Rebuilds the in-memory geography from the store (places, LSOA points and, if asked,
    /// postcodes), swaps it in, and places venues again; `known` (the generation held, under
    /// its lock) becomes the store's generation read before the rebuild. Returns how many
    /// venues changed.
    pub(crate) async fn follow_geography_change(&self, known: &mut i64, postcodes: PostcodeSource) -> Result<usize> {
        let started = Instant::now();
        let generation = self.store().geography_generation().await?;
        let entries = self.store().all_places().await?;
        let places = tokio::task::spawn_blocking(move || PlaceIndex::build(entries))
            .await
            .map_err(|e| Error::Index(format!("place index builder stopped: {e}")))??;
        let places = Arc::new(places);
        info!(
            stage = "place index",
            places = places.len(),
            elapsed_ms = since(started),
            "geography: places rebuilt"
        );
        let stage = Instant::now();
        let population_points = Arc::new(PopulationPoints::load(self.store(), &places).await?);
        info!(
            stage = "population points",
            elapsed_ms = since(stage),
            "geography: LSOA points rebuilt"
        );
        let postcodes = match postcodes {
            PostcodeSource::Built(table, written) if written == generation => Some(table),
            // Unless another process wrote geography (postcodes perhaps) since the last rebuild.
            PostcodeSource::Unchanged if generation == *known + 1 => None,
            PostcodeSource::Built(..) | PostcodeSource::Unchanged | PostcodeSource::Store => {
                let stage = Instant::now();
                let table = PostcodeTable::from_records(self.store().all_postcodes().await?);
                info!(
                    stage = "postcode table",
                    postcodes = table.len(),
                    elapsed_ms = since(stage),
                    "geography: postcodes read from the store"
                );
                Some(table)
            }
        };
        if let Some(table) = postcodes {
            self.replace_postcodes(table);
        }
        self.replace_geography(Geography {
            places: places.clone(),
            population_points,
        });
        *known = generation;
        let stage = Instant::now();
        let relocated = self.store().relocate_venues(&places).await?;
        info!(
            stage = "venues",
            relocated,
            elapsed_ms = since(stage),
            "geography: venues placed again"
        );
        Ok(relocated)
    }
}

/// Where the postcode table comes from when the geography is rebuilt.
pub(crate) enum PostcodeSource {
    /// The caller wrote one generation that did not change postcodes.
    Unchanged,
    /// Read every postcode from the store.
    Store,
    /// Built in memory by the load that wrote this geography generation (read from the store
    /// instead if the store has moved on since).
    Built(PostcodeTable, i64),
}

/// Milliseconds since `started`, for the stage timings logged.
fn since(started: Instant) -> u64 {
    started.elapsed().as_millis() as u64
}
