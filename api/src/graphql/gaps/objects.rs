//! The objects of gap reports, wrapping the engine's report types.

use async_graphql::{Context, Enum, Json, Object, Result, SimpleObject, ID};
use indexer::gaps::{self as engine, export, AreaGap, GapAsset, GapMatrix, GapReport, GapSummary, PointSource};
use indexer::Directory;

use super::PopulationGroup;
use crate::graphql::error::OrInternal;
use crate::graphql::listings::DayOfWeek;
use crate::graphql::listings::ServiceObject;
use crate::graphql::needs::NeedObject;
use crate::graphql::places::PlaceObject;

/// How an LSOA is covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "indexer::gaps::Coverage")]
pub enum Coverage {
    /// An eligible venue is within reach.
    Venue,
    /// No venue within reach, but an area-serving service (phone, online, visits) serves it;
    /// only with `includeRemote`.
    Remote,
    /// Nothing eligible within reach.
    None,
}

/// How a report's capacity compares with demand. Listings carry no capacity, so places are
/// sessions times an assumed number of people per session.
#[derive(SimpleObject)]
pub struct Capacity {
    /// People a year the Place plans for (default 800, the Norfolk falls-prevention specification).
    pub demand_per_year: i64,
    /// People a session is assumed to take.
    pub places_per_session: i64,
    /// Sessions a week at eligible venues inside the Place.
    pub weekly_sessions: f64,
    /// `weeklySessions × placesPerSession`.
    pub weekly_places: f64,
}

/// A gap report: every LSOA of a Place, how far its target population lives from the nearest
/// eligible asset for a need, and the totals.
pub struct GapReportObject(pub GapReport);

#[Object(name = "GapReport")]
/// A gap report: every LSOA of a Place, how far its target population lives from the nearest
/// eligible asset for a need, and the totals.
impl GapReportObject {
    /// The Place reported on.
    async fn place(&self) -> PlaceObject {
        PlaceObject(self.0.place.clone())
    }
    /// The need reported on.
    async fn need(&self) -> NeedObject {
        NeedObject(self.0.need.need())
    }
    /// The reach used, in km.
    async fn max_distance_km(&self) -> f64 {
        self.0.criteria.max_distance.km()
    }
    /// Whose population is counted.
    async fn population(&self) -> PopulationGroup {
        self.0.criteria.population.into()
    }
    /// Whether area-serving services counted.
    async fn include_remote(&self) -> bool {
        self.0.criteria.include_remote
    }
    /// Whether stale listings counted.
    async fn include_stale(&self) -> bool {
        self.0.criteria.include_stale
    }
    /// The day asked for, if any.
    async fn day(&self) -> Option<DayOfWeek> {
        self.0.criteria.day.map(Into::into)
    }
    /// Share of the target population covered, 0 to 100.
    async fn coverage_percent(&self) -> f64 {
        self.0.summary.coverage_percent
    }
    /// The target population of the Place's LSOAs (Census 2021).
    async fn target_population(&self) -> i64 {
        self.0.summary.target_population
    }
    /// Target population in covered LSOAs.
    async fn covered_population(&self) -> i64 {
        self.0.summary.covered_population
    }
    /// Target population in LSOAs with nothing within reach.
    async fn uncovered_population(&self) -> i64 {
        self.0.summary.uncovered_population
    }
    /// Eligible venues (service at a location) inside the Place.
    async fn asset_count(&self) -> i64 {
        self.0.summary.asset_count as i64
    }
    /// Eligible venues inside the Place per 10,000 target population.
    async fn assets_per_10000(&self) -> f64 {
        self.0.summary.assets_per_10k
    }
    /// Area-serving services covering at least one LSOA (0 unless `includeRemote`).
    async fn remote_service_count(&self) -> i64 {
        self.0.summary.remote_service_count as i64
    }
    /// Sessions a week at eligible venues inside the Place.
    async fn weekly_sessions(&self) -> f64 {
        self.0.summary.weekly_sessions
    }
    /// Capacity against demand.
    async fn capacity(&self) -> Capacity {
        capacity(&self.0.summary)
    }
    /// Every LSOA of the Place, most uncovered people first, then furthest from an asset.
    async fn areas(&self) -> Vec<GapAreaObject> {
        self.0.areas.iter().cloned().map(GapAreaObject).collect()
    }
    /// Eligible venues inside the Place, and those outside it that are an LSOA's nearest.
    async fn assets(&self) -> Vec<GapAssetObject> {
        self.0.assets.iter().cloned().map(GapAssetObject).collect()
    }
    /// The report as a GeoJSON FeatureCollection: LSOA polygons (`properties.feature = "area"`)
    /// with coverage properties, and asset points (`"asset"`), for GIS tools.
    #[graphql(complexity = 500)]
    async fn geojson(&self, ctx: &Context<'_>) -> Json<serde_json::Value> {
        let places = ctx.data_unchecked::<Directory>().places();
        Json(export::geojson(&self.0, &places))
    }
    /// The report as CSV, one row per LSOA in the order of `areas`, with a header row.
    async fn csv(&self) -> Result<String> {
        export::csv(&self.0).or_gql(None)
    }
}

fn capacity(summary: &GapSummary) -> Capacity {
    Capacity {
        demand_per_year: summary.demand.people_per_year,
        places_per_session: summary.demand.places_per_session,
        weekly_sessions: summary.weekly_sessions,
        weekly_places: summary.weekly_places,
    }
}

/// One LSOA of a gap report.
pub struct GapAreaObject(pub AreaGap);

