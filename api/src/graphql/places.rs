//! Places, population and postcodes.

use async_graphql::{Context, Enum, Json, Object, Result, SimpleObject};
use indexer::domain::{self, PostcodeRecord};
use indexer::Directory;

use super::args;
use super::error::{engine_error, OrInternal};

/// The kind of area a place is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "indexer::domain::PlaceLevel")]
pub enum PlaceLevel {
    /// Upper-tier county (GSS prefix E10), e.g. Norfolk.
    County,
    /// Lower-tier district (E07) or unitary authority (E06); in Norfolk each is a Health and
    /// Wellbeing Partnership "Place".
    District,
    /// A custom Place an operator defined as a group of wards or LSOAs (code `P` and eight
    /// digits), e.g. a Local Area Partnership; it has no parent, and its children are its members.
    Custom,
    /// Electoral ward (E05, 2025 boundaries).
    Ward,
    /// Middle layer super output area (E02, 2021).
    Msoa,
    /// Lower layer super output area (E01, 2021), the smallest area with Census population.
    Lsoa,
}

/// Census 2021 usual residents by age band (ONS, perturbed counts as published).
#[derive(Debug, Clone, Copy, SimpleObject)]
pub struct Population {
    /// All usual residents.
    pub total: i64,
    /// Residents aged 0 to 15.
    #[graphql(name = "age0To15")]
    pub age_0_15: i64,
    /// Residents aged 16 to 24.
    #[graphql(name = "age16To24")]
    pub age_16_24: i64,
    /// Residents aged 25 to 34.
    #[graphql(name = "age25To34")]
    pub age_25_34: i64,
    /// Residents aged 35 to 49.
    #[graphql(name = "age35To49")]
    pub age_35_49: i64,
    /// Residents aged 50 to 64.
    #[graphql(name = "age50To64")]
    pub age_50_64: i64,
    /// Residents aged 65 and over.
    #[graphql(name = "age65Plus")]
    pub age_65_plus: i64,
    /// Residents aged 50 and over (the falls-prevention target group).
    #[graphql(name = "age50Plus")]
    pub age_50_plus: i64,
}

impl From<domain::Population> for Population {
    fn from(p: domain::Population) -> Self {
        Population {
            total: p.total(),
            age_0_15: p.age_0_15,
            age_16_24: p.age_16_24,
            age_25_34: p.age_25_34,
            age_35_49: p.age_35_49,
            age_50_64: p.age_50_64,
            age_65_plus: p.age_65_plus,
            age_50_plus: p.age_50_plus(),
        }
    }
}

/// A boundary with a GSS code: county, district (Place), ward, MSOA or LSOA.
pub struct PlaceObject(pub domain::Place);

#[Object(name = "Place")]
/// A boundary with a GSS code: county, district (Place), ward, MSOA or LSOA.
impl PlaceObject {
    /// GSS code, e.g. `E07000143`.
    async fn code(&self) -> &str {
        self.0.code.as_str()
    }

    /// Official name, e.g. `Breckland`.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// What kind of area this is.
    async fn level(&self) -> PlaceLevel {
        self.0.level.into()
    }

    /// The place this one nests in (LSOA → MSOA → district → county; ward → district).
    async fn parent(&self, ctx: &Context<'_>) -> Option<PlaceObject> {
        ctx.data_unchecked::<Directory>()
            .places()
            .parent(&self.0.code)
            .cloned()
            .map(PlaceObject)
    }

    /// Places nesting directly in this one, by name; optionally only one level.
    async fn children(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only children of this level (a district has both wards and MSOAs).")] level: Option<
            PlaceLevel,
        >,
    ) -> Vec<PlaceObject> {
        let places = ctx.data_unchecked::<Directory>().places();
        places
            .list(level.map(Into::into), Some(&self.0.code))
            .into_iter()
            .cloned()
            .map(PlaceObject)
            .collect()
    }

    /// Census 2021 population, rolled up from LSOAs; null for wards, which LSOAs do not nest in.
    async fn population(&self) -> Option<Population> {
        self.0.population.map(Into::into)
    }

    /// The boundary as a GeoJSON geometry (Polygon or MultiPolygon, WGS84 lng/lat).
    #[graphql(complexity = 100)]
    async fn boundary(&self, ctx: &Context<'_>) -> Option<Json<serde_json::Value>> {
        let places = ctx.data_unchecked::<Directory>().places();
        let text = places.boundary_geojson(&self.0.code)?;
        serde_json::from_str(text).ok().map(Json)
    }
}

/// A postcode with its point and the places it falls in.
pub struct PostcodeObject(pub PostcodeRecord);

#[Object(name = "Postcode")]
/// A postcode with its point and the places it falls in.
impl PostcodeObject {
    /// The postcode, normalised (upper case, one space: `NR2 4AB`).
    async fn postcode(&self) -> &str {
        self.0.postcode.as_str()
    }

    /// Latitude of the postcode's point (WGS84), from Code-Point Open.
    async fn lat(&self) -> f64 {
        self.0.latitude
    }

    /// Longitude of the postcode's point (WGS84), from Code-Point Open.
    async fn lng(&self) -> f64 {
        self.0.longitude
    }

    /// The district (Place) the postcode is in.
    async fn district(&self, ctx: &Context<'_>) -> Result<PlaceObject> {
        lookup(ctx, &self.0.district_code)
    }

