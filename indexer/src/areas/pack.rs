//! Finding and reading the files of an area pack: a directory holding the publishers' files as
//! downloaded, recognised by their content rather than their names.
//!
//! - Code-Point Open CSV files (no header, a postcode first): one or more;
//! - ONS boundary GeoJSON (`.geojson` or `.json`): LSOA, MSOA, ward and district files, told
//!   apart by their ONS code property;
//! - the Census 2021 LSOA age export (a CSV whose header names the LSOA code column);
//! - optionally House of Commons Library MSOA names (a CSV with an `MSOA...HCLNM` column).
//!
//! Anything else (READMEs, the OS column headers file, `truth.json`) is left alone. A CSV that
//! is none of these, and every missing kind, is a problem.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::time::Instant;

use tracing::info;

use super::census::{self, LsoaCounts};
use super::codepoint::{self, file_name, CodePointRead};
use super::msoa_names;
use super::ons::{self, Boundary, BoundaryKind};
use super::problems::Problems;

/// Everything read from a pack's files, before the files are checked against each other.
#[derive(Debug, Default)]
pub struct RawPack {
    pub codepoint: CodePointRead,
    pub boundaries: HashMap<BoundaryKind, Vec<Boundary>>,
    pub census: HashMap<String, LsoaCounts>,
    pub msoa_names: HashMap<String, String>,
    /// The files read, by what they were taken for.
    pub files: Vec<(String, &'static str)>,
}

/// What a file in the pack was recognised as.
enum FileKind {
    CodePoint,
    Boundaries,
    Census,
    MsoaNames,
    /// Not part of the pack (documentation, the OS headers file, checks).
    Other,
    /// A CSV the loader does not know: wrong columns.
    UnknownCsv(String),
}

/// Reads every recognised file of the pack in `dir`, adding every problem found.
pub fn read(dir: &Path, problems: &mut Problems) -> RawPack {
    let mut pack = RawPack::default();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) => {
            problems.push(
                "directory",
                format!("{}: cannot be read as a directory: {error}", dir.display()),
            );
            return pack;
        }
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).filter(|p| p.is_file()).collect();
    paths.sort();
    for path in paths {
        let name = file_name(&path);
        let started = Instant::now();
        let files_before = pack.files.len();
        match recognise(&path) {
            Ok(FileKind::CodePoint) => {
                codepoint::read_file(&path, &mut pack.codepoint, problems);
                pack.files.push((name, "Code-Point Open postcodes"));
            }
            Ok(FileKind::Boundaries) => {
                if let Some((kind, boundaries)) = ons::read_file(&path, problems) {
                    pack.files.push((name, kind_label(kind)));
                    pack.boundaries.entry(kind).or_default().extend(boundaries);
                }
            }
            Ok(FileKind::Census) => {
                for (code, counts) in census::read_file(&path, problems) {
                    pack.census.insert(code, counts);
                }
                pack.files.push((name, "Census 2021 population"));
            }
            Ok(FileKind::MsoaNames) => {
                pack.msoa_names.extend(msoa_names::read_file(&path, problems));
                pack.files.push((name, "House of Commons Library MSOA names"));
            }
            Ok(FileKind::Other) => {}
            Ok(FileKind::UnknownCsv(header)) => problems.push(
                "unknown-csv",
                format!(
                    "{name}: a CSV with columns the loader does not know ({header:?}): expected Code-Point Open (no header), Census 2021 LSOA ages, or HCL MSOA names"
                ),
            ),
            Err(error) => problems.push("unreadable", format!("{name}: cannot be read: {error}")),
        }
        if let Some((file, kind)) = pack.files.get(files_before) {
            info!(
                file = %file,
                kind,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "area pack: file read"
            );
        }
    }
    for (kind, what) in [
        (BoundaryKind::Lsoa, "LSOA boundaries (GeoJSON with LSOA21CD)"),
        (BoundaryKind::Msoa, "MSOA boundaries (GeoJSON with MSOA21CD)"),
        (
            BoundaryKind::Ward,
            "ward boundaries (GeoJSON with WD25CD or another year's)",
        ),
        (
            BoundaryKind::District,
            "district boundaries (GeoJSON with LAD25CD or another year's)",
        ),
    ] {
        if !pack.files.iter().any(|(_, label)| *label == kind_label(kind)) {
            problems.push("missing-file", format!("no {what} file in {}", dir.display()));
        }
    }
    if !pack
        .files
        .iter()
        .any(|(_, label)| *label == "Code-Point Open postcodes")
    {
        problems.push(
            "missing-file",
            format!("no Code-Point Open postcode CSV in {}", dir.display()),
        );
    }
    if !pack.files.iter().any(|(_, label)| *label == "Census 2021 population") {
        problems.push(
            "missing-file",
            format!(
                "no Census 2021 LSOA population CSV (ONS custom dataset, Age (6 categories)) in {}",
                dir.display()
            ),
        );
    }
    pack
}

fn kind_label(kind: BoundaryKind) -> &'static str {
    match kind {
        BoundaryKind::Lsoa => "LSOA boundaries",
        BoundaryKind::Msoa => "MSOA boundaries",
        BoundaryKind::Ward => "ward boundaries",
        BoundaryKind::District => "district boundaries",
    }
}

/// What a file is, from its extension and first line.
fn recognise(path: &Path) -> std::io::Result<FileKind> {
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "geojson" | "json" => {
            let mut start = String::new();
            std::fs::File::open(path)?.take(4096).read_to_string(&mut start).ok();
            Ok(if ons::looks_like_boundaries(&start) {
                FileKind::Boundaries
            } else {
                FileKind::Other
            })
        }
        "csv" => {
            let mut first_line = String::new();
            BufReader::new(std::fs::File::open(path)?).read_line(&mut first_line)?;
            let first_line = first_line.trim_end().trim_start_matches('\u{feff}').to_string();
            Ok(if codepoint::looks_like_codepoint(&first_line) {
                FileKind::CodePoint
            } else if census::looks_like_census(&first_line) {
                FileKind::Census
            } else if msoa_names::looks_like_msoa_names(&first_line) {
                FileKind::MsoaNames
            } else if first_line.starts_with("PC,PQ,EA,NO") {
                // Code-Point's own column headers file, shipped beside the data.
                FileKind::Other
            } else {
                FileKind::UnknownCsv(first_line.chars().take(120).collect())
            })
        }
        _ => Ok(FileKind::Other),
    }
}
