//! List pages by name from the search index (`Directory::services_by_name`,
//! `Directory::organizations_by_name`): the index gives a page of ids ([`crate::search::browse`]),
//! the store the listings; SQLite serves the same pages while this process does not keep the
//! index current.

use std::collections::HashMap;

use uuid::Uuid;

use crate::domain::{NeedCode, Organization, PlaceCode, Service};
use crate::error::Result;
use crate::search::browse::BrowseRequest;
use crate::search::AssetKind;
use crate::store::read::{NameKey, Page, ServiceFilter};
use crate::Directory;

/// How many listings a page asks the index for: one more than it shows, to learn whether
/// another page follows.
fn with_one_more(first: i64) -> usize {
    usize::try_from(first.max(0)).unwrap_or(usize::MAX).saturating_add(1)
}

impl Directory {
    /// Services for a need and/or in a place (a venue inside it, or a service area overlapping
    /// it), ordered by (name, id), one page after `after`, served from the search index; the
    /// count is worked out only when `count` is true (it is 0 otherwise). The same page as
    /// [`Directory::services`], which reads SQLite and stays as the fallback when this process
    /// does not keep the index (another process holds it, or it is being rebuilt).
    pub async fn services_by_name(
        &self,
        place: Option<&PlaceCode>,
        need: Option<NeedCode>,
        first: i64,
        after: Option<&NameKey>,
        count: bool,
    ) -> Result<Page<Service>> {
        let scope = self.place_scope(place)?;
        if !self.index_is_current().await? {
            return self.services(place, need, first, after).await;
        }
        let limit = with_one_more(first);
        let filter = ServiceFilter {
            need,
            place: scope.clone(),
        };
        // A custom Place holds no venues itself: its member wards or LSOAs do.
        let venue_places: Vec<PlaceCode> = match &scope {
            Some(scope) => std::iter::once(scope.code.clone())
                .chain(self.custom_place_members(&scope.code).await?)
                .collect(),
            None => Vec::new(),
        };
        let browsed = {
            let after = after.cloned();
            self.on_search_index(move |index| {
                let place = scope
                    .as_ref()
                    .map(|s| (venue_places.as_slice(), s.overlapping_codes.as_slice()));
                index.browse(&BrowseRequest {
                    kind: AssetKind::Service,
                    need,
                    place,
                    after: after.as_ref().map(|key| (key.name.as_str(), key.id)),
                    limit,
                    count,
                })
            })
            .await?
        };
        // Services that are not active are public and listed, but not in the index.
        let not_active = self.store().not_active_service_keys(&filter).await?;
        let total = browsed.total.unwrap_or(0) + not_active.len() as u64;
        let mut keys = browsed.keys;
        keys.extend(
            not_active
                .into_iter()
                .filter(|(name, id)| after.is_none_or(|key| (name.as_bytes(), *id) > (key.name.as_bytes(), key.id))),
        );
        keys.sort_by(|a, b| (a.0.as_bytes(), a.1).cmp(&(b.0.as_bytes(), b.1)));
        keys.truncate(limit);
        let ids: Vec<Uuid> = keys.iter().map(|(_, id)| *id).collect();
        let found = self.store().services_by_ids(&ids, false).await?;
        Ok(in_key_order(found, &ids, |s| s.id, first, total))
    }

    /// Public organisations ordered by (name, id), one page after `after`, served from the
    /// search index as [`Directory::services_by_name`] is; the count only when `count` is true.
    pub async fn organizations_by_name(
        &self,
        first: i64,
        after: Option<&NameKey>,
        count: bool,
    ) -> Result<Page<Organization>> {
        if !self.index_is_current().await? {
            return self.store().organizations_page(first, after).await;
        }
        let limit = with_one_more(first);
        let after = after.cloned();
        let browsed = self
            .on_search_index(move |index| {
                index.browse(&BrowseRequest {
                    kind: AssetKind::Organization,
                    need: None,
                    place: None,
                    after: after.as_ref().map(|key| (key.name.as_str(), key.id)),
                    limit,
                    count,
                })
            })
            .await?;
        let ids: Vec<Uuid> = browsed.keys.iter().map(|(_, id)| *id).collect();
        let found = self.store().organizations_by_ids(Some(&ids)).await?;
        let total = browsed.total.unwrap_or(0);
        Ok(in_key_order(found, &ids, |o| o.id, first, total))
    }

    /// Whether the index holds every change of the change log, catching it up first when this
    /// process keeps it (a list read just after a write then shows the write); `false` when
    /// another process keeps it and it lags, or it is being rebuilt.
    async fn index_is_current(&self) -> Result<bool> {
        let index = self.search_index();
        if index.is_being_replaced() {
            return Ok(false);
        }
        let newest = self.store().last_change_seq().await?;
        if index.applied_seq() >= newest {
            return Ok(true);
        }
        if !index.is_writable() {
            return Ok(false);
        }
        crate::search::sync::catch_up(self.store(), &self.places(), index).await?;
        Ok(index.applied_seq() >= newest)
    }
}

/// The hydrated listings in the order of `ids` (any that vanished meanwhile left out), cut to
/// `first`, with whether more follow.
fn in_key_order<T>(found: Vec<T>, ids: &[Uuid], id_of: impl Fn(&T) -> Uuid, first: i64, total: u64) -> Page<T> {
    let mut by_id: HashMap<Uuid, T> = found.into_iter().map(|item| (id_of(&item), item)).collect();
    let mut items: Vec<T> = ids.iter().filter_map(|id| by_id.remove(id)).collect();
    let shown = usize::try_from(first.max(0)).unwrap_or(usize::MAX);
    let has_next_page = ids.len() > shown;
    items.truncate(shown);
    Page {
        items,
        total_count: i64::try_from(total).unwrap_or(i64::MAX),
        has_next_page,
    }
}
