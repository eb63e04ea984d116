//! Keeping the index in step with the database: a full rebuild, and catching up with the
//! change log (after a restart, and continuously while the server runs).

use std::collections::{BTreeSet, HashMap};

use chrono::Utc;
use tracing::{info, warn};
use uuid::Uuid;

use super::document::{AssetDocument, DocumentBuilder, OrganizationServices};
use super::spill::{order_key, Spill};
use super::SearchIndex;
use crate::error::Result;
use crate::places::PlaceIndex;
use crate::store::feed::ChangeKind;
use crate::store::Store;

/// Change-log rows applied per index commit.
const CATCH_UP_BATCH: i64 = 1_000;

/// Services read per batch by a rebuild.
const REBUILD_BATCH: usize = 2_000;

/// Batches a rebuild reads at once, ahead of the one it turns into documents.
const READS_AHEAD: usize = 2;

/// Service documents a rebuild sorts in memory at once before setting them aside ([`Spill`]),
/// and adds to the index at once: some tens of megabytes.
const SPILL_RUN_DOCUMENTS: usize = 25_000;

/// How far a rebuild has come: services read (and set aside), then documents added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RebuildProgress {
    /// Services read from the database so far.
    Read(u64),
    /// Documents added to the new index so far (services, then organisations and funds).
    Added(u64),
}

/// Service documents made by whoever wrote the listings (a bulk import, as it wrote each
/// chunk), set aside for the rebuild that follows, each with its listing's change-log position
/// (`feed_seq`) when it was made. The rebuild indexes those whose listing is still public at
/// that position without reading them back, and reads the rest.
pub struct Premade {
    spill: Spill,
    /// Each document's service and position, in the order they came.
    seqs: Vec<(Uuid, i64)>,
}

impl Premade {
    /// An empty set, set aside beside `index`.
    pub fn new(index: &SearchIndex) -> Result<Premade> {
        Ok(Premade {
            spill: Spill::new(index.scratch_dir(), SPILL_RUN_DOCUMENTS)?,
            seqs: Vec::new(),
        })
    }

    /// Sets aside the document of a service written at change-log position `seq`. Its
    /// organisation's name is filled in by the rebuild (it may change meanwhile).
    pub fn add(&mut self, document: &AssetDocument, seq: i64) -> Result<()> {
        self.spill.push(document)?;
        self.seqs.push((document.id, seq));
        Ok(())
    }

    /// Leaves these services' documents out: the rebuild reads them (something they were made
    /// from changed, which their own change-log position does not show).
    pub fn forget(&mut self, services: &[Uuid]) {
        let forgotten: std::collections::HashSet<&Uuid> = services.iter().collect();
        self.seqs.retain(|(id, _)| !forgotten.contains(id));
    }

    /// How many documents are set aside.
    pub fn count(&self) -> usize {
        self.seqs.len()
    }
}

/// Rebuilds the whole index from the database. `progress` hears how far it has come.
pub async fn rebuild(
    store: &Store,
    places: &PlaceIndex,
    index: &SearchIndex,
    progress: impl FnMut(RebuildProgress),
) -> Result<u64> {
    rebuild_with(store, places, index, None, async {}, progress).await
}