    /// The electoral ward the postcode is in.
    async fn ward(&self, ctx: &Context<'_>) -> Result<PlaceObject> {
        lookup(ctx, &self.0.ward_code)
    }

    /// The 2021 LSOA the postcode's point falls in.
    async fn lsoa(&self, ctx: &Context<'_>) -> Result<PlaceObject> {
        lookup(ctx, &self.0.lsoa_code)
    }

    /// Every place containing the postcode: county, district, ward, MSOA and LSOA.
    async fn places(&self, ctx: &Context<'_>) -> Vec<PlaceObject> {
        let places = ctx.data_unchecked::<Directory>().places();
        let mut found: Vec<domain::Place> = Vec::new();
        for code in [&self.0.district_code, &self.0.ward_code, &self.0.lsoa_code] {
            for place in places.get(code).into_iter().chain(places.ancestors(code)) {
                if !found.iter().any(|p| p.code == place.code) {
                    found.push(place.clone());
                }
            }
        }
        found.sort_by_key(|place| (place.level, place.code.clone()));
        found.into_iter().map(PlaceObject).collect()
    }
}

fn lookup(ctx: &Context<'_>, code: &domain::PlaceCode) -> Result<PlaceObject> {
    ctx.data_unchecked::<Directory>()
        .place(code)
        .map(PlaceObject)
        .or_gql(None)
}

/// Root fields about places and postcodes.
#[derive(Default)]
pub struct PlaceQuery;

#[Object]
impl PlaceQuery {
    /// Places, ordered by level then name; optionally one level and/or the children of one place.
    #[graphql(complexity = "5 + 20 * child_complexity")]
    async fn places(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only places of this level.")] level: Option<PlaceLevel>,
        #[graphql(desc = "Only places nesting directly in the place with this GSS code.")] parent_code: Option<String>,
    ) -> Result<Vec<PlaceObject>> {
        let directory = ctx.data_unchecked::<Directory>();
        let parent = parent_code
            .as_deref()
            .map(|raw| args::place_code("parentCode", raw))
            .transpose()?;
        if let Some(parent) = &parent {
            directory
                .place(parent)
                .map_err(|e| engine_error(e, Some("parentCode")))?;
        }
        let index = directory.places();
        let places = index.list(level.map(Into::into), parent.as_ref());
        Ok(places.into_iter().cloned().map(PlaceObject).collect())
    }

    /// One place by GSS code; `NOT_FOUND` if the directory has no such place.
    async fn place(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "GSS code, e.g. `E07000143`.")] code: String,
    ) -> Result<PlaceObject> {
        let code = args::place_code("code", &code)?;
        ctx.data_unchecked::<Directory>()
            .place(&code)
            .map(PlaceObject)
            .or_gql(Some("code"))
    }

    /// Every place containing the point (largest first); empty outside the directory's area.
    async fn places_at(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Latitude, WGS84 degrees (must be in the UK).")] lat: f64,
        #[graphql(desc = "Longitude, WGS84 degrees (must be in the UK).")] lng: f64,
    ) -> Result<Vec<PlaceObject>> {
        let point = args::point("lat", "lng", lat, lng)?;
        let places = ctx.data_unchecked::<Directory>().places_at(point);
        Ok(places.into_iter().map(PlaceObject).collect())
    }

    /// A postcode's point and places. Any case and spacing is accepted; `NOT_FOUND` if the
    /// postcode is well formed but not in the directory's area.
    async fn postcode(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A UK postcode, e.g. `NR2 4AB`.")] postcode: String,
    ) -> Result<PostcodeObject> {
        let postcode = args::postcode("postcode", &postcode)?;
        ctx.data_unchecked::<Directory>()
            .postcode(&postcode)
            .await
            .map(PostcodeObject)
            .or_gql(Some("postcode"))
    }
}

/// What a boundary load changed.
#[derive(SimpleObject)]
pub struct PlaceLoad {
    /// Places that were new.
    pub added: i32,
    /// Places whose boundary or details were replaced (the old versions are kept in history).
    pub replaced: i32,
    /// Venues whose district, ward, MSOA or LSOA changed with the new boundaries; their services
    /// are reindexed.
    pub relocated_venues: i32,
}

/// Mutations on places (admins).
#[derive(Default)]
pub struct PlaceMutation;

#[Object]
impl PlaceMutation {
    /// Adds or replaces places from a GeoJSON FeatureCollection (properties `code`, `name`,
    /// `parent_code`, and the Census age bands for LSOAs), live: gap reports, place lookups and
    /// venues' places follow at once. Checked whole first: an invalid load is `BAD_USER_INPUT`
    /// (field `geojson`) with the reason, and changes nothing (admins).
    async fn load_places(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The GeoJSON FeatureCollection, as text.")] geojson: String,
        #[graphql(desc = "Where the boundaries come from, kept in the place history (e.g. the file name).")]
        source: String,
    ) -> Result<PlaceLoad> {
        args::viewer(ctx).require_admin("load places").or_gql(None)?;
        let load = ctx
            .data_unchecked::<Directory>()
            .load_places(&geojson, &source)
            .await
            .map_err(|error| match error {
                indexer::Error::InvalidInput { message, .. } => super::error::bad_input("geojson", message),
                other => engine_error(other, None),
            })?;
        let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
        Ok(PlaceLoad {
            added: count(load.added),
            replaced: count(load.replaced),
            relocated_venues: count(load.relocated_venues),
        })
    }
}