#[Object(name = "GapArea")]
/// One LSOA of a gap report.
impl GapAreaObject {
    /// The LSOA.
    async fn place(&self) -> PlaceObject {
        PlaceObject(self.0.place.clone())
    }
    /// Latitude of the population-weighted point distances are measured from.
    async fn lat(&self) -> f64 {
        self.0.point.latitude()
    }
    /// Longitude of the population-weighted point.
    async fn lng(&self) -> f64 {
        self.0.point.longitude()
    }
    /// Postcodes averaged into the point; null when the LSOA has none and an interior point of
    /// its polygon is used instead.
    async fn postcode_count(&self) -> Option<i64> {
        match self.0.point_source {
            PointSource::PostcodeMean { postcodes } => Some(postcodes),
            PointSource::InteriorPoint => None,
        }
    }
    /// The LSOA's target population.
    async fn target_population(&self) -> i64 {
        self.0.target_population
    }
    /// Great-circle km to the nearest eligible venue anywhere; null when there is none.
    async fn nearest_distance_km(&self) -> Option<f64> {
        self.0.nearest_distance_km()
    }
    /// Whether the LSOA is covered (by a venue within reach or, with `includeRemote`, an
    /// area-serving service).
    async fn covered(&self) -> bool {
        self.0.covered()
    }
    /// How the LSOA is covered.
    async fn coverage(&self) -> Coverage {
        self.0.coverage.into()
    }
    /// The target population if uncovered, else 0.
    async fn uncovered_population(&self) -> i64 {
        self.0.uncovered_population()
    }
    /// The nearest eligible venue.
    async fn nearest(&self) -> Option<GapAssetObject> {
        self.0.nearest.as_ref().map(|(asset, _)| GapAssetObject(asset.clone()))
    }
    /// Name of the area-serving service covering the LSOA, when remote services count.
    async fn remote_service_name(&self) -> Option<&str> {
        self.0.remote_service.as_ref().map(|r| r.service_name.as_str())
    }
}

/// An eligible venue: a service at a location.
pub struct GapAssetObject(pub GapAsset);

#[Object(name = "GapAsset")]
/// An eligible venue: a service at a location.
impl GapAssetObject {
    /// The service.
    async fn service(&self, ctx: &Context<'_>) -> Result<ServiceObject> {
        let service = ctx
            .data_unchecked::<Directory>()
            .service(super::super::args::viewer(ctx), self.0.service_id)
            .await;
        service.map(ServiceObject).or_gql(None)
    }
    /// The service's id.
    async fn service_id(&self) -> ID {
        ID(self.0.service_id.to_string())
    }
    /// The service's name.
    async fn service_name(&self) -> &str {
        &self.0.service_name
    }
    /// The location's id.
    async fn location_id(&self) -> ID {
        ID(self.0.location_id.to_string())
    }
    /// The venue's name.
    async fn location_name(&self) -> &str {
        &self.0.location_name
    }
    /// The venue's postcode.
    async fn postcode(&self) -> Option<&str> {
        self.0.postcode.as_deref()
    }
    /// Latitude (WGS84).
    async fn lat(&self) -> f64 {
        self.0.point.latitude()
    }
    /// Longitude (WGS84).
    async fn lng(&self) -> f64 {
        self.0.point.longitude()
    }
    /// Sessions a week here (on the day asked, if one was).
    async fn weekly_sessions(&self) -> f64 {
        self.0.weekly_sessions
    }
    /// Whether the venue is inside the report's Place.
    async fn in_place(&self) -> bool {
        self.0.in_place
    }
}

/// Coverage of every child Place for every need.
pub struct GapMatrixObject(pub GapMatrix);

#[Object(name = "GapMatrix")]
/// Coverage of every child Place for every need.
impl GapMatrixObject {
    /// The parent place.
    async fn parent(&self) -> PlaceObject {
        PlaceObject(self.0.parent.clone())
    }
    /// The reach used, in km.
    async fn max_distance_km(&self) -> f64 {
        self.0.criteria.max_distance.km()
    }
    /// One row per child Place and need: Places by name, needs in the order asked.
    async fn rows(&self) -> Vec<GapMatrixRowObject> {
        self.0.rows.iter().cloned().map(GapMatrixRowObject).collect()
    }
}

/// One child Place and need of a gap matrix.
pub struct GapMatrixRowObject(pub engine::GapMatrixRow);

#[Object(name = "GapMatrixRow")]
/// One child Place and need of a gap matrix.
impl GapMatrixRowObject {
    /// The child Place.
    async fn place(&self) -> PlaceObject {
        PlaceObject(self.0.place.clone())
    }
    /// The need.
    async fn need(&self) -> NeedObject {
        NeedObject(self.0.need.need())
    }
    /// Share of the target population covered, 0 to 100.
    async fn coverage_percent(&self) -> f64 {
        self.0.summary.coverage_percent
    }
    /// The Place's target population.
    async fn target_population(&self) -> i64 {
        self.0.summary.target_population
    }
    /// Target population with nothing within reach.
    async fn uncovered_population(&self) -> i64 {
        self.0.summary.uncovered_population
    }
    /// Eligible venues inside the Place.
    async fn asset_count(&self) -> i64 {
        self.0.summary.asset_count as i64
    }
    /// Eligible venues per 10,000 target population.
    async fn assets_per_10000(&self) -> f64 {
        self.0.summary.assets_per_10k
    }
    /// Sessions a week at eligible venues inside the Place.
    async fn weekly_sessions(&self) -> f64 {
        self.0.summary.weekly_sessions
    }
    /// Residents signposting found nothing for (this need, this Place) over the last 52 weeks.
    async fn unmet_need_count(&self) -> i64 {
        self.0.unmet_need_count
    }
}
