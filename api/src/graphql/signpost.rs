//! Signposting: from a resident's needs to a short, explained list they can actually use.

use async_graphql::{Context, InputObject, Object, Result};
use indexer::accounts::Viewer;
use indexer::signpost::{self as engine, render, SignpostRequest};
use indexer::Directory;

use super::args;
use super::error::{bad_input, OrInternal};
use super::listings::DayOfWeek;
use super::listings::{AccessibilityFeature, DeliveryMode, FundObject, LocationObject, ServiceObject};
use super::needs::NeedObject;
use super::places::PlaceObject;
use super::search::SessionTime;

/// Longest description accepted, in characters.
const MAX_DESCRIPTION_CHARS: usize = 2_000;
/// Most options per need.
const MAX_OPTIONS_PER_NEED: i32 = 10;

/// A signposting request: where the person lives, their age, their needs (as codes and/or in
/// the link worker's words) and what they can get to. Nothing in it is stored or logged.
#[derive(Debug, Clone, InputObject)]
pub struct SignpostInput {
    /// The person's postcode (give this or `lat` and `lng`); `NOT_FOUND` when it is well formed
    /// but outside the directory's area.
    pub postcode: Option<String>,
    /// Latitude (WGS84), instead of a postcode.
    pub lat: Option<f64>,
    /// Longitude (WGS84), instead of a postcode.
    pub lng: Option<f64>,
    /// Age in years, 0 to 120.
    pub age: Option<i32>,
    /// Need codes (see `needs`).
    pub needs: Option<Vec<String>>,
    /// What the person needs in the link worker's words, up to 2,000 characters, e.g. "had two
    /// falls since the summer, lonely since her husband died, worried about heating bills".
    pub description: Option<String>,
    /// How far the person can travel, km (more than 0, at most 200). Default 5 km in towns and
    /// 15 km in rural areas (LSOAs under 500 residents per km²).
    pub max_distance_km: Option<f64>,
    /// Days the person is available (any day if omitted).
    pub days: Option<Vec<DayOfWeek>>,
    /// Earliest start time, `HH:MM`.
    pub time_from: Option<String>,
    /// Latest end time, `HH:MM`.
    pub time_to: Option<String>,
    /// Acceptable ways of taking part (any if omitted).
    pub delivery_modes: Option<Vec<DeliveryMode>>,
    /// Only options known to be free (a service whose cost is unknown is left out).
    pub free_only: Option<bool>,
    /// Accessibility the person needs at a venue (all of them), e.g. STEP_FREE, HEARING_LOOP, SEATED_OPTIONS.
    pub accessibility: Option<Vec<AccessibilityFeature>>,
    /// Include listings not confirmed for 12 months (left out by default).
    pub include_stale: Option<bool>,
    /// Options per need, 1 to 10 (default 3).
    pub options_per_need: Option<i32>,
}

