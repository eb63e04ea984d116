//! The bundled seed: Norfolk's real geography and postcodes, the real 2019 mobile library
//! stops, and invented example listings (clearly labelled) at real postcodes.
//!
//! Everything is compiled into the binary, so a fresh install needs no files and no network.
//! Seeding runs in one transaction that ends by writing the `seed_version` marker: a data
//! directory either holds the whole seed or none of it. Ids are UUIDv5 of stable keys, so the
//! same listing has the same id on every install.
//!
//! # Layout
//! - [`reference`]: places (county, districts, wards, MSOAs, LSOAs with Census 2021 population) and postcodes.
//! - [`library`]: Norfolk mobile library stops and their 4-weekly 2019 timetables.
//! - [`examples`]: the example organisations, services and funds.

mod examples;
mod library;
mod reference;

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use tracing::info;
use uuid::Uuid;

use crate::domain::PostcodeRecord;
use crate::error::Result;
use crate::places::PlaceIndex;
use crate::store::{self, write, Store};

/// Bumped whenever the bundled seed changes shape.
pub const SEED_VERSION: &str = "1";

/// The `meta` key whose presence means the seed was loaded completely.
pub const SEED_MARKER: &str = "seed_version";

/// Namespace of the UUIDv5 ids of seeded records.
const SEED_NAMESPACE: Uuid = Uuid::from_u128(0x6f1c_2a4e_9b7d_4c1e_8a3f_5d2b_7e9c_1a04);

/// A stable id for a seeded record from its kind and natural key.
pub fn seed_id(kind: &str, key: &str) -> Uuid {
    Uuid::new_v5(&SEED_NAMESPACE, format!("{kind}:{key}").as_bytes())
}

fn midnight(date: NaiveDate) -> DateTime<Utc> {
    date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

/// What a seeding run loaded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub places: usize,
    pub postcodes: usize,
    pub organizations: usize,
    pub services: usize,
    /// Distinct venues (a stop several vehicles visit, or a hall several groups meet in, once).
    pub locations: usize,
    pub schedules: usize,
    pub funds: usize,
}

/// Loads the whole seed into an empty store, in one transaction. Does nothing (and returns
/// `None`) if the store was seeded already.
pub async fn seed(store: &Store) -> Result<Option<SeedReport>> {
    if store.meta(SEED_MARKER).await?.is_some() {
        return Ok(None);
    }
    let seeded_at = Utc::now();
    let mut places = reference::places()?;
    crate::places::roll_up_population(&mut places.0);
    let entries: Vec<_> = places.0.into_iter().zip(places.1).collect();
    let postcodes = reference::postcodes()?;

    let mut tx = store.begin().await?;
    for (place, boundary) in &entries {
        write::upsert_place(&mut tx, place, boundary).await?;
    }
    for record in &postcodes {
        write::insert_postcode(&mut tx, record).await?;
    }
    let mut report = SeedReport {
        places: entries.len(),
        postcodes: postcodes.len(),
        ..SeedReport::default()
    };
    let place_index = PlaceIndex::build(entries)?;
    let postcode_lookup: HashMap<&str, &PostcodeRecord> = postcodes.iter().map(|r| (r.postcode.as_str(), r)).collect();

    library::load(&mut tx, &place_index, seeded_at, &mut report).await?;
    examples::load(&mut tx, &place_index, &postcode_lookup, seeded_at, &mut report).await?;
    store::set_meta(&mut tx, SEED_MARKER, SEED_VERSION).await?;
    store::set_meta(&mut tx, "seeded_at", &seeded_at.to_rfc3339()).await?;
    tx.commit().await?;
    info!(?report, "seed loaded");
    Ok(Some(report))
}
