//! What a search gives once its page is hydrated from the store: each listing, its score,
//! distance and the reasons it matched ([`crate::Directory::search`] fills them in).

use crate::domain::schedule::Session;
use crate::domain::*;

/// A listing search can return.
#[derive(Debug, Clone)]
pub enum Asset {
    Service(Service),
    Organization(Organization),
    Fund(Fund),
}

/// One result.
#[derive(Debug, Clone)]
pub struct SearchHit {
    pub asset: Asset,
    pub score: f32,
    /// Distance to the nearest venue, when searching near a point and a venue is in range.
    pub distance_km: Option<f64>,
    /// The area served that matched, when the listing matched without a venue in range.
    pub serves_area: Option<PlaceCode>,
    pub stale: bool,
    /// Plain-language reasons it matched.
    pub reasons: Vec<String>,
    /// The next session that fits the request's days and times.
    pub next_session: Option<Session>,
}

/// A page of results with the totals over all of them.
#[derive(Debug, Clone, Default)]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
    /// Every match, when the request asked for the exact total (else a lower bound).
    pub total: usize,
    /// More matches follow this page.
    pub has_more: bool,
    /// (need code, count), most first.
    pub need_counts: Vec<(String, u64)>,
    /// (district code, count), most first.
    pub district_counts: Vec<(String, u64)>,
}
