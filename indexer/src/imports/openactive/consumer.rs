//! A run of an OpenActive source: find its feeds, read each from where the last run stopped,
//! and hand every page to the apply path as one batch with the cursor it leads to.
//!
//! - **Cursor**: the `next` URL of every feed (JSON, saved by the apply path in the same
//!   transaction as the page's listings), so a run that stops (an HTTP 500, a crash) resumes
//!   at the first page not applied, and a run after the last page polls it for new changes.
//! - **Combined feeds**: a session whose `superEvent` is the whole series (not a URL) brings
//!   the series in too, keyed by its `@id`.
//! - **Split feeds**: every series and session read is remembered
//!   ([`crate::store::openactive_import`]); a page's sessions re-map the series they point at
//!   (read on an earlier page, in an earlier run, or never yet: then they wait for it), and a
//!   series is mapped with every live session that points at it.
//! - **Tombstones**: a deleted series is a removal (the apply path archives it, and only if this
//!   source brought it in); a deleted session drops out of its series' schedules.
//! - **Bad items** are rejected records with the reason; they never stop a run. A page that is
//!   not an RPDE page, or cannot be fetched after the retries, stops the run (`failed`).

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::activities::ActivityList;
use super::dataset_site::feeds_of_dataset_site;
use super::fetch::{FeedClient, FetchOptions, Fetched};
use super::listing::listing_of;
use super::rpde::{text_of, Item, ItemState, Page};
use super::schedules::SessionTimes;
use super::series::opportunity;
use crate::error::{Error, Result};
use crate::imports::record::{
    BatchReport, ImportCounts, ImportItem, ImportedRemoval, RejectedRecord, SourceKind, SourceRef, Trust,
};
use crate::imports::run::{ImportRun, ImportSummary};
use crate::imports::SourceSpec;
use crate::store::openactive_import::{save_openactive_item, OpenactiveItemKind, StoredOpenactiveItem};
use crate::Directory;

/// How a run reads (a registered source's `config` JSON has the same fields, all optional:
/// `{"retries": 3, "retry_backoff_ms": 500, "page_interval_ms": 0, "max_pages": null}`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct OpenactiveOptions {
    /// Tries after the first for a page that fails in a way that may pass (5xx, 429, network).
    pub retries: Option<u32>,
    pub retry_backoff_ms: Option<u64>,
    /// A pause between pages, for a publisher's rate limit.
    pub page_interval_ms: Option<u64>,
    /// Stop after this many pages (the next run goes on from there); `None`: read every feed
    /// up to its last page.
    pub max_pages: Option<u64>,
    /// Report what each item would do and write no listing (the cursor is not saved either;
    /// the feed items read are remembered, as a real run would).
    #[serde(skip)]
    pub dry_run: bool,
}

impl OpenactiveOptions {
    fn fetch(&self) -> FetchOptions {
        let defaults = FetchOptions::default();
        FetchOptions {
            retries: self.retries.unwrap_or(defaults.retries),
            retry_backoff: self
                .retry_backoff_ms
                .map_or(defaults.retry_backoff, std::time::Duration::from_millis),
            page_interval: self
                .page_interval_ms
                .map_or(defaults.page_interval, std::time::Duration::from_millis),
            timeout: defaults.timeout,
        }
    }
}

/// The registration of an OpenActive source reading `url` (a feed or a dataset site). Ids are
/// derived from the feed's (kept when they are UUIDs and free); the attribution defaults to
/// the publisher's host.
pub fn openactive_source(name: &str, url: &str, trust: Trust, attribution: Option<String>) -> SourceSpec {
    let mut spec = SourceSpec::new(name, SourceKind::Openactive, url, trust);
    spec.attribution = attribution.or_else(|| {
        url::Url::parse(url)
            .ok()
            .and_then(|url| url.host_str().map(|host| format!("OpenActive data from {host}")))
    });
    spec
}

