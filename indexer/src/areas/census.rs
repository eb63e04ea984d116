//! Census 2021 usual residents by LSOA and age, in the long format ONS's "create a custom
//! dataset" exports: one row per LSOA and age band,
//! `Lower layer Super Output Areas Code, Lower layer Super Output Areas, Age (6 categories) Code,
//! Age (6 categories), Observation`. Columns are found by name, so their order may vary.

use std::collections::HashMap;
use std::path::Path;

use super::codepoint::file_name;
use super::problems::Problems;
use crate::domain::Population;

const CODE_COLUMN: &str = "Lower layer Super Output Areas Code";
const NAME_COLUMN: &str = "Lower layer Super Output Areas";
const BAND_CODE_COLUMN: &str = "Age (6 categories) Code";
const BAND_COLUMN: &str = "Age (6 categories)";
const OBSERVATION_COLUMN: &str = "Observation";

/// ONS's six age bands, in their code order (1..6).
const BANDS: [&str; 6] = [
    "Aged 15 years and under",
    "Aged 16 to 24 years",
    "Aged 25 to 34 years",
    "Aged 35 to 49 years",
    "Aged 50 to 64 years",
    "Aged 65 years and over",
];

/// Whether a CSV header is a Census LSOA population export (it names the LSOA code column).
pub fn looks_like_census(header: &str) -> bool {
    header.contains(CODE_COLUMN)
}

/// One LSOA's bands as read (a band may be missing).
#[derive(Debug, Clone, Default)]
pub struct LsoaCounts {
    pub name: String,
    pub bands: [Option<i64>; 6],
}

impl LsoaCounts {
    /// The population, if all six bands were there.
    pub fn population(&self) -> Option<Population> {
        let [a, b, c, d, e, f] = self.bands;
        Some(Population {
            age_0_15: a?,
            age_16_24: b?,
            age_25_34: c?,
            age_35_49: d?,
            age_50_64: e?,
            age_65_plus: f?,
        })
    }
}

/// Reads the population file: LSOA code → counts. Every bad row is a problem.
pub fn read_file(path: &Path, problems: &mut Problems) -> HashMap<String, LsoaCounts> {
    let name = file_name(path);
    let mut counts: HashMap<String, LsoaCounts> = HashMap::new();
    let mut reader = match csv::ReaderBuilder::new().flexible(true).from_path(path) {
        Ok(reader) => reader,
        Err(error) => {
            problems.push("unreadable", format!("{name}: cannot be read: {error}"));
            return counts;
        }
    };
    let header = match reader.headers() {
        Ok(header) => header.clone(),
        Err(error) => {
            problems.push("unreadable", format!("{name}: cannot be read: {error}"));
            return counts;
        }
    };
    let column = |wanted: &str| {
        header
            .iter()
            .position(|h| h.trim().trim_start_matches('\u{feff}') == wanted)
    };
    let (Some(code_at), Some(band_at), Some(observation_at)) =
        (column(CODE_COLUMN), column(BAND_COLUMN), column(OBSERVATION_COLUMN))
    else {
        problems.push(
            "census-columns",
            format!(
                "{name}: the columns are {:?}, not ONS's {CODE_COLUMN:?}, {NAME_COLUMN:?}, {BAND_CODE_COLUMN:?}, {BAND_COLUMN:?}, {OBSERVATION_COLUMN:?}",
                header.iter().collect::<Vec<_>>()
            ),
        );
        return counts;
    };
    let (name_at, band_code_at) = (column(NAME_COLUMN), column(BAND_CODE_COLUMN));
    for (position, record) in reader.records().enumerate() {
        let line = position + 2;
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                problems.push("census-row", format!("{name} line {line}: not CSV: {error}"));
                continue;
            }
        };
        let field = |i: usize| record.get(i).unwrap_or_default().trim();
        let code = field(code_at);
        let band = BANDS.iter().position(|b| *b == field(band_at)).or_else(|| {
            let by_code: usize = field(band_code_at?).parse().ok()?;
            (1..=6).contains(&by_code).then(|| by_code - 1)
        });
        let Some(band) = band else {
            problems.push(
                "census-band",
                format!(
                    "{name} line {line}: {code}: age band {:?} is not one of ONS's six",
                    field(band_at)
                ),
            );
            continue;
        };
        let Some(observation) = field(observation_at).parse::<i64>().ok().filter(|n| *n >= 0) else {
            problems.push(
                "census-observation",
                format!(
                    "{name} line {line}: {code}: observation {:?} is not a count",
                    field(observation_at)
                ),
            );
            continue;
        };
        let entry = counts.entry(code.to_string()).or_default();
        if let Some(name_at) = name_at {
            entry.name = field(name_at).to_string();
        }
        if entry.bands[band].replace(observation).is_some() {
            problems.push(
                "census-repeat",
                format!("{name} line {line}: {code}: age band {:?} given twice", BANDS[band]),
            );
        }
    }
    counts
}
