//! Search and type-ahead over services, organisations and funds.

use async_graphql::{Context, Enum, InputObject, Interface, Object, Result, SimpleObject, ID};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use chrono_tz::Europe::London;
use indexer::domain::schedule::Session;
use indexer::search::hits::{Asset, SearchHit};
use indexer::search::{self as engine, Near, SearchOptions, SearchRequest, Within};
use indexer::Directory;

use super::args;
use super::error::{bad_input, engine_error, OrInternal};
use super::listings::DayOfWeek;
use super::listings::{AccessibilityFeature, DeliveryMode, FundObject, OrganizationObject, ServiceObject};
use super::needs::NeedObject;
use super::places::PlaceObject;

/// The largest radius a search may ask for, in kilometres.
const MAX_RADIUS_KM: f64 = 200.0;
/// The radius used when `near` gives none.
const DEFAULT_RADIUS_KM: f64 = 10.0;
/// Longest search text accepted.
const MAX_TEXT_CHARS: usize = 500;

/// What kind of listing a search result is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "indexer::search::AssetKind")]
pub enum AssetKind {
    /// A class, group, drop-in or advice service.
    Service,
    /// An organisation (matched through its services' needs, venues and areas).
    Organization,
    /// A grant or fund to apply to.
    Fund,
}

/// How to order search results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Default)]
#[graphql(remote = "indexer::search::SortOrder")]
pub enum SearchSort {
    /// Best match first: text relevance blended with a distance decay; stale listings lower.
    #[default]
    Relevance,
    /// Nearest first (needs `near`); listings matched by the area they serve come last.
    Distance,
}

/// Where to search around: a postcode, or a point, and a radius.
#[derive(Debug, Clone, InputObject)]
pub struct NearInput {
    /// A UK postcode in the directory's area, e.g. `NR19 1AA` (`NOT_FOUND` when it is well formed
    /// but outside the area). Give this or `lat` and `lng`.
    pub postcode: Option<String>,
    /// Latitude (WGS84 degrees, in the UK).
    pub lat: Option<f64>,
    /// Longitude (WGS84 degrees, in the UK).
    pub lng: Option<f64>,
    /// Radius in kilometres, more than 0 and at most 200 (default 10).
    pub radius_km: Option<f64>,
}

/// Anything search returns.
#[derive(Interface)]
#[graphql(
    name = "Asset",
    field(name = "id", ty = "ID", desc = "Stable UUID."),
    field(name = "name", ty = "&str", desc = "Public name."),
    field(name = "kind", ty = "AssetKind", desc = "What kind of listing this is.")
)]
pub enum AssetNode {
    /// A service.
    Service(ServiceObject),
    /// An organisation.
    Organization(OrganizationObject),
    /// A fund.
    Fund(FundObject),
}

/// A dated occurrence of a schedule, in Europe/London time.
#[derive(SimpleObject)]
pub struct SessionTime {
    /// Start, with the UK offset (e.g. `2026-11-24T10:00:00+00:00`).
    pub starts_at: DateTime<chrono::FixedOffset>,
    /// End, with the UK offset.
    pub ends_at: DateTime<chrono::FixedOffset>,
}

impl From<Session> for SessionTime {
    fn from(session: Session) -> Self {
        SessionTime {
            starts_at: session.starts_at.fixed_offset(),
            ends_at: session.ends_at.fixed_offset(),
        }
    }
}

/// One search result.
pub struct SearchEdge {
    hit: SearchHit,
    cursor: String,
}

#[Object]
/// One search result.
impl SearchEdge {
    /// The listing.
    async fn node(&self) -> AssetNode {
        match self.hit.asset.clone() {
            Asset::Service(s) => AssetNode::Service(ServiceObject(s)),
            Asset::Organization(o) => AssetNode::Organization(OrganizationObject(o)),
            Asset::Fund(f) => AssetNode::Fund(FundObject(f)),
        }
    }
    /// Opaque position; pass as `after` for the next page.
    async fn cursor(&self) -> &str {
        &self.cursor
    }
    /// Kilometres to the nearest venue, when searching `near` and a venue is within the radius.
    async fn distance_km(&self) -> Option<f64> {
        self.hit.distance_km.map(|d| (d * 100.0).round() / 100.0)
    }
    /// The blended ranking score (higher is better; comparable within one search only).
    async fn score(&self) -> f64 {
        f64::from(self.hit.score)
    }
    /// The area this listing serves that contains the search point, when it matched without a
    /// venue within the radius (e.g. a county-wide phone line).
    async fn serves_area(&self, ctx: &Context<'_>) -> Option<PlaceObject> {
        let code = self.hit.serves_area.as_ref()?;
        ctx.data_unchecked::<Directory>().place(code).ok().map(PlaceObject)
    }
    /// Not confirmed as accurate by a person for 12 months or more (ranked lower).
    async fn stale(&self) -> bool {
        self.hit.stale
    }
    /// Why it matched, in plain language: where the words were found ('name matches "chair"',
    /// 'description mentions "falls"', 'in or serving "dereham"'), needs ("Strength and balance"),
    /// "1.8 km away", the next session, "free".
    async fn match_reasons(&self) -> &[String] {
        &self.hit.reasons
    }
    /// The next session on an asked-for day and within the asked-for times, if it has a schedule.
    async fn next_session(&self) -> Option<SessionTime> {
        self.hit.next_session.map(Into::into)
    }
}

