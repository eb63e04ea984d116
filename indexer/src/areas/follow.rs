//! A running directory follows geography written by another process on the same data
//! directory (`indexer areas load`, `indexer places define` while the server runs).
//!
//! Every area load and custom Place definition counts one more *geography generation* in the
//! store, in its own transaction ([`crate::store::Store::geography_generation`]). The directory
//! remembers the generation its places and postcodes were read at; [`follow`] looks every
//! [`FOLLOW_INTERVAL`] and, when the store's is newer, rebuilds places, LSOA points and the
//! postcode table from the store (as the process that loaded did), and places venues again
//! (already done by that process, so nothing changes). Search follows the change log as before.

use std::time::Duration;

use tracing::{info, warn};

use crate::error::Result;
use crate::Directory;

/// How often a running directory looks for geography written by another process.
pub const FOLLOW_INTERVAL: Duration = Duration::from_secs(1);

impl Directory {
    /// Rebuilds the places and postcodes in memory if another process wrote newer ones to the
    /// store since they were read. Returns whether it did.
    pub async fn follow_geography(&self) -> Result<bool> {
        let mut known = self.geography_generation.lock().await;
        let stored = self.store().geography_generation().await?;
        if stored == *known {
            return Ok(false);
        }
        let from = *known;
        self.follow_geography_change(&mut known, super::load::PostcodeSource::Store)
            .await?;
        info!(
            from,
            to = *known,
            "geography written by another process: places and postcodes reloaded"
        );
        Ok(true)
    }
}

/// Follows the store's geography generation for as long as the directory is open.
pub async fn follow(directory: Directory) {
    let mut interval = tokio::time::interval(FOLLOW_INTERVAL);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        if directory.store().pool().is_closed() {
            return;
        }
        if let Err(error) = directory.follow_geography().await {
            warn!(?error, "geography could not follow the store; will retry");
        }
    }
}
