//! Reading feed pages and dataset sites over HTTP, politely: a timeout, a user agent, a pause
//! between pages, and retries with a doubling backoff for failures that may pass (a 5xx, a
//! 429, a dropped connection). A 4xx other than 429 is not retried.

use std::time::Duration;

use serde_json::Value;

/// How the consumer reads over HTTP.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// Tries after the first for a failure that may pass.
    pub retries: u32,
    /// The wait before the first retry; doubled for each next one.
    pub retry_backoff: Duration,
    /// The wait between pages (a publisher's rate limit).
    pub page_interval: Duration,
    pub timeout: Duration,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            retries: 3,
            retry_backoff: Duration::from_millis(500),
            page_interval: Duration::ZERO,
            timeout: Duration::from_secs(60),
        }
    }
}

/// Why a page could not be read (after the retries).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{url}: {reason}")]
pub struct FetchError {
    pub url: String,
    pub reason: String,
}

/// What came back: JSON, or a page of something else (a dataset site's HTML).
#[derive(Debug, Clone, PartialEq)]
pub enum Fetched {
    Json(Value),
    Text(String),
}

/// An HTTP client for one run.
#[derive(Debug, Clone)]
pub struct FeedClient {
    http: reqwest::Client,
    options: FetchOptions,
}

impl FeedClient {
    pub fn new(options: FetchOptions) -> Result<FeedClient, FetchError> {
        let http = reqwest::Client::builder()
            .timeout(options.timeout)
            .user_agent(concat!(
                "community-asset-directory/",
                env!("CARGO_PKG_VERSION"),
                " (OpenActive consumer)"
            ))
            .build()
            .map_err(|e| FetchError {
                url: String::new(),
                reason: format!("cannot build the HTTP client: {e}"),
            })?;
        Ok(FeedClient { http, options })
    }

    pub fn options(&self) -> &FetchOptions {
        &self.options
    }

    /// GETs `url`, retrying failures that may pass; JSON bodies are parsed.
    pub async fn get(&self, url: &str) -> Result<Fetched, FetchError> {
        let mut wait = self.options.retry_backoff;
        let mut attempt = 0;
        loop {
            match self.get_once(url).await {
                Ok(fetched) => return Ok(fetched),
                Err((reason, may_pass)) if may_pass && attempt < self.options.retries => {
                    tracing::warn!(url, attempt, %reason, "feed page failed; retrying");
                    tokio::time::sleep(wait).await;
                    wait *= 2;
                    attempt += 1;
                }
                Err((reason, _)) => {
                    return Err(FetchError {
                        url: url.to_string(),
                        reason,
                    })
                }
            }
        }
    }

    /// One GET: the body, or why not and whether trying again may help.
    async fn get_once(&self, url: &str) -> Result<Fetched, (String, bool)> {
        let response = self
            .http
            .get(url)
            .header(reqwest::header::ACCEPT, "application/json, text/html;q=0.9, */*;q=0.5")
            .send()
            .await
            .map_err(|e| (format!("request failed: {e}"), true))?;
        let status = response.status();
        if !status.is_success() {
            let may_pass = status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS;
            return Err((format!("HTTP {}", status.as_u16()), may_pass));
        }
        let text = response
            .text()
            .await
            .map_err(|e| (format!("reading the body failed: {e}"), true))?;
        Ok(match serde_json::from_str::<Value>(&text) {
            Ok(json) => Fetched::Json(json),
            Err(_) => Fetched::Text(text),
        })
    }
}
