//! `Directory::search`: the index finds and ranks (blocking, off the async runtime), the store
//! hydrates the page (through the index's hydration cache), and each hit says why it matched
//! and when it next meets. Also type-ahead (`Directory::suggest`). The search engine itself
//! ([`crate::search`]) knows nothing of the store or the directory.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;
use uuid::Uuid;

use crate::domain::schedule::{Availability, Session};
use crate::domain::*;
use crate::error::{Error, Result};
use crate::search::cache::{CachedAsset, Keyed, ListingCache};
use crate::search::hits::{Asset, SearchHit, SearchResults};
use crate::search::words::ReadText;
use crate::search::SearchIndex;
use crate::search::{AssetKind, RawHit, SearchOptions, SearchRequest, Suggestion, TextField};
use crate::Directory;

fn sorted_counts(counts: HashMap<String, u64>) -> Vec<(String, u64)> {
    let mut counts: Vec<_> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    counts
}

impl Directory {
    /// Runs `work` with the search index on a blocking thread: a search is CPU work, and the
    /// async runtime's threads are kept for I/O. It waits for one of the directory's search
    /// turns first (`DirectoryOptions::search_concurrency`), so searches queue rather than
    /// share the cores many ways; requests that wait on the database are not held up.
    pub(crate) async fn on_search_index<T: Send + 'static>(
        &self,
        work: impl FnOnce(&SearchIndex) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let _turn = self
            .search_slots
            .acquire()
            .await
            .map_err(|e| Error::Index(format!("search turns closed: {e}")))?;
        let index = self.search_index().clone();
        tokio::task::spawn_blocking(move || work(&index))
            .await
            .map_err(|e| Error::Index(format!("search task failed: {e}")))?
    }

    /// Searches the index and hydrates the page from the store; `options` say what is counted
    /// besides the page (the exact total, facets).
    pub async fn search(&self, request: SearchRequest, options: SearchOptions) -> Result<SearchResults> {
        let searched = request.clone();
        let (collected, found, words) = self
            .on_search_index(move |index| {
                let searcher = index.searcher();
                let read = index.read_text(&searcher, &searched);
                let collected = index.search_read(&searcher, &searched, &read, options)?;
                let words = TextWords::of(&read);
                let found = index.fields_with_words(&searcher, &collected.hits, &words.plain)?;
                Ok((collected, found, words))
            })
            .await?;
        let hydrated = self.hydrate(&collected.hits).await?;
        let mut hits = Vec::with_capacity(collected.hits.len());
        for (raw, found) in collected.hits.into_iter().zip(found) {
            let Some(asset) = hydrated.assets.get(&raw.id).cloned() else {
                continue;
            };
            hits.push(self.explain(&request, &words, &found, raw, asset, &hydrated).await?);
        }
        Ok(SearchResults {
            hits,
            total: collected.total,
            has_more: collected.has_more,
            need_counts: sorted_counts(collected.need_counts),
            district_counts: sorted_counts(collected.district_counts),
        })
    }

    /// Names of listings with a word starting with `prefix`, best first (type-ahead), read off
    /// the async runtime.
    pub async fn suggest(&self, prefix: &str, limit: usize) -> Result<Vec<Suggestion>> {
        let prefix = prefix.to_string();
        self.on_search_index(move |index| index.suggest(&prefix, limit)).await
    }

    /// Public listings of the given kinds with (services) their schedules and areas, from the
    /// store.
    async fn read_assets(&self, ids: &[(AssetKind, Uuid)]) -> Result<Vec<Arc<CachedAsset>>> {
        let ids_of =
            |kind: AssetKind| -> Vec<Uuid> { ids.iter().filter(|(k, _)| *k == kind).map(|(_, id)| *id).collect() };
        let store = self.store();
        let mut read = Vec::with_capacity(ids.len());
        let service_ids = ids_of(AssetKind::Service);
        if !service_ids.is_empty() {
            let mut areas = store.areas_of_services(&service_ids).await?;
            let mut schedules: HashMap<Uuid, Vec<Schedule>> = HashMap::new();
            for schedule in store.schedules_of_services(&service_ids).await? {
                schedules.entry(schedule.service_id).or_default().push(schedule);
            }
            for service in store.services_by_ids(&service_ids, false).await? {
                read.push(Arc::new(CachedAsset {
                    schedules: schedules.remove(&service.id).unwrap_or_default(),
                    areas: areas.remove(&service.id).unwrap_or_default(),
                    needs: Vec::new(),
                    asset: Asset::Service(service),
                }));
            }
        }
        let organization_ids = ids_of(AssetKind::Organization);
        if !organization_ids.is_empty() {
            let mut areas = store.areas_of_organizations(&organization_ids).await?;
            let mut needs = store.needs_of_organizations(&organization_ids).await?;
            for organization in store.organizations_by_ids(Some(&organization_ids)).await? {
                read.push(Arc::new(CachedAsset {
                    areas: areas.remove(&organization.id).unwrap_or_default(),
                    needs: needs.remove(&organization.id).unwrap_or_default(),
                    asset: Asset::Organization(organization),
                    schedules: Vec::new(),
                }));
            }
        }
        let fund_ids = ids_of(AssetKind::Fund);
        if !fund_ids.is_empty() {
            for fund in store.funds_by_ids(Some(&fund_ids)).await? {
                read.push(Arc::new(CachedAsset {
                    asset: Asset::Fund(fund),
                    schedules: Vec::new(),
                    areas: Vec::new(),
                    needs: Vec::new(),
                }));
            }
        }
        Ok(read)
    }

    /// The listings of a page of hits: from the cache, and the rest from the store.
    async fn hydrate(&self, hits: &[RawHit]) -> Result<Hydrated> {
        let wanted: Vec<(AssetKind, Uuid)> = hits
            .iter()
            .filter_map(|hit| Some((hit.kind, Uuid::parse_str(&hit.id).ok()?)))
            .collect();
        let ids: Vec<Uuid> = wanted.iter().map(|(_, id)| *id).collect();
        let entries = ListingCache::get_or_read(self.search_index().asset_cache(), &ids, |missing| {
            let missing: Vec<(AssetKind, Uuid)> =
                wanted.iter().filter(|(_, id)| missing.contains(id)).copied().collect();
            async move { self.read_assets(&missing).await }
        })
        .await?;
        let mut hydrated = Hydrated::default();
        for entry in entries {
            let id = entry.id();
            hydrated.schedules.insert(id, entry.schedules.clone());
            hydrated.areas.insert(id, entry.areas.clone());
            hydrated.organization_needs.insert(id, entry.needs.clone());
            hydrated.assets.insert(id.to_string(), entry.asset.clone());
        }
        Ok(hydrated)
    }

    async fn explain(
        &self,
        request: &SearchRequest,
        words: &TextWords,
        found: &[(TextField, usize)],
        raw: RawHit,
        asset: Asset,
        hydrated: &Hydrated,
    ) -> Result<SearchHit> {
        let mut reasons = Vec::new();
        let needs = match &asset {
            Asset::Service(s) => s.needs.as_slice(),
            Asset::Organization(o) => hydrated
                .organization_needs
                .get(&o.id)
                .map(Vec::as_slice)
                .unwrap_or_default(),
            Asset::Fund(f) => f.needs.as_slice(),
        };
        if request.text.is_some() {
            // Each field's words, each word said once, in the first field it is found in.
            let mut said = vec![false; words.plain.len()];
            for (field, saying) in [
                (TextField::Name, "name matches"),
                (TextField::Description, "description mentions"),
                (TextField::Organization, "run by"),
                (TextField::Topics, "about"),
                (TextField::PlaceNames, "in or serving"),
            ] {
                let mut here: Vec<&str> = Vec::new();
                for &(which, at) in found {
                    if which == field && !said[at] {
                        said[at] = true;
                        here.push(&words.plain[at]);
                    }
                }
                if !here.is_empty() {
                    reasons.push(format!("{saying} \"{}\"", here.join(" ")));
                }
            }
            // Each typo read as a word this listing has.
            for (typed, read_as) in &words.read_as {
                let has = found.iter().any(|&(_, at)| words.plain[at] == *read_as);
                if has {
                    reasons.push(format!("\"{typed}\" read as \"{read_as}\""));
                }
            }
            for need in needs
                .iter()
                .filter(|n| words.needs.contains(n) && !request.needs.contains(n))
            {
                reasons.push(format!("{} (from your words)", need.need().label));
            }
        }
        for need in needs.iter().filter(|n| request.needs.contains(n)) {
            reasons.push(need.need().label.to_string());
        }
        if let Some(distance) = raw.distance_km {
            reasons.push(format!("{distance:.1} km away"));
        }
        let serves_area = if raw.by_area {
            area_served(request, &asset, hydrated)
        } else {
            None
        };
        if let Some(code) = &serves_area {
            let name = self
                .places()
                .get(code)
                .map(|p| p.name.clone())
                .unwrap_or_else(|| code.to_string());
            reasons.push(format!("serves {name} without a venue nearby"));
        }
        let next_session = match &asset {
            Asset::Service(service) => next_fitting_session(
                request,
                hydrated
                    .schedules
                    .get(&service.id)
                    .map(Vec::as_slice)
                    .unwrap_or_default(),
            ),
            _ => None,
        };
        if let Some(session) = &next_session {
            reasons.push(format!("next session {}", session.starts_at.format("%a %-d %b %H:%M")));
        }
        match &asset {
            Asset::Service(s) if s.free == Some(true) => reasons.push("free".into()),
            Asset::Fund(f) if f.is_open_on(request.today) => {
                reasons.push(f.closes_on.map_or("open for applications".into(), |d| {
                    format!("open until {}", d.format("%-d %b %Y"))
                }))
            }
            _ => {}
        }
        if raw.stale {
            reasons.push("not confirmed as accurate for over 12 months".into());
        }
        Ok(SearchHit {
            asset,
            score: raw.score,
            distance_km: raw.distance_km,
            serves_area,
            stale: raw.stale,
            reasons,
            next_session,
        })
    }
}

