//! The request mix: real Norfolk postcodes, explicit needs and link workers' descriptions,
//! ages 55 to 90, some with days and times, some with accessibility needs.

use std::path::Path;

use anyhow::{Context, Result};
use chrono::Weekday;
use indexer::domain::{AccessibilityFeature, GeoPoint, NeedCode};
use indexer::signpost::{SignpostRequest, DEFAULT_OPTIONS_PER_NEED};

use crate::national::mix;

/// Every `POSTCODE_STRIDE`th row of the reference postcodes (29,503 rows: about 490 points).
const POSTCODE_STRIDE: usize = 60;

const DESCRIPTIONS: &[&str] = &[
    "had two falls since the summer, lonely since her husband died, worried about heating bills",
    "unsteady on her feet and rarely leaves the house",
    "struggling with money since his wife passed away, no mobility problems",
    "feels isolated, would like company and to get out walking",
    "cares for her husband who has dementia and needs a break",
    "anxious and low since retiring, wants to keep fit",
    "can't afford the energy bills and is behind with debts",
    "fell in the garden in March, dizzy when standing, lives alone",
    "would like help getting online and with forms",
    "recently bereaved and not eating properly",
    "no falls, but lonely and bored at home",
    "wobbly on the stairs, worried about debt",
];

/// Needs asked for explicitly, most often the falls-prevention three.
const EXPLICIT: &[&str] = &[
    "strength-and-balance",
    "social-connection",
    "money-advice",
    "strength-and-balance",
    "physical-activity",
    "befriending",
    "mental-wellbeing",
    "information-and-advice",
    "carers",
    "memory-and-dementia",
    "food",
    "transport",
];

const ACCESSIBILITY: &[AccessibilityFeature] = &[
    AccessibilityFeature::StepFree,
    AccessibilityFeature::HearingLoop,
    AccessibilityFeature::SeatedOptions,
];

const WEEKDAYS: &[Weekday] = &[Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri];

/// A spread of real Norfolk postcode points from the seed's reference file.
pub fn norfolk_points(repository_root: &Path) -> Result<Vec<GeoPoint>> {
    let path = repository_root.join("seed/reference/norfolk_postcodes.csv");
    let mut reader = csv::Reader::from_path(&path).with_context(|| format!("reading {}", path.display()))?;
    let headers = reader.headers()?.clone();
    let column = |name: &str| headers.iter().position(|h| h == name).context("postcode column");
    let (lat, lng) = (column("lat")?, column("lng")?);
    let mut points = Vec::new();
    for (row, record) in reader.records().enumerate() {
        let record = record?;
        if row % POSTCODE_STRIDE != 0 {
            continue;
        }
        let latitude: f64 = record.get(lat).context("lat")?.parse()?;
        let longitude: f64 = record.get(lng).context("lng")?.parse()?;
        points.push(GeoPoint::new(latitude, longitude).map_err(|(_, e)| anyhow::anyhow!("{e:?}"))?);
    }
    Ok(points)
}

fn need(index: u64, salt: u64) -> NeedCode {
    let code = EXPLICIT[(mix(index, salt) % EXPLICIT.len() as u64) as usize];
    NeedCode::parse(code).expect("a taxonomy code")
}

/// Request `index` of the mix (six shapes in turn).
pub fn request(points: &[GeoPoint], index: u64) -> SignpostRequest {
    let point = points[(mix(index, 100) % points.len() as u64) as usize];
    let age = 55 + (mix(index, 101) % 36) as i64;
    let description = DESCRIPTIONS[(mix(index, 102) % DESCRIPTIONS.len() as u64) as usize];
    let mut request = SignpostRequest {
        point,
        age: Some(age),
        needs: Vec::new(),
        description: None,
        max_distance_km: None,
        days: Vec::new(),
        time_from: None,
        time_to: None,
        delivery_modes: Vec::new(),
        free_only: mix(index, 103).is_multiple_of(7),
        accessibility: Vec::new(),
        include_stale: false,
        options_per_need: DEFAULT_OPTIONS_PER_NEED,
        asked_by: None,
    };
    let shape = index % 6;
    match shape {
        // One explicit need.
        0 => request.needs = vec![need(index, 110)],
        // Two or three explicit needs.
        1 => {
            let count = 2 + mix(index, 111) % 2;
            request.needs = (0..count).map(|slot| need(index, 112 + slot)).collect();
            request.needs.sort_unstable();
            request.needs.dedup();
        }
        // A description only.
        2 => request.description = Some(description.to_string()),
        // A description and a need, on some days.
        3 => {
            request.description = Some(description.to_string());
            request.needs = vec![need(index, 120)];
            request.days = days(index);
        }
        // Needs with days and a time window.
        4 => {
            request.needs = vec![need(index, 130), need(index, 131)];
            request.needs.sort_unstable();
            request.needs.dedup();
            request.days = days(index);
            request.time_from = Some(9 * 60 + 60 * (mix(index, 132) % 3) as u16);
            request.time_to = request.time_from.map(|from| from + 5 * 60);
        }
        // Needs with accessibility.
        _ => {
            request.needs = vec![need(index, 140)];
            request.description = mix(index, 141).is_multiple_of(2).then(|| description.to_string());
            request.accessibility = vec![ACCESSIBILITY[(mix(index, 142) % ACCESSIBILITY.len() as u64) as usize]];
        }
    }
    request
}

/// Two or three weekdays.
fn days(index: u64) -> Vec<Weekday> {
    let first = (mix(index, 150) % 5) as usize;
    let count = 2 + (mix(index, 151) % 2) as usize;
    (0..count).map(|slot| WEEKDAYS[(first + slot * 2) % 5]).collect()
}