/// Where a run is, for a progress bar.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    pub feed: String,
    pub pages: u64,
    pub items: u64,
    pub counts: ImportCounts,
}

/// How a run ended, with what it read.
#[derive(Debug, Clone)]
pub struct OpenactiveSummary {
    pub summary: ImportSummary,
    /// The feeds read, in order.
    pub feeds: Vec<String>,
    pub pages: u64,
    pub items: u64,
    /// Sessions still waiting for a series the feeds have not given yet.
    pub waiting_sessions: i64,
}

/// The saved cursor: where each feed of the source is read from next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct FeedCursor {
    /// The URL the source was registered with (a different one starts afresh).
    start: String,
    feeds: Vec<FeedPosition>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct FeedPosition {
    feed: String,
    next: String,
}

/// Why a run stopped early: a feed problem (the run is `failed`, resumable) or the store.
enum Stop {
    Feed(String),
    Store(Error),
}

impl From<Error> for Stop {
    fn from(error: Error) -> Stop {
        Stop::Store(error)
    }
}

impl Directory {
    /// Runs an OpenActive source once: every feed from its cursor to its last page (or
    /// `max_pages`). `progress` is called after every page, `on_batch` with each page's report.
    /// Feed failures end the run as `failed` in the summary (the cursor keeps every page
    /// applied before, so the next run resumes there); only store errors are `Err`.
    pub async fn import_openactive(
        &self,
        source: &SourceRef,
        options: &OpenactiveOptions,
        mut progress: impl FnMut(&Progress),
        mut on_batch: impl FnMut(&BatchReport),
    ) -> Result<OpenactiveSummary> {
        let mut run = ImportRun::start(self, source, options.dry_run).await?;
        let mut reader = Reader {
            directory: self,
            run: &mut run,
            activities: ActivityList::bundled(),
            progress: Progress::default(),
            feeds: Vec::new(),
        };
        let stopped = match FeedClient::new(options.fetch()) {
            Ok(client) => reader
                .read(&client, options.max_pages, &mut progress, &mut on_batch)
                .await
                .err(),
            Err(e) => Some(Stop::Feed(e.to_string())),
        };
        let (pages, items, feeds) = (reader.progress.pages, reader.progress.items, reader.feeds);
        let failure = match stopped {
            None => None,
            Some(Stop::Feed(reason)) => {
                tracing::warn!(source = %source.name, %reason, "openactive run stopped");
                Some(reason)
            }
            Some(Stop::Store(error)) => {
                let _ = run.finish(self, Some(&error.to_string())).await;
                return Err(error);
            }
        };
        let summary = run.finish(self, failure.as_deref()).await?;
        Ok(OpenactiveSummary {
            summary,
            feeds,
            pages,
            items,
            waiting_sessions: self.store().openactive_orphan_sessions(source.id).await?,
        })
    }
}

struct Reader<'a> {
    directory: &'a Directory,
    run: &'a mut ImportRun,
    activities: &'static ActivityList,
    progress: Progress,
    feeds: Vec<String>,
}

