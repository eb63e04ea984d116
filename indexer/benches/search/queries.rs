//! The benchmark's query classes, each a few hundred varied requests, in one engine-neutral form
//! that becomes a tantivy [`SearchRequest`] or SQLite statements.

use chrono::{NaiveDate, Weekday};
use indexer::domain::{GeoPoint, NeedCode};
use indexer::search::{Near, SearchRequest, Within};

use crate::synthetic::{places_of, Geography, PlaceCodes, Random};

/// What residents and link workers type, with the need each phrase is about.
const PHRASES: &[(&str, &str)] = &[
    ("chair exercise", "strength-and-balance"),
    ("tai chi", "strength-and-balance"),
    ("falls prevention", "strength-and-balance"),
    ("balance class", "strength-and-balance"),
    ("lunch club", "social-connection"),
    ("coffee morning", "social-connection"),
    ("friendship", "social-connection"),
    ("benefits advice", "money-advice"),
    ("heating bills", "money-advice"),
    ("debt", "money-advice"),
    ("walking group", "physical-activity"),
    ("yoga", "physical-activity"),
    ("befriending", "befriending"),
    ("anxiety support", "mental-wellbeing"),
    ("mindfulness", "mental-wellbeing"),
    ("carers", "carers"),
    ("food bank", "food"),
    ("computer help", "digital-inclusion"),
    ("memory cafe", "memory-and-dementia"),
    ("bereavement", "bereavement"),
    ("car scheme", "transport"),
    ("handyperson", "housing"),
    ("forms", "information-and-advice"),
];

/// The classes measured, in report order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    TextOnly,
    Radius2,
    Radius5,
    Radius20,
    Combined,
    Place,
    Facets,
    RadiusFacets,
}

impl Class {
    pub const ALL: [Class; 8] = [
        Class::TextOnly,
        Class::Radius2,
        Class::Radius5,
        Class::Radius20,
        Class::Combined,
        Class::Place,
        Class::Facets,
        Class::RadiusFacets,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Class::TextOnly => "text only",
            Class::Radius2 => "radius 2 km",
            Class::Radius5 => "radius 5 km",
            Class::Radius20 => "radius 20 km",
            Class::Combined => "text+5 km+need+age+day",
            Class::Place => "place (district)",
            Class::Facets => "text+5 km, facets",
            Class::RadiusFacets => "radius 20 km, facets",
        }
    }
}

/// A point to search round, with the synthetic places containing it (largest first).
#[derive(Debug, Clone)]
pub struct Centre {
    pub point: GeoPoint,
    pub places: PlaceCodes,
}

/// One query, engine-neutral.
#[derive(Debug, Clone)]
pub struct Query {
    pub text: Option<&'static str>,
    pub near: Option<(Centre, f64)>,
    pub need: Option<&'static str>,
    pub age: Option<i64>,
    pub day: Option<u8>,
    /// A district to search inside.
    pub place: Option<PlaceCodes>,
    pub facets: bool,
}

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).expect("valid date")
}

fn centre(geography: &Geography, random: &mut Random) -> Centre {
    let cluster = geography.weighted_cluster(random);
    let point = geography.point_near(cluster, random, 3.0);
    Centre {
        places: places_of(cluster.town, point.latitude(), point.longitude()),
        point,
    }
}

/// `count` queries of one class; the same seed gives the same queries.
pub fn generate(class: Class, geography: &Geography, count: usize, seed: u64) -> Vec<Query> {
    let mut random = Random::seeded(seed ^ ((class as u64) << 40));
    (0..count)
        .map(|_| {
            let (text, need) = *random.pick(PHRASES);
            let mut query = Query {
                text: None,
                near: None,
                need: None,
                age: None,
                day: None,
                place: None,
                facets: false,
            };
            match class {
                Class::TextOnly => query.text = Some(text),
                Class::Radius2 => query.near = Some((centre(geography, &mut random), 2.0)),
                Class::Radius5 => query.near = Some((centre(geography, &mut random), 5.0)),
                Class::Radius20 => query.near = Some((centre(geography, &mut random), 20.0)),
                Class::Combined => {
                    query.text = Some(text);
                    query.near = Some((centre(geography, &mut random), 5.0));
                    query.need = Some(need);
                    query.age = Some(60 + random.below(30) as i64);
                    query.day = Some(random.below(7) as u8);
                }
                Class::Place => {
                    let cluster = geography.weighted_cluster(&mut random);
                    query.place = Some(places_of(cluster.town, cluster.lat, cluster.lng));
                }
                Class::Facets => {
                    query.text = Some(text);
                    query.near = Some((centre(geography, &mut random), 5.0));
                    query.facets = true;
                }
                Class::RadiusFacets => {
                    query.near = Some((centre(geography, &mut random), 20.0));
                    query.facets = true;
                }
            }
            query
        })
        .collect()
}

impl Query {
    /// The tantivy request: first page of 10, relevance order.
    pub fn to_request(&self) -> SearchRequest {
        SearchRequest {
            text: self.text.map(str::to_string),
            near: self.near.as_ref().map(|(centre, radius_km)| Near {
                point: centre.point,
                radius_km: *radius_km,
                containing_places: vec![
                    centre.places.county.clone(),
                    centre.places.district.clone(),
                    centre.places.lsoa.clone(),
                ],
            }),
            within: self.place.as_ref().map(|places| Within {
                code: places.district.clone(),
                overlapping: vec![places.district.clone(), places.county.clone()],
            }),
            needs: self
                .need
                .map(|code| vec![NeedCode::parse(code).expect("taxonomy code")])
                .unwrap_or_default(),
            age: self.age,
            days: self
                .day
                .map(|day| vec![Weekday::try_from(day).expect("0..7")])
                .unwrap_or_default(),
            facets: self.facets,
            exact_total: true,
            limit: 10,
            today: today(),
            ..SearchRequest::default()
        }
    }
}