/// How many results meet one need.
#[derive(SimpleObject)]
pub struct NeedCount {
    /// The need.
    pub need: NeedObject,
    /// Results meeting it, over all pages.
    pub count: i64,
}

/// How many results are in one district.
#[derive(SimpleObject)]
pub struct DistrictCount {
    /// The district (Place).
    pub place: PlaceObject,
    /// Results with a venue in it or serving it, over all pages.
    pub count: i64,
}

/// Result counts over all pages, for refining a search.
#[derive(SimpleObject)]
pub struct SearchFacets {
    /// Counts by need, most first.
    pub needs: Vec<NeedCount>,
    /// Counts by district, most first.
    pub districts: Vec<DistrictCount>,
}

/// A page of search results.
#[derive(SimpleObject)]
pub struct SearchConnection {
    /// The results of this page with their cursors.
    pub edges: Vec<SearchEdge>,
    /// Where this page sits in the whole result list.
    pub page_info: super::connection::PageInfo,
    /// Results over all pages.
    pub total_count: i64,
    /// Counts by need and district over all pages (costly: every match is counted).
    #[graphql(complexity = 50)]
    pub facets: SearchFacets,
}

/// A type-ahead suggestion.
#[derive(SimpleObject)]
pub struct Suggestion {
    /// Text to show and to search for.
    pub text: String,
    /// The listing it names, if it names one.
    pub kind: Option<AssetKind>,
    /// The listing's id, if it names one.
    pub id: Option<ID>,
    /// The need code, when the suggestion is a need.
    pub need: Option<String>,
}

fn encode_offset(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("offset:{offset}"))
}

/// How deep a search pages: collecting a page after offset N keeps N results in memory, so
/// cursors past this (which this server never hands out for real result lists of its size,
/// but a client can forge) are refused rather than honoured or wrapped round.
const MAX_SEARCH_OFFSET: usize = 10_000;

fn decode_offset(cursor: &str) -> Result<usize> {
    let offset: usize = URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix("offset:").and_then(|n| n.parse().ok()))
        .ok_or_else(|| bad_input("after", "after: not a cursor returned by this search"))?;
    if offset >= MAX_SEARCH_OFFSET {
        return Err(bad_input(
            "after",
            format!("after: pages end at result {MAX_SEARCH_OFFSET}; narrow the search with words, a place or filters"),
        ));
    }
    Ok(offset)
}

/// The arguments of `search`, before validation.
struct SearchArgs {
    text: Option<String>,
    near: Option<NearInput>,
    place: Option<String>,
    needs: Option<Vec<String>>,
    kinds: Option<Vec<AssetKind>>,
    age: Option<i32>,
    days: Option<Vec<DayOfWeek>>,
    time_from: Option<String>,
    time_to: Option<String>,
    free_only: Option<bool>,
    accessibility: Option<Vec<AccessibilityFeature>>,
    delivery_modes: Option<Vec<DeliveryMode>>,
    open_now: Option<bool>,
    sort: Option<SearchSort>,
    first: Option<i32>,
    after: Option<String>,
}

async fn near(directory: &Directory, input: NearInput) -> Result<Near> {
    let radius_km = input.radius_km.unwrap_or(DEFAULT_RADIUS_KM);
    if !(radius_km > 0.0 && radius_km <= MAX_RADIUS_KM) {
        return Err(bad_input(
            "near.radiusKm",
            format!("near.radiusKm: must be more than 0 and at most {MAX_RADIUS_KM} km"),
        ));
    }
    if let (Some(raw), None, None) = (input.postcode.as_deref(), input.lat, input.lng) {
        // The engine's one path from a postcode to a circle (ORUK's `postcode` uses it too).
        let postcode = args::postcode("near.postcode", raw)?;
        // Well formed but unknown: `NOT_FOUND`, as the `postcode` query says it.
        directory
            .postcode(&postcode)
            .await
            .map_err(|error| engine_error(error, Some("near.postcode")))?;
        return directory
            .near_postcode(&postcode, radius_km, "near.postcode")
            .await
            .map_err(|error| engine_error(error, None));
    }
    let point = args::location(directory, "near", input.postcode.as_deref(), input.lat, input.lng).await?;
    let containing_places = directory.places_at(point).into_iter().map(|place| place.code).collect();
    Ok(Near {
        point,
        radius_km,
        containing_places,
    })
}