/// Rebuilds the whole index from the database and the documents `premade` holds: a service
/// whose listing's change-log position is still the one its premade document was made at is
/// not read again. `progress` hears how far it has come.
///
/// Services are read a batch at a time in id order, the order of the tables' keys, so that
/// each batch reads neighbouring pages (read in the index's order, every service cost the
/// database pages of its own). The index wants them in the order of their venues on the cells'
/// Z-order curve (near listings get near document ids, so radius searches read fewer, longer
/// stretches), so their documents are set aside on disk meanwhile ([`Spill`]), sorted, and
/// added in that order a run at a time. Only what their organisations' documents need is kept
/// in memory, so memory stays flat however many listings there are. Organisations and funds
/// follow.
///
/// The premade documents go in first, in their own stretch of the order, while `reads_after`
/// completes: a bulk load builds its tables' indexes meanwhile, which reading services needs
/// (without, each would scan tables). The services read follow, in a stretch of their own.
/// At a million services, reading them was about half a rebuild's time (45 of 85 s).
pub async fn rebuild_with(
    store: &Store,
    places: &PlaceIndex,
    index: &SearchIndex,
    premade: Option<Premade>,
    reads_after: impl std::future::Future<Output = ()>,
    mut progress: impl FnMut(RebuildProgress),
) -> Result<u64> {
    let seq = store.last_change_seq().await?;
    let mut replacement = index.begin_replacement()?;
    // Each read by its key, with no other index.
    let public = store.public_service_seqs().await?;
    let organization_rows = store.organizations_by_ids(None).await?;
    let names: HashMap<Uuid, &str> = organization_rows
        .iter()
        .map(|organization| (organization.id, organization.name.as_str()))
        .collect();
    let mut organizations: HashMap<Uuid, OrganizationServices> = HashMap::new();
    let mut add = |mut documents: Vec<AssetDocument>| {
        for document in &mut documents {
            if let Some(owner) = document.owner {
                if let Some(name) = names.get(&owner) {
                    (*name).clone_into(&mut document.organization);
                }
                organizations.entry(owner).or_default().add(document);
            }
        }
        replacement.add(&documents)
    };
    // The premade documents still true go in; the public services without one are read.
    let ids: Vec<Uuid> = match premade {
        Some(Premade { spill, mut seqs }) => {
            seqs.sort_unstable();
            let (mut fresh, mut stale): (Vec<Uuid>, Vec<Uuid>) = (Vec::new(), Vec::new());
            for (id, seq) in public {
                if seqs.binary_search(&(id, seq)).is_ok() {
                    fresh.push(id);
                } else {
                    stale.push(id);
                }
            }
            drop(seqs);
            info!(
                premade = fresh.len(),
                to_read = stale.len(),
                "search index rebuild: services to index"
            );
            spill.drain(
                SPILL_RUN_DOCUMENTS,
                |document| fresh.binary_search(&document.id).is_ok(),
                |documents| {
                    progress(RebuildProgress::Added(add(documents)?));
                    Ok(())
                },
            )?;
            stale
        }
        None => public.into_iter().map(|(id, _)| id).collect(),
    };
    reads_after.await;
    let builder = DocumentBuilder { places };
    let mut spill = Spill::new(index.scratch_dir(), SPILL_RUN_DOCUMENTS)?;
    // The next batches are read (each by a connection's own SQLite thread) while this one's
    // documents are made.
    let read = |batch: &[Uuid]| {
        let (store, ids) = (store.clone(), batch.to_vec());
        tokio::spawn(async move { store.service_feed(Some(&ids)).await })
    };
    let mut batches = ids.chunks(REBUILD_BATCH);
    let mut reading: std::collections::VecDeque<_> = batches.by_ref().take(READS_AHEAD).map(read).collect();
    while let Some(next) = reading.pop_front() {
        let feed = next
            .await
            .map_err(|error| crate::Error::Index(format!("reading services to index: {error}")))??;
        reading.extend(batches.next().map(read));
        for document in builder.services(&feed) {
            spill.push(&document)?;
        }
        progress(RebuildProgress::Read(spill.count() as u64));
    }
    info!(services = spill.count(), "search index rebuild: services read");
    spill.drain(
        SPILL_RUN_DOCUMENTS,
        |_| true,
        |documents| {
            progress(RebuildProgress::Added(add(documents)?));
            Ok(())
        },
    )?;
    let mut documents: Vec<AssetDocument> = organization_rows
        .iter()
        .map(|organization| {
            let services = organizations.remove(&organization.id).unwrap_or_default();
            services.document(organization)
        })
        .collect();
    for fund in store.funds_by_ids(None).await? {
        documents.push(builder.fund(&fund));
    }
    documents.sort_by_cached_key(order_key);
    progress(RebuildProgress::Added(replacement.add(&documents)?));
    // The commit merges every segment into one: seconds at national scale.
    let added = off_the_runtime(|| replacement.commit(seq))?;
    info!(documents = added, seq, "search index rebuilt");
    Ok(added)
}

/// Applies every change-log row the index has not seen. Returns how many rows were applied.
pub async fn catch_up(store: &Store, places: &PlaceIndex, index: &SearchIndex) -> Result<usize> {
    catch_up_in_batches(store, places, index, CATCH_UP_BATCH).await
}

/// [`catch_up`] with `batch` change-log rows an index commit: what a bulk import that changed
/// listings runs at its end (with the follower paused), so the run returns searchable. A
/// changed listing brings its organisation's services along, so a big batch can hold far more
/// documents than changes (memory grows with it).
pub async fn catch_up_in_batches(store: &Store, places: &PlaceIndex, index: &SearchIndex, batch: i64) -> Result<usize> {
    let mut applied = 0;
    loop {
        let changes = store.changes_after(index.applied_seq(), batch).await?;
        let Some(last) = changes.last().map(|change| change.seq) else {
            return Ok(applied);
        };
        let ids_of = |kind: ChangeKind| -> Vec<Uuid> {
            changes
                .iter()
                .filter(|c| c.kind == kind)
                .map(|c| c.id)
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect()
        };
        let (documents, removed) = documents_for(
            store,
            places,
            index,
            &ids_of(ChangeKind::Service),
            &ids_of(ChangeKind::Organization),
            &ids_of(ChangeKind::Fund),
        )
        .await?;
        off_the_runtime(|| index.apply(&documents, &removed, last))?;
        applied += changes.len();
    }
}