impl Reader<'_> {
    async fn read(
        &mut self,
        client: &FeedClient,
        max_pages: Option<u64>,
        progress: &mut impl FnMut(&Progress),
        on_batch: &mut impl FnMut(&BatchReport),
    ) -> Result<(), Stop> {
        let start = self.run.source.location.clone();
        let saved = self.directory.import_cursor(&self.run.source).await?;
        let mut cursor = match saved.and_then(|text| serde_json::from_str::<FeedCursor>(&text).ok()) {
            Some(cursor) if cursor.start == start => cursor,
            _ => discover(client, &start).await?,
        };
        self.feeds = cursor.feeds.iter().map(|position| position.feed.clone()).collect();
        for index in 0..cursor.feeds.len() {
            let mut url = cursor.feeds[index].next.clone();
            self.progress.feed = cursor.feeds[index].feed.clone();
            loop {
                if max_pages.is_some_and(|max| self.progress.pages >= max) {
                    return Ok(());
                }
                let page = match client.get(&url).await.map_err(|e| Stop::Feed(e.to_string()))? {
                    Fetched::Json(body) => Page::parse(&url, &body).map_err(|e| Stop::Feed(format!("{url}: {e}")))?,
                    Fetched::Text(_) => return Err(Stop::Feed(format!("{url}: not JSON, so not an RPDE feed page"))),
                };
                self.progress.pages += 1;
                let last = page.is_last(&url);
                if !last {
                    let batch = self.batch_of(&page).await?;
                    cursor.feeds[index].next = page.next.clone();
                    let cursor_text = serde_json::to_string(&cursor).unwrap_or_default();
                    let report = self.run.apply(self.directory, batch, Some(&cursor_text)).await?;
                    self.progress.items += (page.items.len() + page.bad_items.len()) as u64;
                    self.progress.counts.merge(report.counts);
                    on_batch(&report);
                }
                progress(&self.progress);
                if last {
                    break;
                }
                url = page.next;
                if !client.options().page_interval.is_zero() {
                    tokio::time::sleep(client.options().page_interval).await;
                }
            }
        }
        Ok(())
    }

    /// Remembers a page's items and turns it into a batch: its series (mapped with their
    /// sessions), the series its sessions point at, its tombstones, and its bad items.
    async fn batch_of(&mut self, page: &Page) -> Result<Vec<ImportItem>> {
        let store = self.directory.store();
        let source_id = self.run.source.id;
        let first_position = self.progress.items;
        let mut batch: Vec<ImportItem> = page
            .bad_items
            .iter()
            .map(|bad| {
                ImportItem::Rejected(RejectedRecord {
                    source_record_id: bad.id.clone(),
                    position: Some(first_position + bad.position as u64 + 1),
                    reason: bad.reason.clone(),
                    field: Some("item".into()),
                })
            })
            .collect();
        let mut page_series: Vec<(u64, &Item)> = Vec::new();
        let mut sessions: Vec<(&Item, Option<String>)> = Vec::new();
        for (offset, item) in page.items.iter().enumerate() {
            let position = first_position + (page.bad_items.len() + offset) as u64 + 1;
            match item_kind(item) {
                Ok(OpenactiveItemKind::Series) => page_series.push((position, item)),
                Ok(OpenactiveItemKind::Session) => match item.data.as_ref().map(super_event) {
                    Some(None) => batch.push(rejected(item, position, "superEvent", "a session without a superEvent")),
                    key => sessions.push((item, key.flatten())),
                },
                Err(reason) => batch.push(rejected(item, position, "kind", &reason)),
            }
        }
        // The series a page's sessions belong to now, and belonged to before.
        let session_ids: Vec<String> = sessions.iter().map(|(item, _)| item.id.clone()).collect();
        let mut touched_keys: HashSet<String> = store
            .openactive_items(source_id, OpenactiveItemKind::Session, &session_ids)
            .await?
            .into_iter()
            .filter_map(|stored| stored.series_key)
            .collect();
        touched_keys.extend(sessions.iter().filter_map(|(_, key)| key.clone()));

        let mut tx = store.begin_write().await?;
        for (_, item) in &page_series {
            let stored = stored_item(item, item.data.as_ref().and_then(series_key));
            save_openactive_item(&mut tx, source_id, OpenactiveItemKind::Series, &stored, &item.modified).await?;
        }
        for (item, key) in &sessions {
            let stored = stored_item(item, key.clone());
            save_openactive_item(&mut tx, source_id, OpenactiveItemKind::Session, &stored, &item.modified).await?;
            // A combined feed (`ScheduledSession.SessionSeries`) embeds the series in each
            // session: remembered as a series of its own, named by its key.
            if let (Some(key), Some(embedded)) = (key, item.data.as_ref().and_then(embedded_series)) {
                let series = StoredOpenactiveItem {
                    item_id: key.clone(),
                    series_key: Some(key.clone()),
                    deleted: false,
                    data: Some(embedded.to_string()),
                };
                save_openactive_item(&mut tx, source_id, OpenactiveItemKind::Series, &series, &item.modified).await?;
            }
        }
        tx.commit().await?;

        let mut to_map: Vec<(Option<u64>, StoredOpenactiveItem)> = Vec::new();
        let mut on_page: HashSet<&str> = HashSet::new();
        for (position, item) in &page_series {
            on_page.insert(item.id.as_str());
            match item.state {
                ItemState::Deleted => batch.push(ImportItem::Removal(ImportedRemoval {
                    source_record_id: item.id.clone(),
                    position: Some(*position),
                })),
                ItemState::Updated => to_map.push((
                    Some(*position),
                    stored_item(item, item.data.as_ref().and_then(series_key)),
                )),
            }
        }
        let touched: Vec<String> = touched_keys.into_iter().collect();
        for series in store.openactive_series_for_keys(source_id, &touched).await? {
            if !series.deleted && !on_page.contains(series.item_id.as_str()) {
                to_map.push((None, series));
            }
        }
        batch.extend(self.map_series(to_map).await?);
        Ok(batch)
    }

    /// Maps series with every live session pointing at them (one read for all of them).
    async fn map_series(&self, series: Vec<(Option<u64>, StoredOpenactiveItem)>) -> Result<Vec<ImportItem>> {
        let keys: Vec<String> = series
            .iter()
            .flat_map(|(_, item)| [Some(item.item_id.clone()), item.series_key.clone()])
            .flatten()
            .collect();
        let mut sessions_by_key: HashMap<String, Vec<SessionTimes>> = HashMap::new();
        for session in self
            .directory
            .store()
            .openactive_sessions_of(self.run.source.id, &keys)
            .await?
        {
            let times = session
                .data
                .as_deref()
                .and_then(|text| serde_json::from_str::<Value>(text).ok())
                .and_then(|data| SessionTimes::parse(&data));
            if let (Some(key), Some(times)) = (session.series_key, times) {
                sessions_by_key.entry(key).or_default().push(times);
            }
        }
        let mut items = Vec::with_capacity(series.len());
        for (position, stored) in series {
            let Some(data) = stored
                .data
                .as_deref()
                .and_then(|text| serde_json::from_str::<Value>(text).ok())
            else {
                continue;
            };
            let mut sessions: Vec<SessionTimes> = [Some(&stored.item_id), stored.series_key.as_ref()]
                .into_iter()
                .flatten()
                .collect::<HashSet<_>>()
                .into_iter()
                .flat_map(|key| sessions_by_key.get(key).cloned().unwrap_or_default())
                .collect();
            sessions.extend(own_sessions(&data));
            match opportunity(&stored.item_id, &data, &sessions, self.activities) {
                Ok(mapped) => {
                    if !mapped.warnings.is_empty() {
                        tracing::debug!(item = %stored.item_id, warnings = ?mapped.warnings, "openactive item mapped with parts left out");
                    }
                    let identifier = data.get("identifier").and_then(text_of);
                    items.push(ImportItem::Listing(Box::new(listing_of(
                        mapped,
                        identifier.as_deref(),
                        position,
                    ))));
                }
                Err(reason) => {
                    let (field, reason) = reason.split_once(": ").unwrap_or(("data", reason.as_str()));
                    items.push(ImportItem::Rejected(RejectedRecord {
                        source_record_id: Some(stored.item_id.clone()),
                        position,
                        reason: reason.to_string(),
                        field: Some(field.to_string()),
                    }));
                }
            }
        }
        Ok(items)
    }
}

