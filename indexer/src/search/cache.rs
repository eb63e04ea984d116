//! Hydration caches: the listings search results show (services with their schedules and areas,
//! organisations, funds), and the services signposting ranks (with their venues and schedules),
//! kept in memory so a page of results or a shortlist costs no database round trips once its
//! listings have been seen.
//!
//! The index writer empties the entries of every listing it re-indexes, from the same change
//! log, so the cache is never staler than the index. A read that started before an invalidation
//! does not store what it read (the generation moved on). Only a process that applies the change
//! log (holds the index writer) uses the cache.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use uuid::Uuid;

use super::hits::Asset;
use crate::domain::{NeedCode, PlaceCode, Schedule, Service};
use crate::error::Result;
use crate::store::feed::Venue;

/// Entries kept before the cache starts again (a service with its schedules is a few KB).
const CAPACITY: usize = 50_000;

/// A public listing as a search result needs it.
#[derive(Debug, Clone)]
pub struct CachedAsset {
    pub asset: Asset,
    /// A service's schedules.
    pub schedules: Vec<Schedule>,
    /// Areas served: a service's, or those of an organisation's services.
    pub areas: Vec<PlaceCode>,
    /// An organisation's services' needs (a service's and a fund's are on the asset).
    pub needs: Vec<NeedCode>,
}

/// A public service as signposting ranks it: where it meets and when.
#[derive(Debug, Clone)]
pub struct CachedService {
    pub service: Service,
    pub venues: Vec<Venue>,
    pub schedules: Vec<Schedule>,
}

/// What a cache entry is keyed by: its listing's id.
pub trait Keyed {
    fn id(&self) -> Uuid;
}

impl Keyed for CachedAsset {
    fn id(&self) -> Uuid {
        match &self.asset {
            Asset::Service(service) => service.id,
            Asset::Organization(organization) => organization.id,
            Asset::Fund(fund) => fund.id,
        }
    }
}

impl Keyed for CachedService {
    fn id(&self) -> Uuid {
        self.service.id
    }
}

#[derive(Debug)]
pub struct ListingCache<T> {
    entries: Mutex<HashMap<Uuid, Arc<T>>>,
    generation: AtomicU64,
    /// Listings asked for and found, and asked for and read from the store, since start
    /// (operators' `/metrics` turn them into a hit rate).
    hits: AtomicU64,
    misses: AtomicU64,
}

/// How often a cache had what was asked for, since the process started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheCounts {
    pub hits: u64,
    pub misses: u64,
}

impl<T> Default for ListingCache<T> {
    fn default() -> Self {
        ListingCache {
            entries: Mutex::new(HashMap::new()),
            generation: AtomicU64::new(0),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }
}

impl<T> ListingCache<T> {
    /// Hits and misses since the process started.
    pub fn counts(&self) -> CacheCounts {
        CacheCounts {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
        }
    }
}

impl<T: Keyed> ListingCache<T> {
    /// The cached entries among `ids`, and the ids to read from the store.
    pub fn get_many(&self, ids: &[Uuid]) -> (Vec<Arc<T>>, Vec<Uuid>) {
        let entries = self.lock();
        let mut found = Vec::with_capacity(ids.len());
        let mut missing = Vec::new();
        for id in ids {
            match entries.get(id) {
                Some(entry) => found.push(entry.clone()),
                None => missing.push(*id),
            }
        }
        self.hits.fetch_add(found.len() as u64, Ordering::Relaxed);
        self.misses.fetch_add(missing.len() as u64, Ordering::Relaxed);
        (found, missing)
    }

    /// The entries for `ids`, in no particular order: cached ones, and the rest from `read`
    /// (stored for next time unless something was invalidated meanwhile). With no cache (a
    /// process that does not apply the change log), everything is read.
    pub async fn get_or_read<Read, Reading>(cache: Option<&Self>, ids: &[Uuid], read: Read) -> Result<Vec<Arc<T>>>
    where
        Read: FnOnce(Vec<Uuid>) -> Reading,
        Reading: Future<Output = Result<Vec<Arc<T>>>>,
    {
        let Some(cache) = cache else {
            return read(ids.to_vec()).await;
        };
        let (mut entries, missing) = cache.get_many(ids);
        if !missing.is_empty() {
            let generation = cache.generation();
            let fresh = read(missing).await?;
            cache.insert_many(fresh.iter().cloned(), generation);
            entries.extend(fresh);
        }
        Ok(entries)
    }

    /// The generation to pass to [`AssetCache::insert_many`] for what is read from now on.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Stores entries read at `generation`, unless something was invalidated since.
    pub fn insert_many(&self, entries: impl IntoIterator<Item = Arc<T>>, generation: u64) {
        let mut cached = self.lock();
        if self.generation() != generation {
            return;
        }
        if cached.len() > CAPACITY {
            cached.clear();
        }
        for entry in entries {
            cached.insert(entry.id(), entry);
        }
    }

    /// Forgets these listings (they changed).
    pub fn invalidate<'a>(&self, ids: impl IntoIterator<Item = &'a Uuid>) {
        let mut cached = self.lock();
        self.generation.fetch_add(1, Ordering::SeqCst);
        for id in ids {
            cached.remove(id);
        }
    }

    /// Forgets everything (the index was rebuilt).
    pub fn clear(&self) {
        let mut cached = self.lock();
        self.generation.fetch_add(1, Ordering::SeqCst);
        cached.clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Arc<T>>> {
        match self.entries.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}
