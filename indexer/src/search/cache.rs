//! Hydration cache: the listings search results show (services with their schedules and areas,
//! organisations, funds), kept in memory so a page of results costs no database round trips
//! once its listings have been seen.
//!
//! The index writer empties the entries of every listing it re-indexes, from the same change
//! log, so the cache is never staler than the index. A read that started before an invalidation
//! does not store what it read (the generation moved on). Only a process that applies the change
//! log (holds the index writer) uses the cache.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use uuid::Uuid;

use super::hits::Asset;
use crate::domain::{PlaceCode, Schedule};

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
}

impl CachedAsset {
    pub fn id(&self) -> Uuid {
        match &self.asset {
            Asset::Service(service) => service.id,
            Asset::Organization(organization) => organization.id,
            Asset::Fund(fund) => fund.id,
        }
    }
}

#[derive(Debug, Default)]
pub struct AssetCache {
    entries: Mutex<HashMap<Uuid, Arc<CachedAsset>>>,
    generation: AtomicU64,
}

impl AssetCache {
    /// The cached entries among `ids`, and the ids to read from the store.
    pub fn get_many(&self, ids: &[Uuid]) -> (Vec<Arc<CachedAsset>>, Vec<Uuid>) {
        let entries = self.lock();
        let mut found = Vec::with_capacity(ids.len());
        let mut missing = Vec::new();
        for id in ids {
            match entries.get(id) {
                Some(entry) => found.push(entry.clone()),
                None => missing.push(*id),
            }
        }
        (found, missing)
    }

    /// The generation to pass to [`AssetCache::insert_many`] for what is read from now on.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Stores entries read at `generation`, unless something was invalidated since.
    pub fn insert_many(&self, entries: impl IntoIterator<Item = Arc<CachedAsset>>, generation: u64) {
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

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Arc<CachedAsset>>> {
        match self.entries.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}