async fn parse(directory: &Directory, input: SignpostInput) -> Result<SignpostRequest> {
    let point = args::location(directory, "input", input.postcode.as_deref(), input.lat, input.lng).await?;
    let age = match input.age {
        Some(age @ 0..=120) => Some(i64::from(age)),
        Some(_) => return Err(bad_input("input.age", "input.age: must be between 0 and 120")),
        None => None,
    };
    let needs = args::bounded("input.needs", input.needs)?
        .iter()
        .map(|n| args::need_code("input.needs", n))
        .collect::<Result<Vec<_>>>()?;
    let description = input.description.filter(|d| !d.trim().is_empty());
    if description
        .as_deref()
        .is_some_and(|d| d.chars().count() > MAX_DESCRIPTION_CHARS)
    {
        return Err(bad_input(
            "input.description",
            format!("input.description: at most {MAX_DESCRIPTION_CHARS} characters"),
        ));
    }
    if needs.is_empty() && description.is_none() {
        return Err(bad_input(
            "input",
            "input: give `needs` or a `description` of what the person needs",
        ));
    }
    if input.max_distance_km.is_some_and(|d| !(d > 0.0 && d <= 200.0)) {
        return Err(bad_input(
            "input.maxDistanceKm",
            "input.maxDistanceKm: must be more than 0 and at most 200",
        ));
    }
    let (time_from, time_to) = (
        args::clock("input.timeFrom", input.time_from.as_deref())?,
        args::clock("input.timeTo", input.time_to.as_deref())?,
    );
    if let (Some(from), Some(to)) = (time_from, time_to) {
        if from >= to {
            return Err(bad_input("input.timeTo", "input.timeTo: must be later than timeFrom"));
        }
    }
    let options_per_need = match input
        .options_per_need
        .unwrap_or(engine::DEFAULT_OPTIONS_PER_NEED as i32)
    {
        n @ 1..=MAX_OPTIONS_PER_NEED => n as usize,
        _ => {
            return Err(bad_input(
                "input.optionsPerNeed",
                "input.optionsPerNeed: must be between 1 and 10",
            ))
        }
    };
    Ok(SignpostRequest {
        point,
        age,
        needs,
        description,
        max_distance_km: input.max_distance_km,
        days: args::bounded("input.days", input.days)?
            .into_iter()
            .map(Into::into)
            .collect(),
        time_from,
        time_to,
        delivery_modes: args::bounded("input.deliveryModes", input.delivery_modes)?
            .into_iter()
            .map(Into::into)
            .collect(),
        free_only: input.free_only.unwrap_or(false),
        accessibility: args::bounded("input.accessibility", input.accessibility)?
            .into_iter()
            .map(Into::into)
            .collect(),
        include_stale: input.include_stale.unwrap_or(false),
        options_per_need,
        asked_by: None,
    })
}

/// One suggestion for a need.
pub struct SignpostOptionObject(engine::SignpostOption);

#[Object(name = "SignpostOption")]
/// One suggestion for a need.
impl SignpostOptionObject {
    /// The service.
    async fn service(&self) -> ServiceObject {
        ServiceObject(self.0.service.clone())
    }
    /// The venue nearest the person (null for phone, online and home-visit services).
    async fn location(&self) -> Option<LocationObject> {
        self.0.location.clone().map(LocationObject)
    }
    /// Kilometres to that venue.
    async fn distance_km(&self) -> Option<f64> {
        self.0.distance_km
    }
    /// Reached by phone, online or home visits across the person's area rather than at a venue.
    async fn remote(&self) -> bool {
        self.0.remote
    }
    /// Fit, 0-100: 100 less up to 40 for distance (in proportion to the reach), 25 if only
    /// remote, 10 if it costs, 25 if stale, 5 if no session dates are known. Options are
    /// ordered by it.
    async fn fit_score(&self) -> f64 {
        self.0.fit_score
    }
    /// The next three sessions that suit the person's days and times (Europe/London).
    async fn next_sessions(&self) -> Vec<SessionTime> {
        self.0.next_sessions.iter().copied().map(Into::into).collect()
    }
    /// The cost in words ("Free", "£3 per session").
    async fn cost(&self) -> &str {
        &self.0.cost
    }
    /// How to join or be referred.
    async fn how_to_join(&self) -> Option<&str> {
        self.0.service.how_to_join.as_deref()
    }
    /// Not confirmed as accurate for 12 months (only with `includeStale`).
    async fn stale(&self) -> bool {
        self.0.stale
    }
    /// Why it fits, in plain language: "Tuesdays 10:00", "1.8 km", "free", "step-free".
    async fn reasons(&self) -> &[String] {
        &self.0.reasons
    }
    /// The reasons as one line.
    async fn summary(&self) -> String {
        self.0.reasons.join(", ")
    }
}

/// The answer for one need.
pub struct NeedResultObject(engine::NeedResult);

