//! The directory: one handle over the store and the in-memory place index, opened from a data
//! directory. This is the engine's front door; the API calls nothing else.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tracing::info;
use uuid::Uuid;

use crate::domain::*;
use crate::error::{Error, Result};
use crate::places::PlaceIndex;
use crate::seed::{self, SeedReport};
use crate::store::read::{NameKey, Page, PlaceScope, ServiceFilter};
use crate::store::Store;

/// The database file inside the data directory.
pub const DATABASE_FILE: &str = "directory.sqlite3";

/// An open directory. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Directory {
    store: Store,
    places: Arc<PlaceIndex>,
    data_dir: PathBuf,
}

impl Directory {
    /// Opens the directory in `data_dir`, creating and seeding it on first use.
    ///
    /// A data directory that is not a directory database, or that holds data from a seed that
    /// never completed, is refused with [`Error::DataDir`]: it is never reseeded over.
    pub async fn open(data_dir: &Path) -> Result<Directory> {
        let data_dir_error = |reason: String| Error::DataDir {
            path: data_dir.to_path_buf(),
            reason,
        };
        std::fs::create_dir_all(data_dir).map_err(|e| data_dir_error(format!("cannot create it: {e}")))?;
        let database = data_dir.join(DATABASE_FILE);
        let store = Store::open(&database).await.map_err(|e| {
            data_dir_error(format!(
                "{} is not a usable directory database: {}",
                database.display(),
                source_text(&e)
            ))
        })?;
        store.migrate().await.map_err(|e| {
            data_dir_error(format!(
                "{} is not a usable directory database: {}",
                database.display(),
                source_text(&e)
            ))
        })?;
        if store.meta(seed::SEED_MARKER).await?.is_none() {
            if store.holds_any_directory_data().await? {
                return Err(data_dir_error(
                    "it holds data from a seed that never completed; move the directory aside (or delete it) and start again".into(),
                ));
            }
            if let Some(report) = seed::seed(&store).await? {
                info!(
                    places = report.places,
                    services = report.services,
                    funds = report.funds,
                    "first start: seeded the directory"
                );
            }
        }
        let places = PlaceIndex::build(store.all_places().await?).map_err(|e| data_dir_error(e.to_string()))?;
        if places.is_empty() {
            return Err(data_dir_error("it holds no places".into()));
        }
        Ok(Directory {
            store,
            places: Arc::new(places),
            data_dir: data_dir.to_path_buf(),
        })
    }

    /// Loads the seed if this directory has not been seeded (it always has, once opened).
    pub async fn seed(&self) -> Result<Option<SeedReport>> {
        seed::seed(&self.store).await
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn places(&self) -> &PlaceIndex {
        &self.places
    }

    pub async fn close(&self) {
        self.store.close().await;
    }

    /// A place by code, or `NOT_FOUND`.
    pub fn place(&self, code: &PlaceCode) -> Result<&Place> {
        self.places
            .get(code)
            .ok_or_else(|| Error::not_found("place", code.as_str()))
    }

    /// Every place containing the point, largest first.
    pub fn places_at(&self, point: GeoPoint) -> Vec<&Place> {
        self.places.containing(point)
    }

    pub async fn postcode(&self, postcode: &Postcode) -> Result<PostcodeRecord> {
        self.store
            .postcode(postcode)
            .await?
            .ok_or_else(|| Error::not_found("postcode", postcode.as_str()))
    }

    pub async fn organization(&self, id: Uuid) -> Result<Organization> {
        self.store
            .organization(id)
            .await?
            .ok_or_else(|| Error::not_found("organization", id.to_string()))
    }

    pub async fn service(&self, id: Uuid) -> Result<Service> {
        self.store
            .service(id)
            .await?
            .ok_or_else(|| Error::not_found("service", id.to_string()))
    }

    pub async fn fund(&self, id: Uuid) -> Result<Fund> {
        self.store
            .fund(id)
            .await?
            .ok_or_else(|| Error::not_found("fund", id.to_string()))
    }

    /// Services for a need and/or in a place (a venue inside it, or a service area overlapping
    /// it), ordered by name, one page after `after`.
    pub async fn services(
        &self,
        place: Option<&PlaceCode>,
        need: Option<NeedCode>,
        first: i64,
        after: Option<&NameKey>,
    ) -> Result<Page<Service>> {
        let place = place
            .map(|code| {
                self.place(code)?;
                Ok::<_, Error>(PlaceScope {
                    code: code.clone(),
                    overlapping_codes: self.places.overlapping_codes(code),
                })
            })
            .transpose()?;
        self.store
            .services_page(&ServiceFilter { need, place }, first, after)
            .await
    }

    /// Funds for a need whose beneficiary area overlaps the place (all funds if both are `None`).
    pub async fn funds(&self, place: Option<&PlaceCode>, need: Option<NeedCode>) -> Result<Vec<Fund>> {
        let overlapping = place
            .map(|code| {
                self.place(code)?;
                Ok::<_, Error>(self.places.overlapping_codes(code))
            })
            .transpose()?;
        self.store.funds(need, overlapping.as_deref()).await
    }
}

/// The innermost message of an error chain, for telling an operator what is wrong on disk.
fn source_text(error: &(dyn std::error::Error + 'static)) -> String {
    let mut innermost = error;
    while let Some(next) = innermost.source() {
        innermost = next;
    }
    innermost.to_string()
}