/// The smallest area the listing serves that contains the search point.
fn area_served(request: &SearchRequest, asset: &Asset, hydrated: &Hydrated) -> Option<PlaceCode> {
    let near = request.near.as_ref()?;
    let areas: Vec<PlaceCode> = match asset {
        Asset::Service(service) => hydrated.areas.get(&service.id).cloned().unwrap_or_default(),
        Asset::Fund(fund) => fund.beneficiary_locations.clone(),
        Asset::Organization(organization) => hydrated.areas.get(&organization.id).cloned().unwrap_or_default(),
    };
    near.containing_places
        .iter()
        .rev()
        .find(|code| areas.contains(code))
        .cloned()
}

#[derive(Default)]
struct Hydrated {
    assets: HashMap<String, Asset>,
    schedules: HashMap<Uuid, Vec<Schedule>>,
    /// Areas each service serves.
    areas: HashMap<Uuid, Vec<PlaceCode>>,
    /// Needs each organisation's services meet.
    organization_needs: HashMap<Uuid, Vec<NeedCode>>,
}

/// The request's words, read once for every hit's reasons.
struct TextWords {
    /// The words as typed (in lower case, stop words dropped), then the words typos were read
    /// as, each once.
    plain: Vec<String>,
    needs: Vec<NeedCode>,
    /// Each typo and a word it was read as.
    read_as: Vec<(String, String)>,
}

impl TextWords {
    fn of(read: &ReadText) -> TextWords {
        let mut plain: Vec<String> = Vec::new();
        let typed = read.words.iter().map(|word| word.plain.as_str());
        for word in typed.chain(read.readings().map(|(_, read_as)| read_as)) {
            if !plain.iter().any(|known| known == word) {
                plain.push(word.to_string());
            }
        }
        TextWords {
            plain,
            needs: read.needs.clone(),
            read_as: read
                .readings()
                .map(|(typed, read_as)| (typed.to_string(), read_as.to_string()))
                .collect(),
        }
    }
}

/// The earliest coming session on an asked-for day and inside the asked-for times.
pub fn next_fitting_session(request: &SearchRequest, schedules: &[Schedule]) -> Option<Session> {
    let availability = Availability {
        days: request.days.clone(),
        from: request.time_from,
        to: request.time_to,
    };
    availability.next_sessions(schedules, Utc::now(), 1).into_iter().next()
}