async fn parse_request(directory: &Directory, a: SearchArgs) -> Result<SearchRequest> {
    if a.text.as_deref().is_some_and(|t| t.chars().count() > MAX_TEXT_CHARS) {
        return Err(bad_input("text", format!("text: at most {MAX_TEXT_CHARS} characters")));
    }
    let age = match a.age {
        Some(age @ 0..=120) => Some(i64::from(age)),
        Some(_) => return Err(bad_input("age", "age: must be between 0 and 120")),
        None => None,
    };
    let (time_from, time_to) = (
        args::clock("timeFrom", a.time_from.as_deref())?,
        args::clock("timeTo", a.time_to.as_deref())?,
    );
    if let (Some(from), Some(to)) = (time_from, time_to) {
        if from >= to {
            return Err(bad_input("timeTo", "timeTo: must be later than timeFrom"));
        }
    }
    let within = match a.place.as_deref() {
        Some(raw) => {
            let code = args::place_code("place", raw)?;
            directory
                .place(&code)
                .map_err(|_| bad_input("place", format!("place: no place with code {code}")))?;
            Some(Within {
                overlapping: directory.places().overlapping_codes(&code),
                members: directory.custom_place_members(&code).await.or_gql(Some("place"))?,
                code,
            })
        }
        None => None,
    };
    let near = match a.near {
        Some(input) => Some(near(directory, input).await?),
        None => None,
    };
    let sort = a.sort.unwrap_or_default();
    if sort == SearchSort::Distance && near.is_none() {
        return Err(bad_input("sort", "sort: DISTANCE needs `near`"));
    }
    let limit = args::page_size(a.first)? as usize;
    Ok(SearchRequest {
        text: a.text.filter(|t| !t.trim().is_empty()),
        near,
        within,
        needs: args::bounded("needs", a.needs)?
            .iter()
            .map(|n| args::need_code("needs", n))
            .collect::<Result<_>>()?,
        kinds: args::bounded("kinds", a.kinds)?.into_iter().map(Into::into).collect(),
        age,
        days: args::bounded("days", a.days)?.into_iter().map(Into::into).collect(),
        time_from,
        time_to,
        free_only: a.free_only.unwrap_or(false),
        accessibility: args::bounded("accessibility", a.accessibility)?
            .into_iter()
            .map(Into::into)
            .collect(),
        delivery_modes: args::bounded("deliveryModes", a.delivery_modes)?
            .into_iter()
            .map(Into::into)
            .collect(),
        open_funds_only: a.open_now.unwrap_or(false),
        sort: sort.into(),
        offset: a
            .after
            .as_deref()
            .map(decode_offset)
            .transpose()?
            .map_or(0, |offset| offset + 1),
        limit,
        today: Utc::now().with_timezone(&London).date_naive(),
        ..SearchRequest::default()
    })
}

/// Root fields for search.
#[derive(Default)]
pub struct SearchQuery;

