//! What gap reports reuse between requests: the candidate services, read whole once and then
//! kept in step with the change log, and per need and criteria the eligible venues with their
//! nearest-neighbour index.
//!
//! At a million services, reading the candidates takes tens of seconds and selecting one need's
//! venues and building its k-d tree a few tens of milliseconds; a report over a district then
//! takes well under a millisecond. So:
//! - the candidates are read whole once; after a change only the services the change log names
//!   (directly, or through their organisation) are read again and merged in (`refresh`);
//! - each need's eligible venues are selected once per change-log position, from the services
//!   with that need only, and kept while no change touches a service with that need; the
//!   key includes the day, since staleness (12 months without review) moves with the date;
//! - one request loads or refreshes at a time, and one selects a need while others with the
//!   same key wait for its answer (single flight).

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, Utc, Weekday};
use tokio::sync::OnceCell;
use tracing::info;
use uuid::Uuid;

use super::assets::{CandidateService, EligibleAssets, PlacedAssets};
use super::{GapCriteria, PopulationGroup};
use crate::domain::NeedCode;
use crate::error::{Error, Result};
use crate::store::feed::ChangeKind;
use crate::store::Store;

/// A change log longer than this since the last read is read whole again rather than merged.
const MERGE_AT_MOST: i64 = 20_000;

/// The candidates and selections, refreshed as the change log moves.
#[derive(Debug, Default)]
pub struct GapCache {
    current: tokio::sync::Mutex<Option<Arc<Candidates>>>,
}

/// What decides which venues are eligible (the reach does not: it only decides coverage).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct SelectionKey {
    need: NeedCode,
    population: PopulationGroup,
    include_remote: bool,
    include_stale: bool,
    day: Option<Weekday>,
    date: NaiveDate,
}

impl SelectionKey {
    fn of(need: NeedCode, criteria: &GapCriteria, now: DateTime<Utc>) -> SelectionKey {
        SelectionKey {
            need,
            population: criteria.population,
            include_remote: criteria.include_remote,
            include_stale: criteria.include_stale,
            day: criteria.day,
            date: now.date_naive(),
        }
    }
}

type Selection = Arc<OnceCell<Arc<PlacedAssets>>>;

/// The candidate services at a change-log position.
#[derive(Debug)]
pub struct Candidates {
    /// The change-log position they reflect.
    pub seq: i64,
    /// Every active public service, by (name, id).
    pub services: Vec<Arc<CandidateService>>,
    /// Positions in `services` of the services with each need.
    by_need: HashMap<NeedCode, Vec<u32>>,
    selections: Mutex<HashMap<SelectionKey, Selection>>,
}

impl Candidates {
    fn new(seq: i64, services: Vec<Arc<CandidateService>>, selections: HashMap<SelectionKey, Selection>) -> Self {
        let mut by_need: HashMap<NeedCode, Vec<u32>> = HashMap::new();
        for (position, service) in services.iter().enumerate() {
            for need in &service.needs {
                by_need.entry(*need).or_default().push(position as u32);
            }
        }
        Candidates {
            seq,
            services,
            by_need,
            selections: Mutex::new(selections),
        }
    }

    /// The eligible venues for a need and criteria, selected once per key (the first caller
    /// selects, off the async runtime; the others wait for it).
    pub async fn eligible(self: &Arc<Self>, need: NeedCode, criteria: &GapCriteria) -> Result<Arc<PlacedAssets>> {
        let now = Utc::now();
        let key = SelectionKey::of(need, criteria, now);
        let cell = {
            let mut selections = self.selections.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            selections.retain(|kept, _| kept.date == key.date);
            selections.entry(key).or_default().clone()
        };
        let selected = cell
            .get_or_try_init(|| {
                let (candidates, criteria) = (self.clone(), *criteria);
                async move {
                    tokio::task::spawn_blocking(move || {
                        let with_need = candidates
                            .by_need
                            .get(&need)
                            .into_iter()
                            .flatten()
                            .map(|&position| candidates.services[position as usize].as_ref());
                        Arc::new(EligibleAssets::select_placed(with_need, need, &criteria, now))
                    })
                    .await
                    .map_err(|e| Error::Index(format!("selecting gap assets: {e}")))
                }
            })
            .await?;
        Ok(selected.clone())
    }