/// Runs index writes (a commit, a merge) that block for milliseconds to seconds without
/// holding up the async runtime's other tasks: on a multi-threaded runtime (the server) its
/// worker hands them to another thread first; a current-thread runtime (tests, the command
/// line) has no other worker to hand them to, and runs them as they are.
fn off_the_runtime<T>(write: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current().map(|handle| handle.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(write),
        _ => write(),
    }
}

/// Fresh documents for changed listings (a service's organisation changes with it, and an
/// organisation's services carry its name), and the ids no longer to be found.
///
/// An organisation's document gathers its services' needs, venues and areas, so remaking it
/// means reading all its services. That is done only when a changed service's part in it
/// changed ([`OrganizationServices::part_of`] against what the index holds): a new or removed
/// service, new needs, another venue. An edit of a description or a name leaves it as it is.
async fn documents_for(
    store: &Store,
    places: &PlaceIndex,
    index: &SearchIndex,
    service_ids: &[Uuid],
    organization_ids: &[Uuid],
    fund_ids: &[Uuid],
) -> Result<(Vec<AssetDocument>, Vec<Uuid>)> {
    let builder = DocumentBuilder { places };
    // Services whose documents change: those changed, and those of changed organisations.
    let mut reindexed: BTreeSet<Uuid> = service_ids.iter().copied().collect();
    reindexed.extend(store.service_ids_of_organizations(organization_ids).await?);
    let reindexed_ids: Vec<Uuid> = reindexed.iter().copied().collect();
    let feed = store.service_feed(Some(&reindexed_ids)).await?;
    let mut documents = builder.services(&feed);

    let mut organizations: BTreeSet<Uuid> = organization_ids.iter().copied().collect();
    let held = index.organization_parts(service_ids)?;
    let made: HashMap<Uuid, u64> = documents
        .iter()
        .map(|doc| (doc.id, OrganizationServices::part_of(doc)))
        .collect();
    let owners: HashMap<Uuid, Uuid> = feed.services.iter().map(|s| (s.id, s.organization_id)).collect();
    let unread: Vec<Uuid> = service_ids
        .iter()
        .filter(|id| !owners.contains_key(id))
        .copied()
        .collect();
    let mut gone_owners: HashMap<Uuid, Uuid> = HashMap::new();
    if !unread.is_empty() {
        // Removed or unpublished: read for their organisation (which loses their part).
        for service in store.services_by_ids(&unread, true).await? {
            gone_owners.insert(service.id, service.organization_id);
        }
    }
    for id in service_ids {
        if held.get(id) != made.get(id) {
            organizations.extend(owners.get(id).or(gone_owners.get(id)));
        }
    }
    let organizations: Vec<Uuid> = organizations.into_iter().collect();
    if !organizations.is_empty() {
        // Their other services, read only to make the organisations' documents (those of the
        // changed organisations are all reindexed already).
        let others: Vec<Uuid> = organizations
            .iter()
            .filter(|id| !organization_ids.contains(id))
            .copied()
            .collect();
        let siblings: Vec<Uuid> = store
            .service_ids_of_organizations(&others)
            .await?
            .into_iter()
            .filter(|id| !reindexed.contains(id))
            .collect();
        let mut gathered = builder.services(&store.service_feed(Some(&siblings)).await?);
        gathered.extend(documents.iter().cloned());
        let organization_rows = store.organizations_by_ids(Some(&organizations)).await?;
        documents.extend(builder.organizations(&organization_rows, &gathered));
    }
    for fund in store.funds_by_ids(Some(fund_ids)).await? {
        documents.push(builder.fund(&fund));
    }
    let present: BTreeSet<Uuid> = documents.iter().map(|doc| doc.id).collect();
    let removed = reindexed
        .iter()
        .chain(&organizations)
        .chain(fund_ids)
        .filter(|id| !present.contains(id))
        .copied()
        .collect();
    Ok((documents, removed))
}

/// Brings an opened index up to date: rebuilds it when it holds nothing usable (`seq` is
/// `None`), else applies the change log since its last commit.
pub async fn bring_up_to_date(store: &Store, places: &PlaceIndex, index: &SearchIndex, seq: Option<i64>) -> Result<()> {
    if !index.is_writable() {
        info!("another process holds the search index and keeps it up to date; opened read-only");
        return Ok(());
    }
    match seq {
        None => {
            rebuild(store, places, index, |_| {}).await?;
        }
        Some(seq) => {
            let applied = catch_up(store, places, index).await?;
            if applied > 0 {
                info!(from = seq, applied, "search index caught up with the change log");
            }
        }
    }
    Ok(())
}

