//! The directory: one handle over the store and the in-memory place index, opened from a data
//! directory. This is the engine's front door; the API calls nothing else.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use tracing::info;
use uuid::Uuid;

use crate::accounts::Viewer;
use crate::areas::PostcodeTable;
use crate::domain::*;
use crate::error::{Error, Result};
use crate::gaps::PopulationPoints;
use crate::places::PlaceIndex;
use crate::search::{sync as search_sync, SearchIndex};
use crate::seed::{self, SeedReport};
use crate::store::read::{NameKey, Page, PlaceScope, ServiceFilter};
use crate::store::Store;

/// The database file inside the data directory.
pub const DATABASE_FILE: &str = "directory.sqlite3";

/// An open directory. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Directory {
    store: Store,
    /// Swapped whole when place boundaries are replaced at run time; readers take a snapshot.
    geography: Arc<RwLock<Geography>>,
    /// Derived from the store; follows its change log.
    search: Arc<SearchIndex>,
    /// The postcode table in memory (read on every search near a postcode); swapped whole
    /// when an area is loaded.
    postcodes: Arc<RwLock<Arc<PostcodeTable>>>,
    /// Gap detection's candidate services and eligible venues, following the change log.
    gap_candidates: Arc<crate::gaps::cache::GapCache>,
    /// How many service-at-location links the public sees, at a change-log position: counting
    /// them all takes seconds at national scale, and ORUK's unfiltered list needs the total.
    /// An async lock, so one request counts while the others wait for its answer.
    public_link_count: Arc<tokio::sync::Mutex<Option<(i64, i64)>>>,
    /// How many organisations the public sees, at a change-log position (ORUK's
    /// `/organizations` total), as `public_link_count`.
    public_organization_count: Arc<tokio::sync::Mutex<Option<(i64, i64)>>>,
    data_dir: PathBuf,
    /// The store's geography generation the places and postcodes in memory were read at; its
    /// lock is held while they are rebuilt (see `areas::follow`).
    pub(crate) geography_generation: Arc<tokio::sync::Mutex<i64>>,
    /// The newest database check of [`Directory::watch_database`], for health checks.
    pub(crate) database_check: Arc<RwLock<Option<crate::operations::DatabaseCheck>>>,
    /// Turns at the search index: at most [`DirectoryOptions::search_concurrency`] searches run
    /// at once, the rest wait their turn (see [`Directory::on_search_index`]).
    pub(crate) search_slots: Arc<tokio::sync::Semaphore>,
    /// How it was opened.
    options: DirectoryOptions,
}

/// How a directory runs, beyond where its data is ([`Directory::open_with_options`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryOptions {
    /// How often the search index looks at the change log for changes to apply (written by
    /// this process or another); default [`search_sync::FOLLOW_INTERVAL`] (200 ms).
    pub follow_interval: std::time::Duration,
    /// The shared PostgreSQL database (`postgres://user:password@host:port/database`) several
    /// API replicas use; `None` (the default) keeps the embedded SQLite file in the data
    /// directory. Each replica keeps its own search index in its data directory either way.
    pub database_url: Option<String>,
    /// A read-only streaming replica of that PostgreSQL database (same URL form), taking the
    /// reads that may lag: the search index's build and follow, hit hydration, publishing
    /// feeds (see [`Store::with_read_database`]). Ignored without `database_url`.
    pub read_database_url: Option<String>,
    /// Searches (and other work on the search index: suggestions, list pages) run at once;
    /// more wait their turn. Default: twice the cores ([`default_search_concurrency`]).
    pub search_concurrency: usize,
}

impl Default for DirectoryOptions {
    fn default() -> DirectoryOptions {
        DirectoryOptions {
            follow_interval: search_sync::FOLLOW_INTERVAL,
            database_url: None,
            read_database_url: None,
            search_concurrency: default_search_concurrency(),
        }
    }
}

/// Twice the cores this process may use. A search is CPU work from start to end: with more
/// running at once than there are cores, every one of them is stretched by the others, and the
/// longest (a question of eight words) took the 99th percentile with it. Measured over HTTP on
/// 2 cores at 16 connections with the 1M national set (`bench/http.sh`, the mixed class), two
/// runs each: all 16 at once 1,800/s with p99 31.5 ms; at most 4, 1,548–1,768/s with p99
/// 15.7–21.0 ms; at most 6, 1,725–1,792/s with p99 22.6–23.6 ms.
pub fn default_search_concurrency() -> usize {
    std::thread::available_parallelism().map_or(2, |cores| cores.get()) * 2
}