#[Object]
impl SearchQuery {
    /// Finds services, organisations and funds by words, place and constraints, combined with
    /// AND. Text is plain words (never query syntax), stemmed, typo-tolerant and expanded with
    /// need synonyms ("wobbly" finds strength-and-balance). With no arguments it browses
    /// everything. Only active listings are searched.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "10 + child_complexity")]
    async fn search(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Words, e.g. `chair exercise` or `help with heating bills` (at most 500 characters).")]
        text: Option<String>,
        #[graphql(desc = "Only listings with a venue within the radius, or serving an area containing the point.")]
        near: Option<NearInput>,
        #[graphql(
            desc = "GSS code of a place: only listings with a venue inside it or serving an area overlapping it."
        )]
        place: Option<String>,
        #[graphql(desc = "Need codes (see `needs`): listings meeting any of them.")] needs: Option<Vec<String>>,
        #[graphql(desc = "Kinds of listing (all kinds if omitted).")] kinds: Option<Vec<AssetKind>>,
        #[graphql(desc = "The person's age in years (0-120): the listing's age range must include it.")] age: Option<
            i32,
        >,
        #[graphql(desc = "Only listings with a session on one of these days.")] days: Option<Vec<DayOfWeek>>,
        #[graphql(desc = "Only sessions starting at or after this local time, `HH:MM`.")] time_from: Option<String>,
        #[graphql(desc = "Only sessions ending at or before this local time, `HH:MM`.")] time_to: Option<String>,
        #[graphql(
            desc = "Only listings known to be free to take part in: a service whose cost is unknown is left out (funds count as free)."
        )]
        free_only: Option<bool>,
        #[graphql(desc = "Only listings with a venue offering every one of these features.")] accessibility: Option<
            Vec<AccessibilityFeature>,
        >,
        #[graphql(desc = "Only listings delivered in one of these ways.")] delivery_modes: Option<Vec<DeliveryMode>>,
        #[graphql(desc = "Only funds open for applications today (other kinds are unaffected).")] open_now: Option<
            bool,
        >,
        #[graphql(desc = "Order of results (default RELEVANCE).")] sort: Option<SearchSort>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts (`pageInfo.endCursor` of the previous page).")]
        after: Option<String>,
    ) -> Result<SearchConnection> {
        let directory = ctx.data_unchecked::<Directory>();
        let had_cursor = after.is_some();
        let search_args = SearchArgs {
            text,
            near,
            place,
            needs,
            kinds,
            age,
            days,
            time_from,
            time_to,
            free_only,
            accessibility,
            delivery_modes,
            open_now,
            sort,
            first,
            after,
        };
        let request = parse_request(directory, search_args).await?;
        // Count every match and the facets only when asked for: a page alone is much cheaper.
        let look_ahead = ctx.look_ahead();
        let options = SearchOptions {
            exact_total: look_ahead.field("totalCount").exists(),
            facets: look_ahead.field("facets").exists(),
        };
        let offset = request.offset;
        let results = directory.search(request, options).await.or_gql(None)?;
        let places = directory.places();
        let facets = SearchFacets {
            needs: results
                .need_counts
                .iter()
                .filter_map(|(code, count)| {
                    indexer::domain::NeedCode::parse(code).ok().map(|n| NeedCount {
                        need: NeedObject(n.need()),
                        count: *count as i64,
                    })
                })
                .collect(),
            districts: results
                .district_counts
                .iter()
                .filter_map(|(code, count)| {
                    let code = indexer::domain::PlaceCode::parse(code).ok()?;
                    places.get(&code).cloned().map(|place| DistrictCount {
                        place: PlaceObject(place),
                        count: *count as i64,
                    })
                })
                .collect(),
        };
        let edges: Vec<SearchEdge> = results
            .hits
            .into_iter()
            .enumerate()
            .map(|(i, hit)| SearchEdge {
                hit,
                cursor: encode_offset(offset + i),
            })
            .collect();
        let page_info = super::connection::PageInfo {
            has_next_page: results.has_more,
            has_previous_page: had_cursor,
            start_cursor: edges.first().map(|e| e.cursor.clone()),
            end_cursor: edges.last().map(|e| e.cursor.clone()),
        };
        Ok(SearchConnection {
            edges,
            page_info,
            total_count: results.total as i64,
            facets,
        })
    }

    /// Type-ahead: needs and listing names with a word starting with `prefix`.
    async fn suggest(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What the person has typed so far (at most 100 characters).")] prefix: String,
        #[graphql(desc = "How many suggestions, 1 to 20 (default 8).")] first: Option<i32>,
    ) -> Result<Vec<Suggestion>> {
        if prefix.chars().count() > 100 {
            return Err(bad_input("prefix", "prefix: at most 100 characters"));
        }
        let limit = match first.unwrap_or(8) {
            n @ 1..=20 => n as usize,
            _ => return Err(bad_input("first", "first: must be between 1 and 20")),
        };
        let wanted = prefix.trim().to_lowercase();
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let mut suggestions: Vec<Suggestion> = indexer::domain::TAXONOMY
            .iter()
            .filter(|need| {
                need.label
                    .to_lowercase()
                    .split_whitespace()
                    .any(|w| w.starts_with(&wanted))
                    || need.keywords.iter().any(|k| k.starts_with(&wanted))
            })
            .map(|need| Suggestion {
                text: need.label.to_string(),
                kind: None,
                id: None,
                need: Some(need.code.to_string()),
            })
            .collect();
        let directory = ctx.data_unchecked::<Directory>();
        let names = directory.suggest(&prefix, limit).await.or_gql(None)?;
        suggestions.extend(names.into_iter().map(|s: engine::Suggestion| Suggestion {
            text: s.text,
            kind: s.kind.map(Into::into),
            id: s.id.map(|id| ID(id.to_string())),
            need: None,
        }));
        suggestions.truncate(limit);
        Ok(suggestions)
    }
}
