//! OpenActive Modelling Opportunity Data 2.0 items (SessionSeries, ScheduledSession) in RPDE
//! 1.0 feeds, and the dataset site that lists the feeds.
//!
//! Two split feeds, as OpenActive recommends for publishers with many sessions: the
//! SessionSeries feed carries each opportunity (a service with an activity, a venue and a
//! schedule) ordered by the change log, and the ScheduledSession feed its sessions for the next
//! [`sessions::WINDOW_WEEKS`] weeks, each pointing at its series by `superEvent`.
//!
//! # Layout
//! - this module: paths, licence, and the feed reads on [`Directory`].
//! - [`session_series`]: a service as a SessionSeries, and which services are opportunities.
//! - [`sessions`]: the rolling window of ScheduledSessions and its refresh.
//! - [`accessibility`]: venue features as accessibility-support concepts.
//! - [`dataset_site`]: the dataset site page with its JSON-LD `Dataset`.

pub mod accessibility;
pub mod dataset_site;
pub mod session_series;
pub mod sessions;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use self::accessibility::Accessibility;
use self::session_series::{SeriesSource, SessionSeries, ACTIVITY_LIST};
use self::sessions::ScheduledSession;
use crate::error::Result;
use crate::publish::rpde::{FeedItem, FeedPage, FeedUrl, PageRequest};
use crate::Directory;

/// The dataset site's path.
pub const DATASET_SITE_PATH: &str = "/openactive";
/// The SessionSeries feed's path.
pub const SESSION_SERIES_PATH: &str = "/openactive/session-series";
/// The ScheduledSession feed's path.
pub const SCHEDULED_SESSIONS_PATH: &str = "/openactive/scheduled-sessions";
/// The licence every feed page and the dataset carry.
pub const LICENSE: &str = "https://creativecommons.org/licenses/by/4.0/";
/// RPDE `kind` of the SessionSeries feed's items.
pub const SESSION_SERIES_KIND: &str = "SessionSeries";
/// RPDE `kind` of the ScheduledSession feed's items.
pub const SCHEDULED_SESSION_KIND: &str = "ScheduledSession";

/// The JSON-LD context of every item.
pub(crate) fn context() -> &'static str {
    "https://openactive.io/"
}

pub(crate) fn activity_scheme() -> &'static str {
    ACTIVITY_LIST
}

/// The `@id` of a service's SessionSeries (also the `superEvent` of its sessions).
pub fn series_id(base: &str, service_id: Uuid) -> String {
    format!("{}{SESSION_SERIES_PATH}/{service_id}", base.trim_end_matches('/'))
}

impl Directory {
    /// One page of the SessionSeries feed: every service in change-log order, as a
    /// SessionSeries when it is a public opportunity and as a deleted item otherwise. `base` is
    /// the public origin URLs are built from.
    pub async fn session_series_page(&self, base: &str, request: &PageRequest) -> Result<FeedPage<SessionSeries>> {
        let store = self.store();
        let entries = self.service_feed_entries(request).await?;
        let public: Vec<Uuid> = entries.iter().filter(|e| e.is_public).map(|e| e.id).collect();
        let feed = store.service_feed(Some(&public)).await?;
        let organizations = store.organizations_of_services(&feed.services).await?;
        let places = self.places();
        let items = entries
            .iter()
            .map(|entry| {
                let series = feed
                    .services
                    .binary_search_by_key(&entry.id, |service| service.id)
                    .ok()
                    .and_then(|found| {
                        let service = &feed.services[found];
                        SeriesSource {
                            service,
                            venues: feed.venues.get(&service.id).map(Vec::as_slice).unwrap_or_default(),
                            schedules: feed.schedules.get(&service.id).map(Vec::as_slice).unwrap_or_default(),
                            organization: organizations.get(&service.organization_id),
                        }
                        .session_series(base, &places)
                    });
                match series {
                    Some(series) => FeedItem::updated(SESSION_SERIES_KIND, entry.id, entry.modified, series),
                    None => FeedItem::deleted(SESSION_SERIES_KIND, entry.id, entry.modified),
                }
            })
            .collect();
        Ok(FeedPage::new(
            &FeedUrl::new(base, SESSION_SERIES_PATH),
            request,
            items,
            LICENSE,
        ))
    }

    /// One page of the ScheduledSession feed, after bringing the sessions up to date at `now`
    /// ([`Directory::refresh_sessions`]; cheap when nothing changed).
    pub async fn scheduled_sessions_page(
        &self,
        base: &str,
        request: &PageRequest,
        now: DateTime<Utc>,
    ) -> Result<FeedPage<ScheduledSession>> {
        self.refresh_sessions(now).await?;
        let sessions = self
            .store()
            .sessions_after(request.after.map(|c| c.as_pair()), request.limit)
            .await?;
        let items = sessions
            .iter()
            .map(|session| {
                if session.deleted {
                    FeedItem::deleted(SCHEDULED_SESSION_KIND, session.id, session.modified)
                } else {
                    FeedItem::updated(
                        SCHEDULED_SESSION_KIND,
                        session.id,
                        session.modified,
                        ScheduledSession::of(session, base),
                    )
                }
            })
            .collect();
        Ok(FeedPage::new(
            &FeedUrl::new(base, SCHEDULED_SESSIONS_PATH),
            request,
            items,
            LICENSE,
        ))
    }
}
