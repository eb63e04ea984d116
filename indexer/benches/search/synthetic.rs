//! A deterministic synthetic national data set: services over England, clustered round towns.
//!
//! Every listing is invented and says so ("(synthetic)" ends each name); place codes are made
//! up too (`E10`/`E07` codes from 900000 and `E01` from 500000 up, numbers no real county,
//! district or LSOA uses). Nothing here is written to the repository's seed.

use std::collections::BTreeSet;

use chrono::{Duration, NaiveDate};
use indexer::domain::{AccessibilityFeature, DeliveryMode, GeoPoint, NeedCode, PlaceCode};
use indexer::search::document::SessionSlot;
use indexer::search::{AssetDocument, AssetKind};
use uuid::Uuid;

/// English towns and cities: name, latitude, longitude, relative weight (roughly population).
pub const TOWNS: &[(&str, f64, f64, u32)] = &[
    ("London", 51.5074, -0.1278, 40),
    ("Birmingham", 52.4862, -1.8904, 12),
    ("Manchester", 53.4808, -2.2426, 10),
    ("Leeds", 53.8008, -1.5491, 8),
    ("Liverpool", 53.4084, -2.9916, 7),
    ("Sheffield", 53.3811, -1.4701, 7),
    ("Bristol", 51.4545, -2.5879, 6),
    ("Newcastle upon Tyne", 54.9783, -1.6178, 5),
    ("Nottingham", 52.9548, -1.1581, 5),
    ("Leicester", 52.6369, -1.1398, 5),
    ("Coventry", 52.4068, -1.5197, 4),
    ("Bradford", 53.7960, -1.7594, 5),
    ("Stoke-on-Trent", 53.0027, -2.1794, 3),
    ("Wolverhampton", 52.5862, -2.1288, 3),
    ("Plymouth", 50.3755, -4.1427, 3),
    ("Southampton", 50.9097, -1.4044, 3),
    ("Reading", 51.4543, -0.9781, 3),
    ("Derby", 52.9225, -1.4746, 3),
    ("Portsmouth", 50.8198, -1.0880, 3),
    ("Brighton", 50.8225, -0.1372, 3),
    ("Norwich", 52.6309, 1.2974, 2),
    ("Hull", 53.7676, -0.3274, 3),
    ("Preston", 53.7632, -2.7031, 2),
    ("York", 53.9600, -1.0873, 2),
    ("Cambridge", 52.2053, 0.1218, 2),
    ("Oxford", 51.7520, -1.2577, 2),
    ("Exeter", 50.7184, -3.5339, 2),
    ("Gloucester", 51.8642, -2.2382, 2),
    ("Ipswich", 52.0567, 1.1482, 2),
    ("Peterborough", 52.5695, -0.2405, 2),
    ("Northampton", 52.2405, -0.9027, 2),
    ("Milton Keynes", 52.0406, -0.7594, 2),
    ("Luton", 51.8787, -0.4200, 2),
    ("Swindon", 51.5558, -1.7797, 2),
    ("Bournemouth", 50.7192, -1.8808, 2),
    ("Sunderland", 54.9069, -1.3838, 2),
    ("Middlesbrough", 54.5742, -1.2350, 2),
    ("Blackpool", 53.8175, -3.0357, 2),
    ("Bolton", 53.5769, -2.4282, 2),
    ("Huddersfield", 53.6458, -1.7850, 2),
    ("Lincoln", 53.2307, -0.5406, 1),
    ("Carlisle", 54.8925, -2.9329, 1),
    ("Lancaster", 54.0466, -2.8007, 1),
    ("Chester", 53.1934, -2.8931, 1),
    ("Shrewsbury", 52.7073, -2.7553, 1),
    ("Hereford", 52.0565, -2.7160, 1),
    ("Worcester", 52.1920, -2.2200, 1),
    ("Bath", 51.3811, -2.3590, 1),
    ("Taunton", 51.0150, -3.1029, 1),
    ("Truro", 50.2632, -5.0510, 1),
    ("Barnstaple", 51.0809, -4.0588, 1),
    ("Salisbury", 51.0688, -1.7945, 1),
    ("Winchester", 51.0632, -1.3080, 1),
    ("Canterbury", 51.2802, 1.0789, 1),
    ("Maidstone", 51.2704, 0.5227, 1),
    ("Chelmsford", 51.7356, 0.4685, 1),
    ("Colchester", 51.8959, 0.8919, 1),
    ("Southend-on-Sea", 51.5459, 0.7077, 1),
    ("King's Lynn", 52.7517, 0.4023, 1),
    ("Great Yarmouth", 52.6083, 1.7305, 1),
    ("Dereham", 52.6813, 0.9407, 1),
    ("Thetford", 52.4136, 0.7496, 1),
    ("Bury St Edmunds", 52.2429, 0.7105, 1),
    ("Lowestoft", 52.4811, 1.7500, 1),
    ("Bedford", 52.1356, -0.4685, 1),
    ("Stevenage", 51.9038, -0.1966, 1),
    ("Guildford", 51.2362, -0.5704, 1),
    ("Crawley", 51.1091, -0.1872, 1),
    ("Eastbourne", 50.7684, 0.2905, 1),
    ("Hastings", 50.8543, 0.5735, 1),
    ("Basingstoke", 51.2667, -1.0876, 1),
    ("Cheltenham", 51.8994, -2.0783, 1),
    ("Kendal", 54.3280, -2.7463, 1),
    ("Whitby", 54.4858, -0.6206, 1),
    ("Scarborough", 54.2831, -0.3998, 1),
    ("Harrogate", 53.9921, -1.5418, 1),
    ("Durham", 54.7761, -1.5733, 1),
    ("Darlington", 54.5236, -1.5595, 1),
    ("Hexham", 54.9714, -2.1019, 1),
    ("Grimsby", 53.5675, -0.0802, 1),
    ("Boston", 52.9789, -0.0266, 1),
    ("Mansfield", 53.1472, -1.1987, 1),
    ("Chesterfield", 53.2350, -1.4216, 1),
    ("Doncaster", 53.5228, -1.1285, 2),
    ("Wakefield", 53.6833, -1.4977, 1),
    ("Telford", 52.6766, -2.4469, 1),
    ("Stafford", 52.8067, -2.1168, 1),
    ("Kettering", 52.3980, -0.7250, 1),
    ("Banbury", 52.0629, -1.3398, 1),
    ("Penzance", 50.1186, -5.5371, 1),
    ("Yeovil", 50.9421, -2.6337, 1),
    ("Dorchester", 50.7154, -2.4367, 1),
    ("Newbury", 51.4014, -1.3231, 1),
];

