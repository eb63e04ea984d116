//! A live Open Referral UK 3.0 API as a source.
//!
//! A run reads `/` (the `version` must be an HSDS-UK 3.x one), then pages through
//! `/services?page=N&per_page=M` (adding `modified_after` on incremental runs), fetching
//! `/services/{id}` for list items that are not fully nested (no `service_at_locations`).
//! Requests are paced (`requests_per_second`) and item fetches run `concurrency` at a time;
//! failures that may pass (connection errors, 429, 5xx) are retried with exponential backoff,
//! honouring `Retry-After`. After each page the batch commits with a cursor naming the next
//! page, so an interrupted run resumes there; a completed run leaves a cursor holding its start
//! time, which the next incremental run sends as `modified_after`.

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::stream::{self, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::Mutex;
use tokio::time::Instant;
use tracing::{info, warn};

use super::document::OrukPage;
use super::mapping::item_from_value;
use super::ImportProgress;
use crate::error::{Error, Result};
use crate::imports::record::*;
use crate::imports::run::{ImportRun, ImportSummary};
use crate::Directory;

/// How an API import runs (a source's `config` JSON holds the same fields).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApiImportOptions {
    pub dry_run: bool,
    /// `per_page` asked of the API.
    pub per_page: usize,
    /// `/services/{id}` fetches in flight at once.
    pub concurrency: usize,
    /// At most this many requests a second.
    pub requests_per_second: f64,
    /// Retries of a request that failed in a way that may pass.
    pub max_retries: u32,
    /// The first retry's wait; each further retry waits twice as long.
    pub backoff_ms: u64,
    /// Send `modified_after` (the previous completed run's start): only changed services.
    /// A full run (`false`) also archives what the source no longer lists.
    pub incremental: bool,
    /// Per-request timeout.
    pub timeout_seconds: u64,
}

impl Default for ApiImportOptions {
    fn default() -> Self {
        ApiImportOptions {
            dry_run: false,
            per_page: 100,
            concurrency: 4,
            requests_per_second: 10.0,
            max_retries: 5,
            backoff_ms: 500,
            incremental: false,
            timeout_seconds: 30,
        }
    }
}

/// What the source's cursor holds between and during runs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ApiCursor {
    /// The page the interrupted run resumes at (none: the last run completed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page: Option<usize>,
    /// The `modified_after` of the run in progress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_after: Option<DateTime<Utc>>,
    /// When the run in progress started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_started_at: Option<DateTime<Utc>>,
    /// When the last completed run started (the next incremental run's `modified_after`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_run_started_at: Option<DateTime<Utc>>,
}

/// Spaces requests out to a rate.
struct Pacer {
    interval: Duration,
    next: Mutex<Instant>,
}

impl Pacer {
    fn new(requests_per_second: f64) -> Pacer {
        let rate = if requests_per_second.is_finite() && requests_per_second > 0.0 {
            requests_per_second
        } else {
            1_000.0
        };
        Pacer {
            interval: Duration::from_secs_f64(1.0 / rate),
            next: Mutex::new(Instant::now()),
        }
    }

