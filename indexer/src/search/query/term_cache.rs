//! What a search reads once per term and segment and keeps between searches (a term's highest
//! frequencies, a common word's documents). A segment never changes, so an entry lasts as long
//! as its segment: entries of segments a new searcher no longer has are dropped, and the cache
//! starts again when its entries outweigh its budget.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use tantivy::index::SegmentId;
use tantivy::{Searcher, SegmentReader, Term};

/// Values per term and segment, each with a weight (an entry, or its bytes) against a budget.
pub struct SegmentTermCache<V> {
    budget: usize,
    entries: Mutex<Entries<V>>,
}

struct Entries<V> {
    generation: u64,
    weight: usize,
    by_term: HashMap<(SegmentId, Term), (V, usize)>,
}

impl<V> std::fmt::Debug for SegmentTermCache<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SegmentTermCache")
            .field("budget", &self.budget)
            .finish_non_exhaustive()
    }
}

impl<V: Clone> SegmentTermCache<V> {
    /// Keeps entries weighing up to `budget` in all.
    pub fn new(budget: usize) -> SegmentTermCache<V> {
        SegmentTermCache {
            budget,
            entries: Mutex::new(Entries {
                generation: 0,
                weight: 0,
                by_term: HashMap::new(),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Entries<V>> {
        match self.entries.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Forgets the segments `searcher` no longer has.
    pub fn follow(&self, searcher: &Searcher) {
        let mut entries = self.lock();
        let generation = searcher.generation().generation_id();
        if entries.generation != generation {
            let live: Vec<SegmentId> = searcher.segment_readers().iter().map(|r| r.segment_id()).collect();
            entries.by_term.retain(|(segment, _), _| live.contains(segment));
            entries.weight = entries.by_term.values().map(|(_, weight)| weight).sum();
            entries.generation = generation;
        }
    }

    /// The value kept for `term` in the reader's segment.
    pub fn get(&self, reader: &SegmentReader, term: &Term) -> Option<V> {
        let key = (reader.segment_id(), term.clone());
        self.lock().by_term.get(&key).map(|(value, _)| value.clone())
    }

    /// Keeps `value` for `term` in the reader's segment (emptying the cache first if it would
    /// outweigh the budget: a bound on memory against endless new words).
    pub fn insert(&self, reader: &SegmentReader, term: &Term, value: V, weight: usize) {
        let mut entries = self.lock();
        if entries.weight + weight > self.budget {
            entries.by_term.clear();
            entries.weight = 0;
        }
        entries.weight += weight;
        entries
            .by_term
            .insert((reader.segment_id(), term.clone()), (value, weight));
    }

    /// The terms kept, in any segment.
    #[cfg(test)]
    pub fn terms(&self) -> Vec<Term> {
        self.lock().by_term.keys().map(|(_, term)| term.clone()).collect()
    }
}