/// Each town has three clusters: the town itself and two villages 6 to 12 km out.
pub const CLUSTERS_PER_TOWN: usize = 3;
const VILLAGE_NAMES: &[&str] = &["Upper", "Lower", "Great", "Little", "North", "South", "East", "West"];
const VENUE_NAMES: &[&str] = &[
    "St Mary's Church Hall",
    "Community Centre",
    "Library",
    "Village Hall",
    "Methodist Church",
    "Leisure Centre",
    "Scout Hut",
    "Baptist Church Rooms",
    "Memorial Hall",
    "Town Hall",
    "Health Centre",
    "Sports Club",
];

/// One need's vocabulary: (code, relative weight, names, description sentences, activity labels).
type NeedWords = (
    &'static str,
    u32,
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
);

const NEEDS: &[NeedWords] = &[
    (
        "strength-and-balance",
        14,
        &[
            "Chair-based strength and balance class",
            "Steady and Strong falls prevention exercise",
            "Tai chi for better balance",
            "Otago strength and balance programme",
            "Seated exercise for older adults",
            "Postural stability class",
        ],
        &[
            "Gentle exercise to build leg strength and improve balance, led by a qualified instructor.",
            "Helps people who have had a fall or feel unsteady on their feet to stay independent.",
            "Most of the session is done sitting down or holding a chair for support.",
        ],
        &[
            "Chair Based Exercise",
            "Tai Chi",
            "Otago",
            "Falls and Exercise Management",
            "Postural Stability Instruction",
        ],
    ),
    (
        "social-connection",
        16,
        &[
            "Lunch club and coffee morning",
            "Friendship club",
            "Men's shed",
            "Knit and natter group",
            "Over-60s social club",
            "Community cafe and chat",
        ],
        &[
            "A friendly place to meet people, have a hot drink and a chat.",
            "Come along if you feel lonely or would like some company.",
            "Tea, cake, quizzes and the occasional trip out.",
        ],
        &[],
    ),
    (
        "physical-activity",
        14,
        &[
            "Health walk",
            "Walking football",
            "Gentle yoga",
            "Dance for fitness",
            "Aqua aerobics",
            "Walking netball",
        ],
        &[
            "Get active at your own pace with a welcoming group.",
            "All abilities welcome; no special kit needed.",
            "A gentle way to keep fit and meet others.",
        ],
        &["Walking", "Yoga", "Dance"],
    ),
    (
        "money-advice",
        8,
        &[
            "Benefits and debt advice drop-in",
            "Money matters advice session",
            "Energy bills and heating help",
            "Pension credit check",
        ],
        &[
            "Free, confidential advice on benefits, debt and bills.",
            "Advisers help you claim what you are entitled to.",
            "Help with heating costs and energy debt.",
        ],
        &[],
    ),
    (
        "mental-wellbeing",
        10,
        &[
            "Wellbeing walk and talk",
            "Anxiety support group",
            "Mindfulness course",
            "Creative wellbeing workshop",
        ],
        &[
            "A safe space to talk about stress, low mood or worry.",
            "Peer support from people who have been there.",
            "Simple techniques to manage anxiety.",
        ],
        &[],
    ),
    (
        "food",
        6,
        &[
            "Community food bank",
            "Community fridge",
            "Cooking on a budget",
            "Food pantry",
        ],
        &[
            "Fresh and tinned food for anyone who needs it.",
            "Learn to cook simple, cheap and healthy meals.",
        ],
        &[],
    ),
    (
        "information-and-advice",
        6,
        &[
            "Help with forms drop-in",
            "Information and signposting point",
            "Library advice session",
        ],
        &[
            "Help to fill in forms and find local services.",
            "Friendly volunteers can point you in the right direction.",
        ],
        &[],
    ),
    (
        "digital-inclusion",
        5,
        &["Computer and tablet help", "Get online session", "Smartphone drop-in"],
        &[
            "Help using your phone, tablet or computer, one to one.",
            "Learn email, video calls and online shopping safely.",
        ],
        &[],
    ),
    (
        "carers",
        5,
        &["Carers support group", "Carers cafe", "Respite and carers break"],
        &[
            "A break and a chat for unpaid carers.",
            "Information and peer support for people caring for a family member.",
        ],
        &[],
    ),
    (
        "befriending",
        4,
        &[
            "Telephone befriending",
            "Befriending scheme",
            "Good neighbours befriending",
        ],
        &[
            "A regular friendly call or visit from a volunteer.",
            "Companionship for people who are isolated at home.",
        ],
        &[],
    ),
    (
        "memory-and-dementia",
        4,
        &["Memory cafe", "Singing for the brain", "Dementia carers cafe"],
        &[
            "A relaxed cafe for people living with dementia and their carers.",
            "Music, reminiscence and friendly company.",
        ],
        &[],
    ),
    (
        "bereavement",
        3,
        &["Bereavement support group", "Bereavement cafe"],
        &[
            "Support after the death of someone close.",
            "Share memories with others who understand grief and loss.",
        ],
        &[],
    ),
    (
        "housing",
        3,
        &["Handyperson service", "Home safety check", "Housing advice clinic"],
        &[
            "Small repairs, grab rails and home adaptations.",
            "Advice on damp, cold homes and problems with a landlord.",
        ],
        &[],
    ),
    (
        "transport",
        2,
        &["Community car scheme", "Dial-a-ride minibus"],
        &[
            "Volunteer drivers take you to appointments and activities.",
            "Door-to-door transport for people who cannot use the bus.",
        ],
        &[],
    ),
];