#[Object(name = "SignpostNeedResult")]
/// The answer for one need.
impl NeedResultObject {
    /// The need.
    async fn need(&self) -> NeedObject {
        NeedObject(self.0.need.need())
    }
    /// Up to `optionsPerNeed` options within the distance, best fit first.
    async fn options(&self) -> Vec<SignpostOptionObject> {
        self.0.options.iter().cloned().map(SignpostOptionObject).collect()
    }
    /// Nothing suitable within the distance: a gap, counted (anonymously) for commissioners.
    async fn unmet(&self) -> bool {
        self.0.unmet
    }
    /// When unmet: the nearest suitable option beyond the distance.
    async fn nearest_beyond(&self) -> Option<SignpostOptionObject> {
        self.0.nearest_beyond.clone().map(SignpostOptionObject)
    }
    /// When unmet: phone or online services serving the person's area.
    async fn remote_alternatives(&self) -> Vec<SignpostOptionObject> {
        self.0
            .remote_alternatives
            .iter()
            .cloned()
            .map(SignpostOptionObject)
            .collect()
    }
}

/// A need read from the description, with the words that triggered it.
pub struct DetectedNeedObject(engine::DetectedNeed);

#[Object(name = "DetectedNeed")]
/// A need read from the description, with the words that triggered it.
impl DetectedNeedObject {
    /// The need.
    async fn need(&self) -> NeedObject {
        NeedObject(self.0.need.need())
    }
    /// The words that triggered it.
    async fn triggers(&self) -> &[String] {
        &self.0.triggers
    }
    /// Every mention was negated ("no mobility problems"): ruled out, not searched for.
    async fn negated(&self) -> bool {
        self.0.negated
    }
}

/// A signposting answer.
pub struct SignpostResultObject(engine::SignpostResult);

#[Object(name = "SignpostResult")]
/// A signposting answer.
impl SignpostResultObject {
    /// One answer per need: the needs given, then those read from the description.
    async fn needs(&self) -> Vec<NeedResultObject> {
        self.0.needs.iter().cloned().map(NeedResultObject).collect()
    }
    /// What the classifier read in the description, including needs it ruled out.
    async fn detected_needs(&self) -> Vec<DetectedNeedObject> {
        self.0.detected.iter().cloned().map(DetectedNeedObject).collect()
    }
    /// Funds the person may be eligible for (age, place, open today, for their needs), once each.
    async fn funds(&self) -> Vec<FundObject> {
        self.0.funds.iter().cloned().map(FundObject).collect()
    }
    /// The reach used, km.
    async fn max_distance_km(&self) -> f64 {
        self.0.max_distance_km
    }
    /// Whether the person lives in a rural area (so the default reach is wider).
    async fn rural(&self) -> bool {
        self.0.rural
    }
    /// The district (Place) the person lives in.
    async fn place(&self, ctx: &Context<'_>) -> Option<PlaceObject> {
        let code = self.0.district.as_ref()?;
        ctx.data_unchecked::<Directory>().place(code).ok().map(PlaceObject)
    }
    /// The shortlist as plain text, to hand or send to the resident.
    async fn text(&self) -> String {
        render::to_text(&self.0)
    }
    /// The shortlist as a simple printable HTML page.
    async fn html(&self) -> String {
        render::to_html(&self.0)
    }
}

/// Root fields for signposting.
/// Who is asking, for counting unmet needs once per asker: the token holder, else the
/// client's address (or IPv6 /64) as admission saw it.
fn asker(ctx: &Context<'_>) -> Option<String> {
    let viewer = ctx.data_opt::<Viewer>();
    if let Some(principal) = viewer.and_then(|viewer| viewer.principal.as_ref()) {
        return Some(format!("principal:{}", principal.id));
    }
    ctx.data_opt::<crate::admission::ClientKey>()
        .map(|client| format!("client:{}", client.0))
}

#[derive(Default)]
pub struct SignpostQuery;

#[Object]
impl SignpostQuery {
    /// From a resident's needs to a short, explained list per need of things near them they
    /// can use, funds they may be eligible for, and any gaps. Nothing from the input is stored
    /// or logged; unmet needs are counted per (Place, need, week) only.
    #[graphql(complexity = "200 + child_complexity")]
    async fn signpost(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Who, where and what.")] input: SignpostInput,
    ) -> Result<SignpostResultObject> {
        let directory = ctx.data_unchecked::<Directory>();
        let mut request = parse(directory, input).await?;
        request.asked_by = asker(ctx);
        directory.signpost(request).await.map(SignpostResultObject).or_gql(None)
    }
}