/// Connections each replica keeps to a shared PostgreSQL (SQLite's pool is set in the store).
const POSTGRES_CONNECTIONS: u32 = 16;

/// The search index directory inside the data directory.
pub const INDEX_DIR: &str = "index";

/// Memory for the server's index writer (a change touches a handful of documents).
const WRITER_MEMORY_BYTES: usize = 50_000_000;

/// The places and the LSOA population-weighted points derived from them, replaced together.
#[derive(Debug, Clone)]
pub struct Geography {
    pub places: Arc<PlaceIndex>,
    pub population_points: Arc<PopulationPoints>,
}

impl Directory {
    /// Opens the directory in `data_dir`, creating and seeding it on first use.
    ///
    /// A data directory that is not a directory database, or that holds data from a seed that
    /// never completed, is refused with [`Error::DataDir`]: it is never reseeded over.
    pub async fn open(data_dir: &Path) -> Result<Directory> {
        Directory::open_with_options(data_dir, DirectoryOptions::default()).await
    }

    /// Opens the directory as [`Directory::open`] does, running as `options` say.
    pub async fn open_with_options(data_dir: &Path, options: DirectoryOptions) -> Result<Directory> {
        Directory::open_with(data_dir, true, options).await
    }

    /// Opens the directory as [`Directory::open`] does, but leaves the search index as it
    /// finds it and does not follow the change log, for a caller about to rebuild it (`indexer
    /// reindex`): a missing index would otherwise be built on opening and then all over again,
    /// or be fed the whole change log while the rebuild reads.
    pub async fn open_to_rebuild_index(data_dir: &Path) -> Result<Directory> {
        Directory::open_to_rebuild_index_with(data_dir, DirectoryOptions::default()).await
    }

    /// [`Directory::open_to_rebuild_index`] with `options` (a shared database, say).
    pub async fn open_to_rebuild_index_with(data_dir: &Path, options: DirectoryOptions) -> Result<Directory> {
        Directory::open_with(data_dir, false, options).await
    }

    async fn open_with(data_dir: &Path, bring_index_up_to_date: bool, options: DirectoryOptions) -> Result<Directory> {
        let data_dir_error = |reason: String| Error::DataDir {
            path: data_dir.to_path_buf(),
            reason,
        };
        std::fs::create_dir_all(data_dir).map_err(|e| data_dir_error(format!("cannot create it: {e}")))?;
        let (store, database) = match &options.database_url {
            Some(url) => {
                let store = Store::connect_postgres(url, POSTGRES_CONNECTIONS).await.map_err(|e| {
                    data_dir_error(format!(
                        "cannot connect to the PostgreSQL database: {}",
                        source_text(&e)
                    ))
                })?;
                let store = match &options.read_database_url {
                    Some(read_url) => store
                        .with_read_database(read_url, POSTGRES_CONNECTIONS)
                        .await
                        .map_err(|e| {
                            data_dir_error(format!(
                                "cannot connect to the PostgreSQL read database: {}",
                                source_text(&e)
                            ))
                        })?,
                    None => store,
                };
                (store, Path::new("the PostgreSQL database").to_path_buf())
            }
            None => {
                let database = data_dir.join(DATABASE_FILE);
                let store = Store::open(&database).await.map_err(|e| {
                    data_dir_error(format!(
                        "{} is not a usable directory database: {}",
                        database.display(),
                        source_text(&e)
                    ))
                })?;
                (store, database)
            }
        };
        // Replicas starting together against one PostgreSQL: one migrates and seeds, the others
        // wait here and then find it done (SQLite: one process, nothing to wait for).
        let first_start = store.first_start_lock().await?;
        if store.belongs_to_another_application().await? {
            return Err(data_dir_error(format!(
                "{} is another application's database (it has tables but was never a directory's); use another data directory",
                database.display()
            )));
        }
        store.migrate().await.map_err(|e| {
            data_dir_error(format!(
                "{} is not a usable directory database: {}",
                database.display(),
                source_text(&e)
            ))
        })?;
        store.restore_deferred_indexes().await?;
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
        drop(first_start);
        let geography_generation = store.geography_generation().await?;
        let places = PlaceIndex::build(store.all_places().await?).map_err(|e| data_dir_error(e.to_string()))?;
        if places.is_empty() {
            return Err(data_dir_error("it holds no places".into()));
        }
        let population_points = PopulationPoints::load(&store, &places).await?;
        let geography = Geography {
            places: Arc::new(places),
            population_points: Arc::new(population_points),
        };
        // The index is derived from the database: one that cannot be opened or brought up to
        // date (a `kill -9` in the middle of a commit can leave files tantivy then refuses to
        // overwrite) is rebuilt from the database rather than refused.
        let index_dir = data_dir.join(INDEX_DIR);
        let search = match open_index(&store, &geography, &index_dir, bring_index_up_to_date).await {
            Ok(search) => search,
            Err(error) => {
                tracing::warn!(%error, index = %index_dir.display(), "search index unusable; rebuilding it from the database");
                std::fs::remove_dir_all(&index_dir)
                    .map_err(|e| data_dir_error(format!("cannot remove the unusable search index: {e}")))?;
                open_index(&store, &geography, &index_dir, bring_index_up_to_date)
                    .await
                    .map_err(|e| data_dir_error(format!("search index cannot be rebuilt: {e} {e:?}")))?
            }
        };
        let postcodes = PostcodeTable::from_records(store.all_postcodes().await?);
        let directory = Directory {
            postcodes: Arc::new(RwLock::new(Arc::new(postcodes))),
            gap_candidates: Arc::default(),
            public_link_count: Arc::default(),
            public_organization_count: Arc::default(),
            store,
            geography: Arc::new(RwLock::new(geography)),
            search: Arc::new(search),
            data_dir: data_dir.to_path_buf(),
            geography_generation: Arc::new(tokio::sync::Mutex::new(geography_generation)),
            database_check: Arc::default(),
            search_slots: Arc::new(tokio::sync::Semaphore::new(options.search_concurrency.max(1))),
            options,
        };
        if bring_index_up_to_date {
            tokio::spawn(search_sync::follow(directory.clone()));
            tokio::spawn(crate::areas::follow::follow(directory.clone()));
        }
        Ok(directory)
    }