/// The feeds to read: the URL itself when it is a feed page, else those its dataset site
/// lists (sessions last, so a series is usually read before its sessions).
async fn discover(client: &FeedClient, url: &str) -> Result<FeedCursor, Stop> {
    let feeds = match client.get(url).await.map_err(|e| Stop::Feed(e.to_string()))? {
        Fetched::Json(body) if body.get("items").is_some() => vec![url.to_string()],
        Fetched::Json(_) => return Err(Stop::Feed(format!("{url}: JSON but not an RPDE feed page"))),
        Fetched::Text(html) => {
            let mut feeds = feeds_of_dataset_site(url, &html).map_err(|e| Stop::Feed(format!("{url}: {e}")))?;
            feeds.sort_by_key(|feed| feed.kind.contains("ScheduledSession"));
            feeds.into_iter().map(|feed| feed.url).collect()
        }
    };
    Ok(FeedCursor {
        start: url.to_string(),
        feeds: feeds
            .into_iter()
            .map(|feed| FeedPosition {
                next: feed.clone(),
                feed,
            })
            .collect(),
    })
}

/// Series kinds the consumer imports (parents of sessions, or events that stand alone).
const SERIES_KINDS: &[&str] = &[
    "SessionSeries",
    "EventSeries",
    "Event",
    "CourseInstance",
    "HeadlineEvent",
];

