//! Loading areas of England and defining custom Places (admins).

use async_graphql::{Context, ErrorExtensions, Object, Result, SimpleObject};
use indexer::areas::AreaLoad;
use indexer::Directory;

use super::args;
use super::error::{bad_input, engine_error, OrInternal};
use super::places::PlaceObject;

/// One district of a loaded area pack.
#[derive(SimpleObject)]
pub struct AreaDistrict {
    /// GSS code of the district or unitary authority, e.g. `E06000061`.
    pub code: String,
    /// Its name, e.g. `North Northamptonshire`.
    pub name: String,
    /// Wards loaded for it.
    pub wards: i32,
    /// MSOAs loaded for it.
    pub msoas: i32,
    /// LSOAs loaded for it.
    pub lsoas: i32,
    /// Postcodes loaded for it (Code-Point Open, with a position).
    pub postcodes: i32,
    /// Census 2021 usual residents.
    pub population: i32,
    /// Census 2021 usual residents aged 65 and over.
    pub age65_plus: i32,
}

/// A file of an area pack and what it was read as.
#[derive(SimpleObject)]
pub struct AreaFile {
    /// The file name.
    pub name: String,
    /// What the loader took it for, e.g. `LSOA boundaries`.
    pub kind: String,
}

/// What an accepted area load held and changed.
#[derive(SimpleObject)]
pub struct AreaLoadResult {
    /// The districts the pack held (each replaced whole; other areas stay).
    pub districts: Vec<AreaDistrict>,
    /// The files read.
    pub files: Vec<AreaFile>,
    /// Postcodes the districts held before the load (0 on a first load).
    pub replaced_postcodes: i32,
    /// Code-Point postcodes without coordinates (quality 90), left out.
    pub postcodes_without_coordinates: i32,
    /// Code-Point postcodes of districts the pack does not hold, left out.
    pub postcodes_in_other_districts: i32,
    /// Venues whose places changed with the new geography (their services are reindexed).
    pub relocated_venues: i32,
    /// Postcodes the directory knows now, in all areas.
    pub postcodes_known: i32,
}

/// A custom Place as defined.
#[derive(SimpleObject)]
pub struct CustomPlaceResult {
    /// The Place (level `CUSTOM`, code `P` and eight digits), with its summed population.
    pub place: PlaceObject,
    /// Its member ward or LSOA codes.
    pub members: Vec<String>,
    /// How many LSOAs its population and gap reports count.
    pub lsoa_count: i32,
    /// Whether a custom Place of that name was replaced (it keeps its code).
    pub replaced: bool,
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn load_result(load: AreaLoad) -> AreaLoadResult {
    let summary = load.summary;
    AreaLoadResult {
        districts: summary
            .districts
            .iter()
            .map(|d| AreaDistrict {
                code: d.code.to_string(),
                name: d.name.clone(),
                wards: count(d.wards),
                msoas: count(d.msoas),
                lsoas: count(d.lsoas),
                postcodes: count(d.postcodes),
                population: i32::try_from(d.population).unwrap_or(i32::MAX),
                age65_plus: i32::try_from(d.age_65_plus).unwrap_or(i32::MAX),
            })
            .collect(),
        files: summary
            .files
            .iter()
            .map(|(name, kind)| AreaFile {
                name: name.clone(),
                kind: kind.to_string(),
            })
            .collect(),
        replaced_postcodes: i32::try_from(load.replaced_postcodes).unwrap_or(i32::MAX),
        postcodes_without_coordinates: count(summary.postcodes_without_coordinates),
        postcodes_in_other_districts: count(summary.postcodes_in_other_districts),
        relocated_venues: count(load.relocated_venues),
        postcodes_known: count(load.postcodes_known),
    }
}

/// Mutations on areas and custom Places (admins).
#[derive(Default)]
pub struct AreaMutation;

#[Object]
impl AreaMutation {
    /// Loads an area pack from a directory on the server (Code-Point Open CSV, ONS boundary
    /// GeoJSON for LSOAs, MSOAs, wards and districts, the Census 2021 LSOA age export,
    /// optionally HCL MSOA names), live: place and postcode lookups, gap reports, venues'
    /// places and search follow at once. Checked whole first: a refused pack is
    /// `BAD_USER_INPUT` (field `directory`) with every reason in `extensions.problems`, and
    /// changes nothing (admins).
    async fn load_area(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Path of the pack's directory on the server.")] directory: String,
    ) -> Result<AreaLoadResult> {
        args::viewer(ctx).require_admin("load areas").or_gql(None)?;
        if directory.trim().is_empty() {
            return Err(bad_input(
                "directory",
                "directory: give the path of an area pack on the server",
            ));
        }
        let load = ctx
            .data_unchecked::<Directory>()
            .load_area(std::path::Path::new(directory.trim()))
            .await
            .map_err(|error| match error {
                indexer::Error::InvalidInput { message, .. } => {
                    let problems: Vec<String> = message.split("\n- ").skip(1).map(str::to_string).collect();
                    bad_input("directory", message).extend_with(|_, extensions| {
                        extensions.set("problems", problems.clone());
                    })
                }
                other => engine_error(other, Some("directory")),
            })?;
        Ok(load_result(load))
    }

    /// Defines a custom Place (or redefines one of the same name, keeping its code) as a group
    /// of wards or of LSOAs: its boundary is their union, its population the Census population
    /// of its LSOAs. Search, signposting and gap reports accept its code like any place's.
    /// Unknown members, a mix of levels or a bad name are `BAD_USER_INPUT` (field `members` or
    /// `name`) (admins).
    async fn define_place(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The Place's name, e.g. `Corby LAP (example)`.")] name: String,
        #[graphql(desc = "GSS codes of its member wards (E05) or LSOAs (E01), all of one level.")] members: Vec<String>,
    ) -> Result<CustomPlaceResult> {
        args::viewer(ctx).require_admin("define places").or_gql(None)?;
        if members.is_empty() {
            return Err(bad_input("members", "members: give at least one ward or LSOA code"));
        }
        let members = members
            .iter()
            .map(|raw| args::place_code("members", raw))
            .collect::<Result<Vec<_>>>()?;
        let defined = ctx
            .data_unchecked::<Directory>()
            .define_place(&name, &members, "name", "members")
            .await
            .or_gql(None)?;
        Ok(CustomPlaceResult {
            members: defined.members.iter().map(ToString::to_string).collect(),
            lsoa_count: count(defined.lsoas),
            replaced: defined.replaced,
            place: PlaceObject(defined.place),
        })
    }
}
