//! Gap detection: `gaps` (one Place and need) and `gapMatrix` (every child Place × need).
//!
//! # Layout
//! - this module: the root fields, their arguments and enums.
//! - [`objects`]: the report, area, asset and matrix types.

pub mod objects;

use async_graphql::{Context, Enum, Object, Result};
use indexer::domain::{NeedCode, TAXONOMY};
use indexer::gaps::{self as engine, Demand, GapCriteria, MaxDistanceKm};
use indexer::Directory;

use super::args;
use super::error::{bad_input, OrInternal};
use super::listings::DayOfWeek;
use objects::{GapMatrixObject, GapReportObject};

/// Whose population a gap report counts (Census 2021 usual residents).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "indexer::gaps::PopulationGroup")]
pub enum PopulationGroup {
    /// Residents aged 65 and over (the default; the falls-prevention target group).
    Age65Plus,
    /// Residents aged 50 and over.
    Age50Plus,
    /// All residents.
    All,
}

/// Parses the arguments `gaps` and `gapMatrix` share.
fn criteria(
    max_distance_km: f64,
    population: Option<PopulationGroup>,
    include_remote: Option<bool>,
    include_stale: Option<bool>,
    day: Option<DayOfWeek>,
) -> Result<GapCriteria> {
    let max_distance =
        MaxDistanceKm::parse(max_distance_km).map_err(|e| bad_input("maxDistanceKm", format!("maxDistanceKm: {e}")))?;
    Ok(GapCriteria {
        max_distance,
        population: population.map(Into::into).unwrap_or_default(),
        include_remote: include_remote.unwrap_or(false),
        include_stale: include_stale.unwrap_or(false),
        day: day.map(Into::into),
    })
}

/// A whole number in `1..=max`, or the default.
fn positive(field: &str, value: Option<i32>, default: i64, max: i64) -> Result<i64> {
    match value.map(i64::from) {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(n) => Err(bad_input(
            field,
            format!("{field}: must be between 1 and {max}, not {n}"),
        )),
    }
}

/// The needs asked for, in order without repeats; every need when `None`.
fn need_list(needs: Option<Vec<String>>) -> Result<Vec<NeedCode>> {
    if let Some(raw) = &needs {
        if raw.len() > args::MAX_LIST_ITEMS {
            return Err(bad_input(
                "needs",
                format!("needs: at most {} items, not {}", args::MAX_LIST_ITEMS, raw.len()),
            ));
        }
    }
    let Some(raw) = needs else {
        return TAXONOMY
            .iter()
            .map(|need| args::need_code("needs", need.code))
            .collect();
    };
    if raw.is_empty() {
        return Err(bad_input(
            "needs",
            "needs: give at least one need, or leave it out for all",
        ));
    }
    let mut codes: Vec<NeedCode> = Vec::with_capacity(raw.len());
    for code in raw {
        let code = args::need_code("needs", &code)?;
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    Ok(codes)
}

/// Root fields for gap detection.
#[derive(Default)]
pub struct GapQuery;

#[Object]
impl GapQuery {
    /// Where the population at need has no eligible asset for a need within reach, LSOA by LSOA
    /// across a Place. Each LSOA is measured from its population-weighted point (the mean of
    /// its postcode points) to the nearest eligible venue (great-circle distance, venues outside
    /// the Place count). Eligible: active, has the need, an age range reaching the population
    /// group's youngest age, reviewed in the last 12 months (unless `includeStale`), and a
    /// session on `day` if given.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "500 + child_complexity")]
    async fn gaps(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "GSS code of the Place (a district, the county, an MSOA or an LSOA).")] place: String,
        #[graphql(desc = "Need code, e.g. `strength-and-balance`.")] need: String,
        #[graphql(desc = "Reach in km (great-circle): more than 0, at most 200.")] max_distance_km: f64,
        #[graphql(desc = "Whose population to count; default `AGE_65_PLUS`.")] population: Option<PopulationGroup>,
        #[graphql(
            desc = "Let services that serve an area without a venue (phone, online, home visits) cover the LSOAs they serve; default false."
        )]
        include_remote: Option<bool>,
        #[graphql(desc = "Count listings not reviewed for 12 months; default false.")] include_stale: Option<bool>,
        #[graphql(desc = "Only assets with a session on this day.")] day: Option<DayOfWeek>,
        #[graphql(
            desc = "People a year the Place plans for; default 800 (the Norfolk falls-prevention specification)."
        )]
        demand_per_year: Option<i32>,
        #[graphql(desc = "People a session is assumed to take (listings carry no capacity); default 12.")]
        places_per_session: Option<i32>,
    ) -> Result<GapReportObject> {
        let place = args::place_code("place", &place)?;
        let need = args::need_code("need", &need)?;
        let criteria = criteria(max_distance_km, population, include_remote, include_stale, day)?;
        let demand = Demand {
            people_per_year: positive(
                "demandPerYear",
                demand_per_year,
                engine::DEFAULT_DEMAND_PER_YEAR,
                10_000_000,
            )?,
            places_per_session: positive(
                "placesPerSession",
                places_per_session,
                engine::DEFAULT_PLACES_PER_SESSION,
                10_000,
            )?,
        };
        let report = ctx
            .data_unchecked::<Directory>()
            .gaps(&place, need, &criteria, demand)
            .await
            .or_gql(Some("place"))?;
        Ok(GapReportObject(report))
    }

    /// Coverage of every child Place of `parent` (e.g. the 7 districts of Norfolk) for every
    /// need asked, one row per Place and need, with the unmet needs signposting recorded.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "2000 + child_complexity")]
    async fn gap_matrix(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "GSS code of the parent, e.g. `E10000020` (Norfolk).")] parent: String,
        #[graphql(desc = "Need codes; default every need in the taxonomy.")] needs: Option<Vec<String>>,
        #[graphql(desc = "Reach in km (great-circle): more than 0, at most 200.")] max_distance_km: f64,
        #[graphql(desc = "Whose population to count; default `AGE_65_PLUS`.")] population: Option<PopulationGroup>,
        #[graphql(desc = "Let area-serving services (phone, online, visits) cover their areas; default false.")]
        include_remote: Option<bool>,
        #[graphql(desc = "Count listings not reviewed for 12 months; default false.")] include_stale: Option<bool>,
        #[graphql(desc = "Only assets with a session on this day.")] day: Option<DayOfWeek>,
    ) -> Result<GapMatrixObject> {
        let parent = args::place_code("parent", &parent)?;
        let needs = need_list(needs)?;
        let criteria = criteria(max_distance_km, population, include_remote, include_stale, day)?;
        let matrix = ctx
            .data_unchecked::<Directory>()
            .gap_matrix(&parent, &needs, &criteria)
            .await
            .or_gql(Some("parent"))?;
        Ok(GapMatrixObject(matrix))
    }
}