fn item_kind(item: &Item) -> Result<OpenactiveItemKind, String> {
    let data_type = item
        .data
        .as_ref()
        .and_then(|data| data.get("@type"))
        .and_then(Value::as_str);
    let kind = if item.kind.is_empty() {
        data_type.unwrap_or_default()
    } else {
        item.kind.as_str()
    };
    if kind.starts_with("ScheduledSession") {
        Ok(OpenactiveItemKind::Session)
    } else if kind.is_empty() || SERIES_KINDS.contains(&kind) {
        Ok(OpenactiveItemKind::Series)
    } else {
        Err(format!(
            "kind {kind:?} is not imported (SessionSeries and ScheduledSession feeds, and events)"
        ))
    }
}

/// A session's `superEvent`: a URL, or an embedded series' `@id`/`identifier`.
fn super_event(data: &Value) -> Option<String> {
    match data.get("superEvent")? {
        Value::String(url) => Some(url.trim().to_string()).filter(|url| !url.is_empty()),
        embedded => embedded
            .get("@id")
            .or_else(|| embedded.get("id"))
            .or_else(|| embedded.get("identifier"))
            .and_then(text_of),
    }
}

/// A series embedded whole in a session's `superEvent` (it has a name, not just an id).
fn embedded_series(data: &Value) -> Option<&Value> {
    data.get("superEvent").filter(|series| series.get("name").is_some())
}

/// The key a series' sessions name it by: its `@id`.
fn series_key(data: &Value) -> Option<String> {
    data.get("@id").or_else(|| data.get("id")).and_then(text_of)
}

/// Sessions a series carries itself: `subEvent`s, or its own start when it is a single event.
fn own_sessions(data: &Value) -> Vec<SessionTimes> {
    let mut sessions: Vec<SessionTimes> = data
        .get("subEvent")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(SessionTimes::parse)
        .collect();
    if sessions.is_empty() && data.get("eventSchedule").is_none() {
        sessions.extend(SessionTimes::parse(data));
    }
    sessions
}

fn stored_item(item: &Item, series_key: Option<String>) -> StoredOpenactiveItem {
    StoredOpenactiveItem {
        item_id: item.id.clone(),
        series_key: series_key.or_else(|| (item.state == ItemState::Updated).then(|| item.id.clone())),
        deleted: item.state == ItemState::Deleted,
        data: item.data.as_ref().map(Value::to_string),
    }
}

fn rejected(item: &Item, position: u64, field: &str, reason: &str) -> ImportItem {
    ImportItem::Rejected(RejectedRecord {
        source_record_id: Some(item.id.clone()),
        position: Some(position),
        reason: reason.to_string(),
        field: Some(field.to_string()),
    })
}
