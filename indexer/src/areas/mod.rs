//! Any area of England: geography and population loaded from the publishers' own files.
//!
//! An *area pack* is a directory of files as ONS and Ordnance Survey publish them (see
//! [`pack`]): Code-Point Open postcodes, ONS boundary GeoJSON for LSOAs, MSOAs, wards and
//! districts, the Census 2021 LSOA age export, and optionally House of Commons Library MSOA
//! names. [`read_pack`] reads and checks the whole pack, collecting every problem; a pack with
//! any problem is refused with all of them and changes nothing. [`crate::Directory::load_area`]
//! then replaces the pack's districts in the store in one transaction (replaced places are kept
//! in `place_history`), and the running directory's places, postcodes, LSOA points and venues'
//! places follow at once. Several areas live side by side: an area is a district, and a load
//! replaces only the districts its pack holds.
//!
//! Custom Places ([`custom`]) are named groups of wards or LSOAs an operator defines, such as
//! North Northamptonshire's Local Area Partnerships.
//!
//! # Layout
//! - [`pack`]: finding and reading a pack's files.
//! - [`codepoint`]: Code-Point Open, OSTN15 to WGS84.
//! - [`ons`]: ONS boundary GeoJSON.
//! - [`census`]: Census 2021 population (long format).
//! - [`msoa_names`]: House of Commons Library MSOA names.
//! - [`derive`]: the checks across files; hierarchy, postcodes' LSOAs, population roll-up.
//! - [`problems`]: every problem found, for the refusal.
//! - [`postcode_table`]: the compact in-memory postcode lookup.
//! - `load`: `Directory::load_area`.
//! - [`follow`]: a running directory follows geography another process wrote.
//! - [`custom`]: custom Places.

pub mod census;
pub mod codepoint;
pub mod custom;
pub mod derive;
pub mod follow;
pub(crate) mod load;
pub mod msoa_names;
pub mod ons;
pub mod pack;
pub mod postcode_table;
pub mod problems;

use std::path::Path;

use crate::domain::{Place, PlaceCode, PostcodeRecord};
pub use load::AreaLoad;
pub use postcode_table::PostcodeTable;
pub use problems::Problems;

/// A checked pack, ready to store.
#[derive(Debug)]
pub struct AreaPack {
    /// Districts, wards, MSOAs and LSOAs with their boundaries (GeoJSON text), parents set and
    /// populations rolled up.
    pub places: Vec<(Place, String)>,
    /// The district each place belongs to (parallel to `places`).
    pub area_of: Vec<PlaceCode>,
    pub postcodes: Vec<PostcodeRecord>,
    pub summary: AreaSummary,
}

impl AreaPack {
    /// The pack's district codes: the areas it replaces.
    pub fn district_codes(&self) -> Vec<PlaceCode> {
        self.summary.district_codes().into_iter().collect()
    }
}

/// What a pack holds, per district and in all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AreaSummary {
    pub districts: Vec<DistrictSummary>,
    /// Postcodes of Code-Point with quality 90 (no coordinates), left out.
    pub postcodes_without_coordinates: usize,
    /// Postcodes of Code-Point in districts the pack does not hold, left out.
    pub postcodes_in_other_districts: usize,
    /// Wards, MSOAs and LSOAs of the boundary files outside every district of the pack, left out.
    pub outside_areas: usize,
    /// The files read, with what each was taken for.
    pub files: Vec<(String, &'static str)>,
}

impl AreaSummary {
    /// The district codes, in code order.
    pub fn district_codes(&self) -> std::collections::BTreeSet<PlaceCode> {
        self.districts.iter().map(|d| d.code.clone()).collect()
    }
    pub fn wards(&self) -> usize {
        self.districts.iter().map(|d| d.wards).sum()
    }
    pub fn msoas(&self) -> usize {
        self.districts.iter().map(|d| d.msoas).sum()
    }
    pub fn lsoas(&self) -> usize {
        self.districts.iter().map(|d| d.lsoas).sum()
    }
    pub fn postcodes(&self) -> usize {
        self.districts.iter().map(|d| d.postcodes).sum()
    }
    pub fn population(&self) -> i64 {
        self.districts.iter().map(|d| d.population).sum()
    }
}

/// One district of a pack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistrictSummary {
    pub code: PlaceCode,
    pub name: String,
    pub wards: usize,
    pub msoas: usize,
    pub lsoas: usize,
    pub postcodes: usize,
    /// Census 2021 usual residents.
    pub population: i64,
    pub age_65_plus: i64,
}

/// Reads and checks the pack in `dir`: the pack, or every problem found.
pub fn read_pack(dir: &Path) -> Result<AreaPack, Problems> {
    let mut problems = Problems::default();
    let raw = pack::read(dir, &mut problems);
    match derive::derive(raw, &mut problems) {
        Some(pack) if problems.is_empty() => Ok(pack),
        _ => Err(problems),
    }
}
