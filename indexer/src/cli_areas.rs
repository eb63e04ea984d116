//! The `indexer areas` and `indexer places define` commands (a module of the binary).

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use indexer::areas::custom::parse_members;
use indexer::{Directory, Error};

/// `indexer areas ...`.
#[derive(Debug, Subcommand)]
pub enum AreasCommand {
    /// Load an area pack: a directory of the publishers' files (Code-Point Open CSV, ONS
    /// boundary GeoJSON for LSOAs, MSOAs, wards and districts, the Census 2021 LSOA age
    /// export, optionally HCL MSOA names). Checked whole first: a pack with problems is
    /// refused with every reason and changes nothing. Replaces the pack's districts and keeps
    /// the replaced places in history; other areas stay. An API server running on the same
    /// data directory picks the new area up within a few seconds (or use the `loadArea`
    /// mutation, admins only).
    Load {
        /// The directory holding the pack's files.
        dir: PathBuf,
    },
}

/// Arguments of `indexer places define`.
#[derive(Debug, clap::Args)]
pub struct DefineArgs {
    /// The Place's name, e.g. "Corby LAP (example)". Defining a name again replaces it.
    #[arg(long)]
    name: String,
    /// A CSV of member ward (E05) or LSOA (E01) codes: a `code` column (or WD25CD,
    /// LSOA21CD ...), or one code a line.
    #[arg(long)]
    file: PathBuf,
}

/// Runs `indexer areas ...`.
pub async fn areas(directory: &Directory, command: AreasCommand) -> anyhow::Result<()> {
    match command {
        AreasCommand::Load { dir } => match directory.load_area(&dir).await {
            Ok(load) => {
                let summary = &load.summary;
                for (file, what) in &summary.files {
                    println!("read {file}: {what}");
                }
                for district in &summary.districts {
                    println!(
                        "{} {}: {} wards, {} MSOAs, {} LSOAs, {} postcodes, population {} (65+: {})",
                        district.code,
                        district.name,
                        district.wards,
                        district.msoas,
                        district.lsoas,
                        district.postcodes,
                        district.population,
                        district.age_65_plus
                    );
                }
                println!(
                    "loaded: {} postcodes (replacing {}); left out {} postcodes without coordinates, {} of other districts, {} areas outside the pack's districts; {} venues placed again; the directory knows {} postcodes",
                    summary.postcodes(),
                    load.replaced_postcodes,
                    summary.postcodes_without_coordinates,
                    summary.postcodes_in_other_districts,
                    summary.outside_areas,
                    load.relocated_venues,
                    load.postcodes_known
                );
                Ok(())
            }
            Err(Error::InvalidInput { message, .. }) => {
                eprintln!("{}: {message}", dir.display());
                anyhow::bail!("the area pack in {} was refused", dir.display())
            }
            Err(other) => Err(other.into()),
        },
    }
}

/// Runs `indexer places define`.
pub async fn define(directory: &Directory, args: DefineArgs) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let members = parse_members(&text, "--file")?;
    let defined = directory.define_place(&args.name, &members, "--name", "--file").await?;
    let population = defined.place.population.unwrap_or_default();
    println!(
        "{} {} Place {}: {} members, {} LSOAs, population {} (65+: {})",
        if defined.replaced { "replaced" } else { "defined" },
        defined.place.code,
        defined.place.name,
        defined.members.len(),
        defined.lsoas,
        population.total(),
        population.age_65_plus
    );
    Ok(())
}