/// Indexes (by address) whose follower a bulk import has paused; one entry per pause.
static PAUSED: std::sync::Mutex<Vec<usize>> = std::sync::Mutex::new(Vec::new());

/// While held, the change-log follower of this index waits (a bulk import writes many
/// listings and rebuilds the index once at the end, rather than have the follower read them
/// as they land). Dropping it resumes the follower.
#[derive(Debug)]
pub struct FollowPause {
    key: usize,
}

/// Pauses `index`'s follower until the returned guard is dropped.
pub fn pause_following(index: &std::sync::Arc<SearchIndex>) -> FollowPause {
    let key = std::sync::Arc::as_ptr(index) as usize;
    PAUSED.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(key);
    FollowPause { key }
}

impl Drop for FollowPause {
    fn drop(&mut self) {
        let mut paused = PAUSED.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(at) = paused.iter().position(|key| *key == self.key) {
            paused.swap_remove(at);
        }
    }
}

fn is_paused(index: &std::sync::Arc<SearchIndex>) -> bool {
    let key = std::sync::Arc::as_ptr(index) as usize;
    PAUSED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .contains(&key)
}

/// How often the follower looks at the change log, unless the directory's options say
/// otherwise ([`crate::DirectoryOptions::follow_interval`]).
pub const FOLLOW_INTERVAL: std::time::Duration = std::time::Duration::from_millis(200);

/// The least time from one catch-up to the next when changes keep coming (well inside the
/// one second in which a change is to be searchable).
const FOLLOW_GATHER: std::time::Duration = std::time::Duration::from_millis(250);

/// The environment variable the API's configuration reads the follow interval from, in
/// milliseconds (`--index-follow-interval-ms`; the crash-recovery test sets it high, so a change
/// is in the database but not yet in the index when the process dies).
pub const FOLLOW_INTERVAL_ENV: &str = "INDEX_FOLLOW_INTERVAL_MS";

/// Follows the change log for as long as the runtime runs, so a committed change is searchable
/// within a second whichever process wrote it. On a shared PostgreSQL, a write's notice wakes
/// the follower at once ([`listen_for_changes`]); polling every interval stays the fallback.
pub async fn follow(directory: crate::Directory) {
    let (store, index) = (directory.store().clone(), directory.search_index().clone());
    if !index.is_writable() {
        return;
    }
    let wake = std::sync::Arc::new(tokio::sync::Notify::new());
    tokio::spawn(listen_for_changes(directory.clone(), wake.clone()));
    let mut interval = tokio::time::interval(directory.options().follow_interval);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = interval.tick() => {}
            () = wake.notified() => {}
        }
        if !index.is_writable() {
            return; // the directory was closed
        }
        if is_paused(&index) {
            continue; // a bulk import writes; it rebuilds the index or resumes us when done
        }
        match store.last_change_seq().await {
            Ok(newest) if newest > index.applied_seq() => {
                let started = tokio::time::Instant::now();
                if let Err(error) = catch_up(&store, &directory.places(), &index).await {
                    warn!(?error, at = %Utc::now(), "search index could not follow the change log; will retry");
                }
                // Under many writes a notice arrives for nearly every change: gathering what
                // arrives meanwhile into the next commit keeps the index from making (and then
                // merging) a segment per change. A notice that came meanwhile is kept.
                tokio::time::sleep_until(started + FOLLOW_GATHER).await;
            }
            Ok(_) => {}
            Err(error) => warn!(?error, "change log unreadable; will retry"),
        }
    }
}

/// Wakes the follower on each notice that another writer's change committed (PostgreSQL's
/// LISTEN/NOTIFY; nothing on SQLite). Ends when the directory closes.
async fn listen_for_changes(directory: crate::Directory, wake: std::sync::Arc<tokio::sync::Notify>) {
    let index = directory.search_index().clone();
    let mut listener = match directory.store().change_listener().await {
        Ok(Some(listener)) => listener,
        Ok(None) => return,
        Err(error) => {
            warn!(?error, "cannot listen for change notices; following by polling alone");
            return;
        }
    };
    while index.is_writable() {
        match listener.recv().await {
            Ok(_notice) => wake.notify_one(),
            // Closing the directory closes its pool, which ends the wait.
            Err(sqlx::Error::PoolClosed) => return,
            Err(error) => {
                warn!(?error, "change notices interrupted; reconnecting (polling meanwhile)");
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
        }
    }
}
