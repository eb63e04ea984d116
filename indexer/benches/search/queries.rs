//! The benchmark's query classes, each a few hundred varied requests, in one engine-neutral form
//! that becomes a tantivy [`SearchRequest`] or SQLite statements.

use chrono::{NaiveDate, Weekday};
use indexer::domain::{GeoPoint, NeedCode};
use indexer::search::{Near, SearchOptions, SearchRequest, Within};

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

/// Longer searches of three to eight words, written the way residents and link workers ask
/// (questions, "near me", typos, words such as "for", "with" and "people"): issue 22's long
/// queries. Written from what people type, none tuned on the engine or the synthetic listings.
const LONG_PHRASES: &[&str] = &[
    "help with heating bills",
    "chair based exercise",
    "exercise class for older people",
    "memory cafe for people with dementia and carers",
    "where can i get help with debt",
    "is there a lunch club near me",
    "walking group for over 60s",
    "somewhere to meet people near me",
    "i feel lonely and want to talk",
    "yoga for people with back pain",
    "help filling in benefit forms",
    "free food bank near me",
    "support group for carers of dementia",
    "gentle exercise after a fall",
    "how do i stop falling over",
    "coffee morning for older residents",
    "someone to visit my mum weekly",
    "help paying energy bills this winter",
    "advice about pension credit",
    "computer classes for beginners over 60",
    "learn to use my smartphone",
    "tai chi classes for seniors",
    "singing group for people with dementia",
    "bereavement support after losing my husband",
    "counselling for anxiety and depression",
    "mental health drop in near me",
    "befriending service for isolated older people",
    "transport to hospital appointments",
    "community car scheme for elderly",
    "handyman for small jobs at home",
    "help with home repairs for pensioners",
    "grants for people on low income",
    "fund for community groups in norfolk",
    "money advice for older people",
    "where can i find a food parcel",
    "hot meals for elderly people",
    "lunch club with transport provided",
    "exercize class for older adults",
    "lonley and need someone to talk to",
    "balence and strength classes near me",
    "excercise for people with arthritis",
    "demenita support for families",
    "beginers yoga class free",
    "walkng group on saturday mornings",
    "falls prevention exercise at home",
    "strength and balance class for over 65s",
    "chair yoga for wheelchair users",
    "dance classes for older people",
    "swimming sessions for older adults",
    "knitting group to meet new people",
    "mens shed near me",
    "social group for older men",
    "friendship group for widows",
    "support for people living alone",
    "someone to help me with shopping",
    "help with cleaning and cooking",
    "meals on wheels in my area",
    "advice on council tax reduction",
    "cost of living support near me",
    "help with water bills",
    "digital skills for older people",
    "help getting online for free",
    "ipad lessons for pensioners",
    "support for carers looking after parents",
    "respite for unpaid carers",
    "carers support group evening",
    "young carers activities at weekends",
    "dementia friendly activities in town",
    "things to do with dad with dementia",
    "memory problems where to get help",
    "stroke recovery exercise group",
    "gentle exercise for heart patients",
    "pilates class for bad backs",
    "aqua aerobics for older people",
    "walking football for over 50s",
    "bowls club for beginners",
    "gardening group for mental wellbeing",
    "art class for people with anxiety",
    "mindfulness sessions for stress",
    "talking therapy without a waiting list",
    "support after the death of a child",
    "grief support group near me",
    "hearing loss support and advice",
    "sight loss help at home",
    "what is there for lonely older people",
    "are there any free activities this week",
    "can someone help me fill in forms",
    "who can help me with my benefits",
    "what help is there for carers",
    "where is the nearest memory cafe",
    "how can i meet other people my age",
    "is there a walking group in my area",
    "what exercise classes are free for over 60s",
    "where can i get advice about debt",
    "help for people with long covid",
    "support for people with diabetes",
    "cooking on a budget classes",
    "free hot drink and a chat",
    "warm space to sit in winter",
    "warm hubs near me this winter",
    "lift to the doctors surgery",
    "volunteer driver to appointments",
    "help with the garden for older people",
    "home from hospital support service",
    "support for older people after hospital",
    "exercise on prescription near me",
    "weight loss group for men",
    "healthy eating class for families",
    "parent and toddler group near me",
    "activities for children with autism",
    "support for adults with learning disabilities",
    "employment support for over 50s",
    "volunteering opportunities for retired people",
    "u3a groups and classes",
    "book club for older readers",
    "choir for people with lung conditions",
    "breathing exercises for copd",
    "falls and balance assessment",
    "help to stay living at home",
    "housing advice for older tenants",
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
    /// Three to eight words alone ([`LONG_PHRASES`]).
    LongText,
}

impl Class {
    pub const ALL: [Class; 9] = [
        Class::TextOnly,
        Class::Radius2,
        Class::Radius5,
        Class::Radius20,
        Class::Combined,
        Class::Place,
        Class::Facets,
        Class::RadiusFacets,
        Class::LongText,
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
            Class::LongText => "long text (3-8 words)",
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

/// A long phrase at random, or the one `SEARCH_BENCH_LONG_PHRASE` names (to profile it alone).
fn long_phrase(random: &mut Random) -> &'static str {
    match std::env::var("SEARCH_BENCH_LONG_PHRASE") {
        Ok(phrase) => phrase.leak(),
        Err(_) => LONG_PHRASES[random.below(LONG_PHRASES.len())],
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
                Class::LongText => query.text = Some(long_phrase(&mut random)),
            }
            query
        })
        .collect()
}

impl Query {
    /// What the tantivy search counts: every match (as SQLite's `COUNT(*) OVER ()`), and the
    /// facets when the class asks.
    pub fn options(&self) -> SearchOptions {
        match self.facets {
            true => SearchOptions::COUNTED_WITH_FACETS,
            false => SearchOptions::COUNTED,
        }
    }

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
                members: Vec::new(),
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
            limit: 10,
            today: today(),
            ..SearchRequest::default()
        }
    }
}