    /// How this directory was opened to run.
    pub fn options(&self) -> &DirectoryOptions {
        &self.options
    }

    /// The search index (derived from the store).
    pub fn search_index(&self) -> &Arc<SearchIndex> {
        &self.search
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

    /// A snapshot of the place index; it stays valid if the places are replaced meanwhile.
    pub fn places(&self) -> Arc<PlaceIndex> {
        self.geography().places
    }

    /// A snapshot of the places with their population-weighted points.
    pub fn geography(&self) -> Geography {
        match self.geography.read() {
            Ok(geography) => geography.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Swaps in new places (after they were written to the store).
    pub(crate) fn replace_geography(&self, geography: Geography) {
        match self.geography.write() {
            Ok(mut current) => *current = geography,
            Err(poisoned) => *poisoned.into_inner() = geography,
        }
    }

    /// Whether the store is a database several replicas share (PostgreSQL): while it is
    /// unreachable, a replica still answers searches from its own index.
    pub fn shares_its_database(&self) -> bool {
        self.store.backend() == crate::store::Backend::Postgres
    }

    /// Whether the database answers (a trivial statement, no table read): for health checks.
    pub async fn ping(&self) -> Result<()> {
        self.store.ping().await
    }

    /// The principal a bearer token belongs to; `Unauthenticated` for unknown or revoked tokens.
    pub async fn authenticate(&self, token: &str) -> Result<crate::accounts::Principal> {
        self.store.authenticate(token).await
    }

    /// Releases the search index (stopping the change-log follower) and closes the database.
    pub async fn close(&self) {
        let search = self.search.clone();
        let _ = tokio::task::spawn_blocking(move || search.release_writer()).await;
        self.store.close().await;
    }

    /// Every service gap detection may count, as of the newest change-log position: read whole
    /// once, then only the services later changes name (see [`crate::gaps::cache`]).
    pub async fn gap_candidates(&self) -> Result<Arc<crate::gaps::cache::Candidates>> {
        self.gap_candidates.candidates(&self.store).await
    }

    /// How many service-at-location links the public sees, counted once per change-log
    /// position (every change to a listing, venue or boundary appends to the log).
    pub async fn public_link_count(&self) -> Result<i64> {
        self.count_at_newest_change(&self.public_link_count, || {
            self.store.count_public_service_at_locations()
        })
        .await
    }

    /// How many organisations the public sees, counted once per change-log position.
    pub async fn public_organization_count(&self) -> Result<i64> {
        self.count_at_newest_change(&self.public_organization_count, || {
            self.store.count_public_organizations()
        })
        .await
    }

    /// `cache`'s count if it was made at the newest change-log position, else `count()` (kept
    /// for that position). Callers wait on the lock for one count rather than each counting.
    async fn count_at_newest_change<F, C>(
        &self,
        cache: &tokio::sync::Mutex<Option<(i64, i64)>>,
        count: C,
    ) -> Result<i64>
    where
        C: FnOnce() -> F,
        F: std::future::Future<Output = Result<i64>>,
    {
        let mut cached = cache.lock().await;
        let seq = self.store.last_change_seq().await?;
        if let Some((counted_at, counted)) = *cached {
            if counted_at == seq {
                return Ok(counted);
            }
        }
        let counted = count().await?;
        *cached = Some((seq, counted));
        Ok(counted)
    }

    /// A place by code, or `NOT_FOUND`.
    pub fn place(&self, code: &PlaceCode) -> Result<Place> {
        self.places()
            .get(code)
            .cloned()
            .ok_or_else(|| Error::not_found("place", code.as_str()))
    }

    /// Every place containing the point, largest first.
    pub fn places_at(&self, point: GeoPoint) -> Vec<Place> {
        self.places().containing(point).into_iter().cloned().collect()
    }

    /// A postcode's point and places; `NOT_FOUND` for a postcode outside every loaded area.
    pub async fn postcode(&self, postcode: &Postcode) -> Result<PostcodeRecord> {
        self.postcode_table()
            .get(postcode)
            .ok_or_else(|| Error::not_found("postcode", postcode.as_str()))
    }

    /// A snapshot of the postcode table.
    pub fn postcode_table(&self) -> Arc<PostcodeTable> {
        match self.postcodes.read() {
            Ok(table) => table.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// How many postcodes the directory knows.
    pub fn postcode_count(&self) -> usize {
        self.postcode_table().len()
    }

    /// Swaps in a new postcode table (after postcodes were written to the store).
    pub(crate) fn replace_postcodes(&self, table: PostcodeTable) {
        match self.postcodes.write() {
            Ok(mut current) => *current = Arc::new(table),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(table),
        }
    }

    /// An organisation by id: public ones for everyone, hidden ones (pending review, rejected,
    /// archived) only for its editors and moderators; `NOT_FOUND` otherwise.
    pub async fn organization(&self, viewer: &Viewer, id: Uuid) -> Result<Organization> {
        self.store
            .organization(id)
            .await?
            .filter(|o| o.state.is_public() || viewer.can_edit(Some(o.id)))
            .ok_or_else(|| Error::not_found("organization", id.to_string()))
    }

    /// A service by id, visible as [`Directory::organization`] is.
    pub async fn service(&self, viewer: &Viewer, id: Uuid) -> Result<Service> {
        self.store
            .service(id)
            .await?
            .filter(|s| s.state.is_public() || viewer.can_edit(Some(s.organization_id)))
            .ok_or_else(|| Error::not_found("service", id.to_string()))
    }

    /// A fund by id, visible as [`Directory::organization`] is.
    pub async fn fund(&self, viewer: &Viewer, id: Uuid) -> Result<Fund> {
        self.store
            .fund(id)
            .await?
            .filter(|f| f.state.is_public() || viewer.can_edit(f.funder_organization_id))
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
        let place = self.place_scope(place)?;
        self.store
            .services_page(&ServiceFilter { need, place }, first, after)
            .await
    }

    /// A known place with the codes of the places overlapping it (what a list page filtered by
    /// place asks the store or the index for); `NOT_FOUND` for an unknown code.
    pub(crate) fn place_scope(&self, place: Option<&PlaceCode>) -> Result<Option<PlaceScope>> {
        place
            .map(|code| {
                self.place(code)?;
                Ok(PlaceScope {
                    code: code.clone(),
                    overlapping_codes: self.places().overlapping_codes(code),
                })
            })
            .transpose()
    }

    /// Funds for a need whose beneficiary area overlaps the place (all funds if both are `None`).
    pub async fn funds(&self, place: Option<&PlaceCode>, need: Option<NeedCode>) -> Result<Vec<Fund>> {
        let overlapping = place
            .map(|code| {
                self.place(code)?;
                Ok::<_, Error>(self.places().overlapping_codes(code))
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

/// Opens the search index in `dir` and, when asked, applies the change log it has not seen
/// (building it whole when it is new).
async fn open_index(store: &Store, geography: &Geography, dir: &Path, bring_up_to_date: bool) -> Result<SearchIndex> {
    let (search, indexed_seq) = SearchIndex::open(dir, WRITER_MEMORY_BYTES)?;
    if bring_up_to_date {
        search_sync::bring_up_to_date(store, &geography.places, &search, indexed_seq).await?;
    }
    Ok(search)
}
