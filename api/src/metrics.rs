//! What operators watch: `GET /metrics` in the Prometheus text format, and one access-log line
//! per request.
//!
//! Every label has a bounded set of values, so no client can grow the registry: routes are the
//! router's path templates (`/oruk/services/{id}`, never the path as sent), GraphQL operations
//! are named by their first root field only once the request has validated against the schema
//! (else `invalid`), and outcomes are the stable error codes. Nothing a person typed (query
//! strings, variables, bodies) is recorded in either place.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use async_graphql::parser::types::{DocumentOperations, OperationType, Selection};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use indexer::operations::OperationalStats;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::AppState;

/// A request as counted: the route it matched, its method and the answer's status.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

/// A GraphQL operation as counted: `query search`, `mutation updateService`, or `invalid`, and
/// `ok` or the first error's code.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabels {
    operation: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CacheLabels {
    cache: &'static str,
}

type LatencyFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 0.5 ms to about 16 s.
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

/// The process's metrics. Cheap to clone (shared counters).
#[derive(Clone)]
pub struct Metrics {
    registry: Arc<Registry>,
    requests: Family<RequestLabels, Counter>,
    latency: LatencyFamily,
    operations: Family<OperationLabels, Counter>,
    refusals: Family<RouteLabels, Counter>,
    engine: Arc<EngineCollector>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("directory");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route template, method and status",
            requests.clone(),
        );
        let latency: LatencyFamily = Family::new_with_constructor(latency_histogram);
        registry.register(
            "http_request_duration_seconds",
            "Time from a request's arrival to its answer's headers, by route template",
            latency.clone(),
        );
        let operations = Family::<OperationLabels, Counter>::default();
        registry.register(
            "graphql_operations",
            "GraphQL requests, by operation (type and first root field, or invalid) and outcome (ok or the first error's code)",
            operations.clone(),
        );
        let refusals = Family::<RouteLabels, Counter>::default();
        registry.register(
            "rate_limit_refusals",
            "Requests refused with 429 because their client was over its rate limit, by route template",
            refusals.clone(),
        );
        let engine = Arc::new(EngineCollector::default());
        registry.register_collector(Box::new(engine.clone()));
        Metrics {
            registry: Arc::new(registry),
            requests,
            latency,
            operations,
            refusals,
            engine,
        }
    }

    /// Counts one answered request.
    pub fn record_request(&self, route: &str, method: &str, status: StatusCode, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels {
                route: route.to_string(),
                method: method.to_string(),
                status: status.as_u16(),
            })
            .inc();
        let route = RouteLabels {
            route: route.to_string(),
        };
        self.latency.get_or_create(&route).observe(seconds);
        if status == StatusCode::TOO_MANY_REQUESTS {
            self.refusals.get_or_create(&route).inc();
        }
    }

    /// Counts one executed GraphQL request.
    pub fn record_operation(&self, operation: &str, outcome: &str) {
        self.operations
            .get_or_create(&OperationLabels {
                operation: operation.to_string(),
                outcome: outcome.to_string(),
            })
            .inc();
    }

    /// The text exposition, with the engine's figures as of `stats`.
    pub fn render(&self, stats: OperationalStats) -> Result<String, std::fmt::Error> {
        *self.engine.lock() = Some(stats);
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

/// The engine's figures, read fresh at each scrape (index lag, cache hits).
#[derive(Debug, Default)]
struct EngineCollector {
    latest: Mutex<Option<OperationalStats>>,
}

impl EngineCollector {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<OperationalStats>> {
        match self.latest.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

impl Collector for EngineCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let Some(stats) = *self.lock() else {
            return Ok(());
        };
        let gauges = [
            (
                "change_log_head",
                "Newest change-log position in the database",
                stats.change_log_head,
            ),
            (
                "index_applied",
                "Change-log position the search index reflects",
                stats.index_applied,
            ),
            (
                "index_lag",
                "Change-log rows committed but not yet searchable",
                stats.change_log_head.saturating_sub(stats.index_applied).max(0),
            ),
            (
                "index_documents",
                "Documents in the search index",
                i64::try_from(stats.searchable_documents).unwrap_or(i64::MAX),
            ),
        ];
        for (name, help, value) in gauges {
            let gauge = ConstGauge::new(value);
            gauge.encode(encoder.encode_descriptor(name, help, None, gauge.metric_type())?)?;
        }
        for (name, help, pick) in [
            (
                "cache_hits",
                "Listings found in a hydration cache, by cache",
                (|c: indexer::search::cache::CacheCounts| c.hits) as fn(_) -> u64,
            ),
            (
                "cache_misses",
                "Listings read from the database because a hydration cache lacked them, by cache",
                |c: indexer::search::cache::CacheCounts| c.misses,
            ),
        ] {
            let mut family =
                encoder.encode_descriptor(name, help, None, prometheus_client::metrics::MetricType::Counter)?;
            for (cache, counts) in [("search", stats.search_cache), ("signpost", stats.signpost_cache)] {
                ConstCounter::new(pick(counts)).encode(family.encode_family(&CacheLabels { cache })?)?;
            }
        }
        Ok(())
    }
}

/// `GET /metrics`: the Prometheus text exposition (format 0.0.4 with OpenMetrics' names).
pub async fn serve_metrics(State(state): State<AppState>) -> Response {
    let stats = match state.directory.operational_stats().await {
        Ok(stats) => stats,
        Err(error) => {
            tracing::error!(?error, "metrics could not read the engine's figures");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    match state.metrics.render(stats) {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
            )],
            text,
        )
            .into_response(),
        Err(error) => {
            tracing::error!(?error, "metrics could not be written");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Middleware: times and counts every request and writes its access-log line (route template,
/// method, status, milliseconds, answer length; never the query string or body). Health
/// probes and scrapes are logged at debug level so they do not drown the log.
pub async fn observe(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |path| path.as_str().to_string());
    let method = request.method().as_str().to_string();
    let response = next.run(request).await;
    let elapsed = started.elapsed();
    let status = response.status();
    state
        .metrics
        .record_request(&route, &method, status, elapsed.as_secs_f64());
    let bytes = response
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok())
        .or_else(|| axum::body::HttpBody::size_hint(response.body()).exact());
    let ms = (elapsed.as_secs_f64() * 1e4).round() / 10.0;
    if route == "/healthz" || route == "/metrics" {
        tracing::debug!(target: "access", %method, %route, status = status.as_u16(), ms, bytes, "request");
    } else {
        tracing::info!(target: "access", %method, %route, status = status.as_u16(), ms, bytes, "request");
    }
    response
}

/// The label of a GraphQL request's operation: its type and first root field (`query search`)
/// once the request has validated, so only the schema's own names ever become labels.
pub fn operation_label(
    query: &str,
    operation_name: Option<&str>,
    response: &async_graphql::Response,
) -> (String, String) {
    let outcome = response.errors.first().map_or_else(
        || "ok".to_string(),
        |error| error_code(error).unwrap_or("ERROR").to_string(),
    );
    let invalid = response.errors.iter().any(|error| {
        matches!(
            error_code(error),
            Some("GRAPHQL_PARSE_FAILED" | "GRAPHQL_VALIDATION_FAILED" | "BAD_REQUEST")
        )
    });
    let operation = if invalid {
        None
    } else {
        root_field(query, operation_name)
    };
    (operation.unwrap_or_else(|| "invalid".to_string()), outcome)
}

fn error_code(error: &async_graphql::ServerError) -> Option<&str> {
    match error.extensions.as_ref()?.get("code")? {
        async_graphql::Value::String(code) => Some(code.as_str()),
        _ => None,
    }
}

fn root_field(query: &str, operation_name: Option<&str>) -> Option<String> {
    let document = async_graphql::parser::parse_query(query).ok()?;
    let operation = match &document.operations {
        DocumentOperations::Single(operation) => operation,
        DocumentOperations::Multiple(operations) => match operation_name {
            Some(name) => operations.get(name)?,
            None => operations.values().next()?,
        },
    };
    let kind = match operation.node.ty {
        OperationType::Query => "query",
        OperationType::Mutation => "mutation",
        OperationType::Subscription => "subscription",
    };
    let field = operation
        .node
        .selection_set
        .node
        .items
        .iter()
        .find_map(|selection| match &selection.node {
            Selection::Field(field) => Some(field.node.name.node.to_string()),
            _ => None,
        })
        .unwrap_or_else(|| "fragment".to_string());
    Some(format!("{kind} {field}"))
}