const FILLER: &[&str] = &[
    "Everyone is welcome and you can just turn up.",
    "Please call ahead if it is your first visit.",
    "Run by local volunteers.",
    "Refreshments available.",
    "Bring a friend if you like.",
    "Booking is recommended as places are limited.",
];

/// xorshift64*: deterministic without a dependency.
pub struct Random(u64);

impl Random {
    pub fn seeded(seed: u64) -> Random {
        // splitmix64 so neighbouring seeds give unrelated streams
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Random((z ^ (z >> 31)) | 1)
    }

    pub fn unit(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn below(&mut self, n: usize) -> usize {
        ((self.unit() * n as f64) as usize).min(n - 1)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Roughly normal, mean 0, standard deviation `sd` (sum of four uniforms).
    pub fn spread(&mut self, sd: f64) -> f64 {
        let sum: f64 = (0..4).map(|_| self.unit()).sum();
        (sum - 2.0) * sd * 1.732
    }
}

/// A cluster: its town and centre point.
#[derive(Debug, Clone, Copy)]
pub struct Cluster {
    pub town: usize,
    pub lat: f64,
    pub lng: f64,
}

/// The synthetic codes of the places containing a point near a town.
#[derive(Debug, Clone)]
pub struct PlaceCodes {
    pub county: PlaceCode,
    pub district: PlaceCode,
    pub lsoa: PlaceCode,
}

fn code(raw: String) -> PlaceCode {
    PlaceCode::parse(&raw).expect("synthetic codes are well formed")
}

pub fn places_of(town: usize, lat: f64, lng: f64) -> PlaceCodes {
    let (_, town_lat, town_lng, _) = TOWNS[town];
    // ~2 km LSOA-like squares in a 40 km window round the town
    let row = (((lat - town_lat) * 111.32 / 2.0).floor() as i64 + 10).clamp(0, 19);
    let column = (((lng - town_lng) * 67.0 / 2.0).floor() as i64 + 10).clamp(0, 19);
    PlaceCodes {
        county: code(format!("E10{:06}", 900_000 + town / 8)),
        district: code(format!("E07{:06}", 900_000 + town)),
        lsoa: code(format!("E01{:06}", 500_000 + town * 400 + (row * 20 + column) as usize)),
    }
}

/// The data set's clusters and the weights that spread services over them.
pub struct Geography {
    pub clusters: Vec<Cluster>,
    cumulative: Vec<u32>,
}

impl Geography {
    pub fn new() -> Geography {
        let mut random = Random::seeded(0x70_7e5);
        let mut clusters = Vec::new();
        let mut cumulative = Vec::new();
        let mut total = 0;
        for (town, &(_, lat, lng, weight)) in TOWNS.iter().enumerate() {
            for index in 0..CLUSTERS_PER_TOWN {
                let (lat, lng) = if index == 0 {
                    (lat, lng)
                } else {
                    let angle = random.unit() * std::f64::consts::TAU;
                    let km = 6.0 + 6.0 * random.unit();
                    // villages stay on land's side of the UK box (Yarmouth and Lowestoft are at its edge)
                    (
                        lat + km * angle.sin() / 111.32,
                        (lng + km * angle.cos() / 67.0).min(1.74),
                    )
                };
                GeoPoint::new(lat, lng).expect("towns are in England");
                clusters.push(Cluster { town, lat, lng });
                // the town itself carries most of its services
                total += if index == 0 { weight * 4 } else { weight };
                cumulative.push(total);
            }
        }
        Geography { clusters, cumulative }
    }

    pub fn weighted_cluster(&self, random: &mut Random) -> Cluster {
        let total = *self.cumulative.last().expect("clusters");
        let target = (random.unit() * f64::from(total)) as u32;
        let index = self.cumulative.partition_point(|&c| c <= target);
        self.clusters[index.min(self.clusters.len() - 1)]
    }

    /// A point a few km from a cluster centre.
    pub fn point_near(&self, cluster: Cluster, random: &mut Random, sd_km: f64) -> GeoPoint {
        let lat = cluster.lat + random.spread(sd_km) / 111.32;
        let lng = cluster.lng + random.spread(sd_km) / 67.0;
        GeoPoint::new(lat.clamp(49.9, 55.8), lng.clamp(-5.7, 1.75)).expect("clamped into England")
    }
}

fn weighted_need(random: &mut Random) -> &'static NeedWords {
    let total: u32 = NEEDS.iter().map(|n| n.1).sum();
    let mut target = (random.unit() * f64::from(total)) as u32;
    for need in NEEDS {
        if target < need.1 {
            return need;
        }
        target -= need.1;
    }
    &NEEDS[0]
}

/// The `index`th synthetic service; the same index always gives the same service.
pub fn service(geography: &Geography, index: u64) -> AssetDocument {
    let mut random = Random::seeded(index);
    let need = weighted_need(&mut random);
    let mut needs = vec![NeedCode::parse(need.0).expect("taxonomy code")];
    if random.chance(0.3) {
        let second = NeedCode::parse(weighted_need(&mut random).0).expect("taxonomy code");
        if second != needs[0] {
            needs.push(second);
        }
    }
    let cluster = geography.weighted_cluster(&mut random);
    let town = TOWNS[cluster.town].0;
    let venue_name = random.pick(VENUE_NAMES);
    let remote = random.chance(0.05);
    let mut doc = AssetDocument {
        kind: Some(AssetKind::Service),
        id: Uuid::from_u64_pair(0x5717_7e71_c000_0000, index),
        name: format!("{}, {town} (synthetic)", random.pick(need.2)),
        description: format!(
            "{} {} {} {}",
            random.pick(need.3),
            random.pick(need.3),
            random.pick(FILLER),
            if remote {
                format!("By phone or online across the {town} area.")
            } else {
                format!("Meets at the {venue_name}, {town}.")
            }
        ),
        organization: format!(
            "{town} {} (synthetic)",
            random.pick(&[
                "Community Trust",
                "Age Concern",
                "Volunteer Centre",
                "Leisure Trust",
                "Citizens Advice",
                "Churches Together"
            ])
        ),
        needs,
        activities: if need.4.is_empty() || random.chance(0.4) {
            Vec::new()
        } else {
            vec![random.pick(need.4).to_string()]
        },
        free: random.chance(0.5),
        last_reviewed: Some(
            NaiveDate::from_ymd_opt(2026, 11, 1).expect("date") - Duration::days(random.below(540) as i64),
        ),
        ..AssetDocument::default()
    };
    (doc.min_age, doc.max_age) = match random.below(20) {
        0..=2 => (Some(50), None),
        3..=4 => (Some(60), None),
        5..=7 => (Some(65), None),
        8..=14 => (Some(18), None),
        15 => (Some(16), Some(25)),
        16 => (Some(0), Some(17)),
        _ => (None, None),
    };
    doc.place_names.insert(town.to_string());
    if remote {
        add_remote(&mut doc, cluster, &mut random);
    } else {
        add_venues(&mut doc, geography, cluster, &mut random);
    }
    doc.sessions.sort();
    doc.sessions.dedup();
    doc
}

fn add_venues(doc: &mut AssetDocument, geography: &Geography, cluster: Cluster, random: &mut Random) {
    let venues = match random.below(100) {
        0..=74 => 1,
        75..=92 => 2,
        _ => 3,
    };
    for _ in 0..venues {
        let point = geography.point_near(cluster, random, 2.5);
        let places = places_of(cluster.town, point.latitude(), point.longitude());
        doc.venues.push(point);
        doc.venue_places
            .extend([places.county, places.district.clone(), places.lsoa]);
        doc.districts.insert(places.district);
    }
    if random.chance(0.15) {
        doc.place_names
            .insert(format!("{} {}", random.pick(VILLAGE_NAMES), TOWNS[cluster.town].0));
    }
    let features = AccessibilityFeature::ALL;
    for _ in 0..random.below(4) {
        doc.accessibility.insert(*random.pick(features));
    }
    doc.delivery_modes.insert(DeliveryMode::InPerson);
    for _ in 0..1 + random.below(3) {
        // weekdays four times as likely as weekends
        let day = (if random.chance(0.9) {
            random.below(5)
        } else {
            5 + random.below(2)
        }) as u8;
        let start = (540 + 30 * random.below(20)) as u16;
        let length = (60 + 30 * random.below(3)) as u16;
        doc.sessions.push(SessionSlot {
            day,
            start,
            end: start + length,
        });
    }
}

fn add_remote(doc: &mut AssetDocument, cluster: Cluster, random: &mut Random) {
    let (_, lat, lng, _) = TOWNS[cluster.town];
    let places = places_of(cluster.town, lat, lng);
    let area = if random.chance(0.7) {
        places.district.clone()
    } else {
        places.county
    };
    doc.areas.insert(area);
    doc.districts.insert(places.district);
    doc.delivery_modes.extend([DeliveryMode::Phone, DeliveryMode::Online]);
    if random.chance(0.5) {
        for day in 0..5 {
            doc.sessions.push(SessionSlot {
                day,
                start: 540,
                end: 1020,
            });
        }
    }
}

/// The topics text a listing's needs and activities stand for (as the index builds it).
pub fn topics(doc: &AssetDocument) -> String {
    let mut words: Vec<String> = doc
        .needs
        .iter()
        .map(|need| format!("{} {}", need.need().label, need.need().keywords.join(" ")))
        .collect();
    words.extend(doc.activities.iter().cloned());
    words.join(" ")
}

/// Codes of every place containing a venue, and of areas served, as (code, served) pairs.
pub fn place_rows(doc: &AssetDocument) -> BTreeSet<(String, bool)> {
    let venue = doc.venue_places.iter().map(|c| (c.as_str().to_string(), false));
    let served = doc.areas.iter().map(|c| (c.as_str().to_string(), true));
    venue.chain(served).collect()
}
