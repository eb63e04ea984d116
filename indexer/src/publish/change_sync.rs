//! The change sync: an RPDE feed of every service in change-log order, each carrying its full
//! Open Referral UK service (as `GET /oruk/services/{id}` gives it) or, once it is no longer
//! public (archived, rejected, pending review, its organisation hidden), a tombstone. A
//! platform that mirrors the directory reads it from the start once, then polls its last
//! `next` URL: it sees every edit and every removal without reading everything again.

use std::collections::HashMap;

use uuid::Uuid;

use super::oruk;
use super::rpde::{FeedItem, FeedPage, FeedUrl, PageRequest};
use crate::error::Result;
use crate::Directory;

/// The change sync's path.
pub const ORUK_SERVICES_FEED_PATH: &str = "/feeds/oruk-services";
/// RPDE `kind` of its items.
pub const ORUK_SERVICE_KIND: &str = "OrukService";
/// The licence of the directory's data, on every page.
pub const LICENSE: &str = "https://creativecommons.org/licenses/by/4.0/";

impl Directory {
    /// One page of the change sync after `request.after`; `base` is the public origin URLs
    /// are built from.
    pub async fn oruk_service_changes(&self, base: &str, request: &PageRequest) -> Result<FeedPage<oruk::Service>> {
        let entries = self.service_feed_entries(request).await?;
        let public: Vec<Uuid> = entries.iter().filter(|e| e.is_public).map(|e| e.id).collect();
        let mut rendered: HashMap<Uuid, oruk::Service> = self
            .oruk_services(&public)
            .await?
            .into_iter()
            .map(|service| (service.fields.id, service))
            .collect();
        // A service hidden between the two reads has no document: it is a tombstone here, and
        // its hiding moved it later in the feed, where it appears again.
        let items = entries
            .iter()
            .map(|entry| match rendered.remove(&entry.id) {
                Some(service) => FeedItem::updated(ORUK_SERVICE_KIND, entry.id, entry.modified, service),
                None => FeedItem::deleted(ORUK_SERVICE_KIND, entry.id, entry.modified),
            })
            .collect();
        Ok(FeedPage::new(
            &FeedUrl::new(base, ORUK_SERVICES_FEED_PATH),
            request,
            items,
            LICENSE,
        ))
    }
}