    async fn wait(&self) {
        let slot = {
            let mut next = self.next.lock().await;
            let slot = (*next).max(Instant::now());
            *next = slot + self.interval;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

/// An HTTP client for one ORUK API.
struct OrukClient {
    http: reqwest::Client,
    base: String,
    pacer: Pacer,
    options: ApiImportOptions,
}

/// A request's failure: whether trying again may help.
enum Failure {
    Retry(String, Option<Duration>),
    Fatal(String),
}

impl OrukClient {
    fn new(base: &str, options: &ApiImportOptions) -> Result<OrukClient> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(options.timeout_seconds.max(1)))
            .user_agent(concat!(
                "community-asset-directory-importer/",
                env!("CARGO_PKG_VERSION")
            ))
            .build()
            .map_err(|e| Error::invalid("location", format!("cannot build an HTTP client: {e}")))?;
        Ok(OrukClient {
            http,
            base: base.trim_end_matches('/').to_string(),
            pacer: Pacer::new(options.requests_per_second),
            options: options.clone(),
        })
    }

    /// GETs `path` (with `query`) as JSON, retrying failures that may pass.
    async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Value> {
        let url = format!("{}{path}", self.base);
        let mut attempt = 0u32;
        loop {
            self.pacer.wait().await;
            match self.try_get(&url, query).await {
                Ok(value) => return Ok(value),
                Err(Failure::Retry(reason, retry_after)) if attempt < self.options.max_retries => {
                    let backoff = Duration::from_millis(self.options.backoff_ms.saturating_mul(1 << attempt.min(16)));
                    let wait = retry_after.unwrap_or(backoff).min(Duration::from_secs(120));
                    warn!(url = %url, attempt, reason = %reason, wait_ms = wait.as_millis() as u64, "oruk request failed, retrying");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                Err(Failure::Retry(reason, _)) | Err(Failure::Fatal(reason)) => {
                    return Err(Error::invalid("location", format!("GET {url}: {reason}")));
                }
            }
        }
    }

    async fn try_get(&self, url: &str, query: &[(&str, String)]) -> std::result::Result<Value, Failure> {
        let response = self
            .http
            .get(url)
            .query(query)
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| Failure::Retry(e.to_string(), None))?;
        let status = response.status();
        if status.is_success() {
            return response
                .json::<Value>()
                .await
                .map_err(|e| Failure::Retry(format!("the answer is not JSON: {e}"), None));
        }
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let reason = format!("HTTP {status}");
        if status.as_u16() == 429 || status.is_server_error() {
            Err(Failure::Retry(reason, retry_after))
        } else {
            Err(Failure::Fatal(reason))
        }
    }

    /// Checks `/` names an ORUK 3 API.
    async fn check_version(&self) -> Result<String> {
        let root = self.get("/", &[]).await?;
        let version = root
            .get("version")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let supported = version.starts_with("HSDS-UK-3") || version.starts_with("3.");
        if !supported {
            return Err(Error::invalid(
                "location",
                format!(
                    "{} does not say it is an Open Referral UK 3 API (version {version:?})",
                    self.base
                ),
            ));
        }
        Ok(version)
    }

    /// One list item as a fully nested document: as it is, or fetched by id.
    async fn full_item(&self, item: Value, position: u64) -> ImportItem {
        if item.get("service_at_locations").is_some_and(Value::is_array) {
            return item_from_value(item, Some(position));
        }
        let id = match item.get("id") {
            Some(Value::String(id)) => id.clone(),
            Some(Value::Number(id)) => id.to_string(),
            _ => return item_from_value(item, Some(position)),
        };
        match self.get(&format!("/services/{id}"), &[]).await {
            Ok(full) => item_from_value(full, Some(position)),
            Err(e) => ImportItem::Rejected(RejectedRecord {
                source_record_id: Some(id),
                position: Some(position),
                reason: e.to_string(),
                field: None,
            }),
        }
    }
}

impl Directory {
    /// Runs a live ORUK API source once (see the module docs), resuming an interrupted run.
    pub async fn import_oruk_api(
        &self,
        source: &SourceRef,
        options: &ApiImportOptions,
        mut progress: impl FnMut(&ImportProgress),
        mut on_batch: impl FnMut(&BatchReport),
    ) -> Result<ImportSummary> {
        let client = OrukClient::new(&source.location, options)?;
        let cursor: ApiCursor = self
            .import_cursor(source)
            .await?
            .and_then(|raw| serde_json::from_str(&raw).ok())
            .unwrap_or_default();
        let resuming = cursor.next_page.is_some();
        let run_started_at = cursor.run_started_at.filter(|_| resuming).unwrap_or_else(Utc::now);
        let modified_after = if resuming {
            cursor.modified_after
        } else if options.incremental {
            cursor.completed_run_started_at
        } else {
            None
        };
        let mut page = cursor.next_page.unwrap_or(1).max(1);
        let mut run = ImportRun::start(self, source, options.dry_run).await?;
        let mut listed: HashSet<String> = HashSet::new();
        let mut state = ImportProgress::default();
        info!(source = %source.name, page, resuming, modified_after = ?modified_after, "oruk api run started");
        let outcome: Result<()> = async {
            client.check_version().await?;
            loop {
                let mut query = vec![
                    ("page", page.to_string()),
                    ("per_page", options.per_page.max(1).to_string()),
                ];
                if let Some(after) = modified_after {
                    query.push((
                        "modified_after",
                        after.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    ));
                }
                let raw = client.get("/services", &query).await?;
                let parsed: OrukPage = serde_json::from_value(raw)
                    .map_err(|e| Error::invalid("location", format!("page {page} is not an ORUK page: {e}")))?;
                let first_position = state.records + 1;
                let count = parsed.contents.len();
                let items: Vec<ImportItem> = stream::iter(parsed.contents.into_iter().enumerate())
                    .map(|(at, item)| client.full_item(item, first_position + at as u64))
                    .buffered(options.concurrency.max(1))
                    .collect()
                    .await;
                for item in &items {
                    match item {
                        ImportItem::Listing(listing) => listed.insert(listing.source_record_id.clone()),
                        ImportItem::Rejected(RejectedRecord {
                            source_record_id: Some(id),
                            ..
                        }) => listed.insert(id.clone()),
                        _ => false,
                    };
                }
                let last = count == 0
                    || parsed.last_page == Some(true)
                    || parsed.total_pages.is_some_and(|total| page as i64 >= total);
                let next = ApiCursor {
                    next_page: Some(page + 1),
                    modified_after,
                    run_started_at: Some(run_started_at),
                    completed_run_started_at: cursor.completed_run_started_at,
                };
                let next = serde_json::to_string(&next).unwrap_or_default();
                state.records += items.len() as u64;
                let report = run.apply(self, items, Some(&next)).await?;
                state.counts = run.counts;
                on_batch(&report);
                progress(&state);
                if last {
                    break;
                }
                page += 1;
            }
            if !options.incremental && !resuming && modified_after.is_none() {
                let report = run.archive_unlisted(self, &listed).await?;
                state.counts = run.counts;
                on_batch(&report);
                progress(&state);
            }
            if !options.dry_run {
                let done = ApiCursor {
                    completed_run_started_at: Some(run_started_at),
                    ..ApiCursor::default()
                };
                let mut tx = self.store().begin_write().await?;
                crate::store::imports::set_source_cursor(
                    &mut tx,
                    source.id,
                    serde_json::to_string(&done).ok().as_deref(),
                )
                .await?;
                tx.commit().await?;
            }
            Ok(())
        }
        .await;
        match outcome {
            Ok(()) => run.finish(self, None).await,
            Err(e) => {
                let failure = e.to_string();
                run.finish(self, Some(&failure)).await?;
                Err(e)
            }
        }
    }
}