    /// The candidates after the services `changed` were read again as `fresh` (those missing
    /// from `fresh` are no longer candidates), at `seq`. Selections for needs no changed
    /// service had or has are kept.
    fn merged(&self, seq: i64, changed: &BTreeSet<Uuid>, fresh: Vec<CandidateService>) -> Candidates {
        let mut touched: BTreeSet<NeedCode> = BTreeSet::new();
        let mut services: Vec<Arc<CandidateService>> = Vec::with_capacity(self.services.len() + fresh.len());
        let mut fresh = fresh.into_iter().map(Arc::new).peekable();
        for service in &self.services {
            if changed.contains(&service.id) {
                touched.extend(service.needs.iter().copied());
                continue;
            }
            while let Some(next) = fresh.next_if(|next| order_key(next) < order_key(service)) {
                touched.extend(next.needs.iter().copied());
                services.push(next);
            }
            services.push(service.clone());
        }
        for next in fresh {
            touched.extend(next.needs.iter().copied());
            services.push(next);
        }
        let kept: HashMap<SelectionKey, Selection> = self
            .selections
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .iter()
            .filter(|(key, cell)| !touched.contains(&key.need) && cell.initialized())
            .map(|(key, cell)| (*key, cell.clone()))
            .collect();
        Candidates::new(seq, services, kept)
    }
}

/// The candidates' order: (name, id), as the store reads them (SQLite's binary collation, and
/// a lowercase UUID's text sorts as its bytes).
fn order_key(service: &CandidateService) -> (&[u8], Uuid) {
    (service.name.as_bytes(), service.id)
}

impl GapCache {
    /// The candidates as of the newest change-log position.
    pub async fn candidates(&self, store: &Store) -> Result<Arc<Candidates>> {
        let mut current = self.current.lock().await;
        let newest = store.last_change_seq().await?;
        let refreshed = match current.as_ref() {
            Some(candidates) if candidates.seq >= newest => return Ok(candidates.clone()),
            Some(candidates) => refresh(store, candidates).await?,
            None => None,
        };
        let candidates = match refreshed {
            Some(candidates) => candidates,
            None => {
                let services = store.gap_candidates().await?.into_iter().map(Arc::new).collect();
                info!(seq = newest, "gap candidates read");
                Candidates::new(newest, services, HashMap::new())
            }
        };
        let candidates = Arc::new(candidates);
        *current = Some(candidates.clone());
        Ok(candidates)
    }
}

/// The candidates with the changes since their position merged in, or `None` when there are
/// too many to merge (read them whole).
async fn refresh(store: &Store, candidates: &Candidates) -> Result<Option<Candidates>> {
    let changes = store.changes_after(candidates.seq, MERGE_AT_MOST + 1).await?;
    if changes.len() as i64 > MERGE_AT_MOST {
        return Ok(None);
    }
    let Some(seq) = changes.last().map(|change| change.seq) else {
        return Ok(None);
    };
    let mut changed: BTreeSet<Uuid> = BTreeSet::new();
    let mut organizations = Vec::new();
    for change in &changes {
        match change.kind {
            ChangeKind::Service => {
                changed.insert(change.id);
            }
            ChangeKind::Organization => organizations.push(change.id),
            ChangeKind::Fund => {}
        }
    }
    if !organizations.is_empty() {
        changed.extend(store.service_ids_of_organizations(&organizations).await?);
    }
    let ids: Vec<Uuid> = changed.iter().copied().collect();
    let fresh = match ids.is_empty() {
        true => Vec::new(),
        false => store.gap_candidates_of(Some(&ids)).await?,
    };
    info!(
        changes = changes.len(),
        services = ids.len(),
        seq,
        "gap candidates brought up to date"
    );
    Ok(Some(candidates.merged(seq, &changed, fresh)))
}
