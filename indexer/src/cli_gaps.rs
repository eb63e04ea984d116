//! The `indexer gaps` and `indexer places load` commands (a module of the binary, not the library).

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use indexer::domain::{NeedCode, PlaceCode};
use indexer::gaps::{export, Demand, GapCriteria, MaxDistanceKm, PopulationGroup};
use indexer::Directory;

/// Export format of a gap report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A FeatureCollection of LSOA polygons with coverage properties, and asset points.
    Geojson,
    /// One row per LSOA, most uncovered people first.
    Csv,
}

/// Population group of a gap report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Population {
    /// Residents aged 65 and over.
    Age65Plus,
    /// Residents aged 50 and over.
    Age50Plus,
    /// All residents.
    All,
}

/// Arguments of `indexer gaps`.
#[derive(Debug, Args)]
pub struct GapsArgs {
    /// GSS code of the Place, e.g. E07000143 (Breckland).
    #[arg(long)]
    place: String,
    /// Need code, e.g. strength-and-balance.
    #[arg(long)]
    need: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "csv")]
    format: Format,
    /// Reach in km (great-circle), more than 0 and at most 200.
    #[arg(long, default_value_t = 5.0)]
    max_distance_km: f64,
    /// Whose population to count.
    #[arg(long, value_enum, default_value = "age65-plus")]
    population: Population,
    /// Let services that serve an area without a venue (phone, online, visits) cover it.
    #[arg(long)]
    include_remote: bool,
    /// Count listings not reviewed for 12 months.
    #[arg(long)]
    include_stale: bool,
}

/// `indexer places ...`.
#[derive(Debug, Subcommand)]
pub enum PlacesCommand {
    /// Add or replace places from a GeoJSON FeatureCollection (properties: code, name,
    /// parent_code, Census age bands for LSOAs). Rejected whole, with the reason, if invalid;
    /// replaced boundaries are kept in the place_history table. A running API server sees the
    /// new places after a restart; the `loadPlaces` mutation (admins) replaces them live.
    Load {
        /// The GeoJSON file.
        file: PathBuf,
    },
    /// Define a custom Place (a named group of wards or LSOAs, e.g. a Local Area Partnership)
    /// from a CSV of member codes; search, signposting and gap reports accept its code (P...).
    Define(crate::cli_areas::DefineArgs),
}

/// Runs `indexer gaps`, printing the report to stdout.
pub async fn gaps(directory: &Directory, args: GapsArgs) -> anyhow::Result<()> {
    let place = PlaceCode::parse(&args.place).context("--place")?;
    let need = NeedCode::parse(&args.need).context("--need")?;
    let max_distance = MaxDistanceKm::parse(args.max_distance_km).context("--max-distance-km")?;
    let criteria = GapCriteria {
        max_distance,
        population: match args.population {
            Population::Age65Plus => PopulationGroup::Age65Plus,
            Population::Age50Plus => PopulationGroup::Age50Plus,
            Population::All => PopulationGroup::All,
        },
        include_remote: args.include_remote,
        include_stale: args.include_stale,
        day: None,
    };
    let report = directory.gaps(&place, need, &criteria, Demand::default()).await?;
    match args.format {
        Format::Geojson => println!("{}", export::geojson(&report, &directory.places())),
        Format::Csv => print!("{}", export::csv(&report)?),
    }
    Ok(())
}

/// Runs `indexer places ...`.
pub async fn places(directory: &Directory, command: PlacesCommand) -> anyhow::Result<()> {
    match command {
        PlacesCommand::Load { file } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let source = file.display().to_string();
            let limits = indexer::gaps::boundaries::PlaceLoadLimits::FILE;
            let load = directory.load_places_with(&text, &source, limits).await?;
            println!(
                "{}: {} places added, {} replaced; {} venues placed again",
                source, load.added, load.replaced, load.relocated_venues
            );
        }
        PlacesCommand::Define(args) => crate::cli_areas::define(directory, args).await?,
    }
    Ok(())
}
