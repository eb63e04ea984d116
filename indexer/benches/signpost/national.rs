//! A deterministic synthetic national set of services, written to the store through the
//! engine's bulk writer (`store::bulk`, the path big imports take), so the index is rebuilt
//! from SQLite exactly as `indexer reindex` would.
//!
//! Every listing is invented and says so: names end in "(synthetic)" and `is_example` is set.
//! Venues cluster round English towns with density in proportion to each town's catchment
//! population, so Norfolk gets its real share (about 1.7% of England). Venues in Norfolk carry
//! the real place codes of the point (`location_places`); remote services of Norfolk towns serve
//! a real Norfolk district or the county.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use indexer::domain::*;
use indexer::places::PlaceIndex;
use indexer::store::bulk::{self, BulkRows};
use indexer::store::Store;
use uuid::Uuid;

/// Towns: name, latitude, longitude, catchment population in thousands (town and hinterland),
/// and whether it is in Norfolk.
const TOWNS: &[(&str, f64, f64, u32, bool)] = &[
    ("London", 51.5074, -0.1278, 9000, false),
    ("Birmingham", 52.4862, -1.8904, 2600, false),
    ("Manchester", 53.4808, -2.2426, 2800, false),
    ("Leeds", 53.8008, -1.5491, 1500, false),
    ("Liverpool", 53.4084, -2.9916, 1400, false),
    ("Sheffield", 53.3811, -1.4701, 900, false),
    ("Bristol", 51.4545, -2.5879, 1000, false),
    ("Newcastle upon Tyne", 54.9783, -1.6178, 1100, false),
    ("Nottingham", 52.9548, -1.1581, 900, false),
    ("Leicester", 52.6369, -1.1398, 800, false),
    ("Coventry", 52.4068, -1.5197, 600, false),
    ("Bradford", 53.7960, -1.7594, 650, false),
    ("Stoke-on-Trent", 53.0027, -2.1794, 550, false),
    ("Plymouth", 50.3755, -4.1427, 450, false),
    ("Southampton", 50.9097, -1.4044, 900, false),
    ("Reading", 51.4543, -0.9781, 650, false),
    ("Derby", 52.9225, -1.4746, 500, false),
    ("Portsmouth", 50.8198, -1.0880, 600, false),
    ("Brighton", 50.8225, -0.1372, 600, false),
    ("Hull", 53.7676, -0.3274, 550, false),
    ("Preston", 53.7632, -2.7031, 500, false),
    ("York", 53.9600, -1.0873, 400, false),
    ("Cambridge", 52.2053, 0.1218, 650, false),
    ("Oxford", 51.7520, -1.2577, 650, false),
    ("Exeter", 50.7184, -3.5339, 500, false),
    ("Gloucester", 51.8642, -2.2382, 450, false),
    ("Ipswich", 52.0567, 1.1482, 500, false),
    ("Peterborough", 52.5695, -0.2405, 400, false),
    ("Northampton", 52.2405, -0.9027, 500, false),
    ("Milton Keynes", 52.0406, -0.7594, 450, false),
    ("Luton", 51.8787, -0.4200, 600, false),
    ("Swindon", 51.5558, -1.7797, 400, false),
    ("Bournemouth", 50.7192, -1.8808, 700, false),
    ("Sunderland", 54.9069, -1.3838, 500, false),
    ("Middlesbrough", 54.5742, -1.2350, 550, false),
    ("Blackpool", 53.8175, -3.0357, 400, false),
    ("Bolton", 53.5769, -2.4282, 500, false),
    ("Huddersfield", 53.6458, -1.7850, 450, false),
    ("Lincoln", 53.2307, -0.5406, 500, false),
    ("Carlisle", 54.8925, -2.9329, 300, false),
    ("Lancaster", 54.0466, -2.8007, 300, false),
    ("Chester", 53.1934, -2.8931, 450, false),
    ("Shrewsbury", 52.7073, -2.7553, 400, false),
    ("Hereford", 52.0565, -2.7160, 250, false),
    ("Worcester", 52.1920, -2.2200, 450, false),
    ("Bath", 51.3811, -2.3590, 350, false),
    ("Taunton", 51.0150, -3.1029, 400, false),
    ("Truro", 50.2632, -5.0510, 550, false),
    ("Salisbury", 51.0688, -1.7945, 300, false),
    ("Canterbury", 51.2802, 1.0789, 700, false),
    ("Maidstone", 51.2704, 0.5227, 900, false),
    ("Chelmsford", 51.7356, 0.4685, 800, false),
    ("Colchester", 51.8959, 0.8919, 500, false),
    ("Southend-on-Sea", 51.5459, 0.7077, 500, false),
    ("Bury St Edmunds", 52.2429, 0.7105, 250, false),
    ("Lowestoft", 52.4811, 1.7500, 150, false),
    ("Bedford", 52.1356, -0.4685, 450, false),
    ("Stevenage", 51.9038, -0.1966, 800, false),
    ("Guildford", 51.2362, -0.5704, 900, false),
    ("Crawley", 51.1091, -0.1872, 700, false),
    ("Eastbourne", 50.7684, 0.2905, 400, false),
    ("Basingstoke", 51.2667, -1.0876, 600, false),
    ("Cheltenham", 51.8994, -2.0783, 350, false),
    ("Kendal", 54.3280, -2.7463, 200, false),
    ("Scarborough", 54.2831, -0.3998, 250, false),
    ("Harrogate", 53.9921, -1.5418, 350, false),
    ("Durham", 54.7761, -1.5733, 500, false),
    ("Darlington", 54.5236, -1.5595, 300, false),
    ("Grimsby", 53.5675, -0.0802, 300, false),
    ("Boston", 52.9789, -0.0266, 250, false),
    ("Mansfield", 53.1472, -1.1987, 400, false),
    ("Doncaster", 53.5228, -1.1285, 600, false),
    ("Wakefield", 53.6833, -1.4977, 550, false),
    ("Telford", 52.6766, -2.4469, 400, false),
    ("Stafford", 52.8067, -2.1168, 450, false),
    ("Kettering", 52.3980, -0.7250, 350, false),
    ("Yeovil", 50.9421, -2.6337, 350, false),
    ("Dorchester", 50.7154, -2.4367, 250, false),
    // Norfolk: catchments add up to about 950 thousand (1.7% of the total).
    ("Norwich", 52.6309, 1.2974, 360, true),
    ("King's Lynn", 52.7517, 0.4023, 90, true),
    ("Great Yarmouth", 52.6083, 1.7305, 85, true),
    ("Dereham", 52.6813, 0.9407, 50, true),
    ("Thetford", 52.4136, 0.7496, 45, true),
    ("Wymondham", 52.5700, 1.1160, 40, true),
    ("North Walsham", 52.8215, 1.3875, 35, true),
    ("Attleborough", 52.5178, 1.0193, 30, true),
    ("Diss", 52.3770, 1.1090, 30, true),
    ("Downham Market", 52.6023, 0.3838, 30, true),
    ("Fakenham", 52.8310, 0.8480, 30, true),
    ("Swaffham", 52.6480, 0.6870, 25, true),
    ("Watton", 52.5710, 0.8270, 25, true),
    ("Aylsham", 52.7960, 1.2530, 25, true),
    ("Cromer", 52.9310, 1.3020, 25, true),
    ("Hunstanton", 52.9400, 0.4930, 20, true),
];

const NORFOLK_COUNTY: &str = "E10000020";
/// Services per organisation.
const SERVICES_PER_ORGANIZATION: u64 = 20;
/// Services per venue on average (venues are shared, as church halls are).
const SERVICES_PER_VENUE: u64 = 5;
/// Services written per transaction.
const BATCH: u64 = 50_000;

/// One need's vocabulary: code, relative weight, activity names, description sentences.
type NeedWords = (&'static str, u32, &'static [&'static str], &'static [&'static str]);

const NEEDS: &[NeedWords] = &[
    (
        "strength-and-balance",
        16,
        &[
            "Chair-based strength and balance class",
            "Steady and Strong falls prevention exercise",
            "Tai chi for better balance",
            "Otago strength and balance programme",
            "FaME postural stability class",
        ],
        &[
            "Gentle exercise to build leg strength and improve balance, led by a qualified instructor.",
            "For people who have had a fall or feel unsteady on their feet.",
            "Much of the session is done seated or holding a chair for support.",
        ],
    ),
    (
        "social-connection",
        18,
        &[
            "Lunch club and coffee morning",
            "Friendship club",
            "Men's shed",
            "Knit and natter group",
            "Over-60s social club",
        ],
        &[
            "A friendly place to meet people, have a hot drink and a chat.",
            "Come along if you feel lonely or would like some company.",
            "Tea, cake, quizzes and the occasional trip out.",
        ],
    ),
    (
        "money-advice",
        12,
        &[
            "Benefits and debt advice drop-in",
            "Money matters advice session",
            "Energy bills and heating help",
            "Pension credit check",
        ],
        &[
            "Free, confidential advice on benefits, debt and bills.",
            "Advisers help you claim what you are entitled to, including attendance allowance.",
            "Help with heating costs and energy debt.",
        ],
    ),
    (
        "physical-activity",
        12,
        &[
            "Health walk",
            "Walking football",
            "Gentle yoga",
            "Dance for fitness",
            "Aqua aerobics",
        ],
        &[
            "Get active at your own pace with a welcoming group.",
            "All abilities welcome; no special kit needed.",
        ],
    ),
    (
        "mental-wellbeing",
        8,
        &[
            "Wellbeing walk and talk",
            "Anxiety support group",
            "Creative wellbeing workshop",
        ],
        &[
            "A safe space to talk about stress, low mood or worry.",
            "Peer support from people who have been there.",
        ],
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
            "Friendly volunteers point you the right way.",
        ],
    ),
    (
        "food",
        5,
        &["Community food bank", "Community fridge", "Cooking on a budget"],
        &[
            "Food for anyone who needs it, no questions asked.",
            "Learn to cook simple, cheap meals.",
        ],
    ),
    (
        "befriending",
        5,
        &[
            "Telephone befriending",
            "Befriending scheme",
            "Good neighbours befriending",
        ],
        &[
            "A regular friendly call or visit from a volunteer.",
            "Companionship for people at home.",
        ],
    ),
    (
        "carers",
        4,
        &["Carers support group", "Carers cafe", "Carers break"],
        &[
            "A break and a chat for unpaid carers.",
            "Peer support for people caring for family.",
        ],
    ),
    (
        "digital-inclusion",
        4,
        &["Computer and tablet help", "Get online session", "Smartphone drop-in"],
        &["Help using your phone, tablet or computer, one to one."],
    ),
    (
        "memory-and-dementia",
        4,
        &["Memory cafe", "Singing for the brain"],
        &["A relaxed cafe for people living with dementia and their carers."],
    ),
    (
        "bereavement",
        3,
        &["Bereavement support group", "Bereavement cafe"],
        &["Support after the death of someone close."],
    ),
    (
        "housing",
        3,
        &["Handyperson service", "Home safety check"],
        &["Small repairs, grab rails and home adaptations."],
    ),
    (
        "transport",
        2,
        &["Community car scheme", "Dial-a-ride minibus"],
        &["Volunteer drivers take you to appointments and activities."],
    ),
];

const VENUE_NAMES: &[&str] = &[
    "St Mary's Church Hall",
    "Community Centre",
    "Library",
    "Village Hall",
    "Methodist Church",
    "Leisure Centre",
    "Memorial Hall",
    "Town Hall",
    "Health Centre",
    "Scout Hut",
];
const ORGANIZATION_KINDS: &[&str] = &[
    "Age Concern",
    "Community Trust",
    "Wellbeing Hub",
    "Good Neighbours",
    "Council for Voluntary Service",
];
const DAYS: &[&str] = &["MO", "TU", "WE", "TH", "FR", "MO", "TU", "WE", "TH", "FR", "SA"];

/// A deterministic hash of an index and a purpose (splitmix64).
pub fn mix(index: u64, salt: u64) -> u64 {
    let mut z = index
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(salt.wrapping_mul(0xD1B5_4A32_D192_ED69));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A uniform number in [0, 1).
fn unit(index: u64, salt: u64) -> f64 {
    (mix(index, salt) >> 11) as f64 / (1u64 << 53) as f64
}

fn pick<T>(items: &[T], index: u64, salt: u64) -> &T {
    &items[(mix(index, salt) % items.len() as u64) as usize]
}

/// Picks by weight from a cumulative table.
fn weighted(cumulative: &[u64], index: u64, salt: u64) -> usize {
    let total = cumulative.last().copied().unwrap_or(1);
    let target = mix(index, salt) % total;
    cumulative.partition_point(|&bound| bound <= target)
}

fn cumulative(weights: impl Iterator<Item = u64>) -> Vec<u64> {
    weights
        .scan(0, |sum, w| {
            *sum += w;
            Some(*sum)
        })
        .collect()
}

/// Distinct id spaces, far from the seed's v5 ids.
fn synthetic_id(space: u128, index: u64) -> Uuid {
    Uuid::from_u128((0x5157_0000_0000_4000_8000_0000_0000_0000 | (space << 64)) + index as u128)
}

/// What was written and how long it took.
pub struct Inserted {
    pub services: u64,
    pub organizations: u64,
    pub venues: u64,
    pub norfolk_services: u64,
    pub remote_services: u64,
    pub elapsed: Duration,
}

/// The synthetic set's shape, worked out once.
struct Plan {
    town_weights: Vec<u64>,
    need_weights: Vec<u64>,
    venues_per_town: Vec<u64>,
    /// The Norfolk district each Norfolk town lies in (for remote services' areas).
    town_districts: Vec<Option<PlaceCode>>,
    now: DateTime<Utc>,
}

impl Plan {
    fn new(services: u64, places: &PlaceIndex) -> Result<Plan> {
        let population: u64 = TOWNS.iter().map(|t| u64::from(t.3)).sum();
        let venues_per_town = TOWNS
            .iter()
            .map(|t| (services * u64::from(t.3) / population / SERVICES_PER_VENUE).max(4))
            .collect();
        let town_districts = TOWNS
            .iter()
            .map(|&(_, lat, lng, _, _)| {
                let point = GeoPoint::new(lat, lng).map_err(|(_, e)| anyhow::anyhow!("{e:?}"))?;
                Ok(places.location_places(point).district_code)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Plan {
            town_weights: cumulative(TOWNS.iter().map(|t| u64::from(t.3))),
            need_weights: cumulative(NEEDS.iter().map(|n| u64::from(n.1))),
            venues_per_town,
            town_districts,
            // Midnight today: reviews are dated relative to it, so the set is as fresh on any
            // day it is generated (and identical within a day).
            now: Utc::now()
                .date_naive()
                .and_hms_opt(0, 0, 0)
                .context("midnight")?
                .and_utc(),
        })
    }
}

/// Writes `services` synthetic services (with organisations, venues, schedules and areas)
/// through the store's bulk writer ([`bulk::insert_rows`]: multi-row inserts, one
/// transaction a batch), the fast path imports take too.
pub async fn insert(store: &Store, places: &PlaceIndex, services: u64) -> Result<Inserted> {
    let started = Instant::now();
    let plan = Plan::new(services, places)?;
    let mut inserted_venues: HashSet<Uuid> = HashSet::new();
    let mut counts = Inserted {
        services,
        organizations: 0,
        venues: 0,
        norfolk_services: 0,
        remote_services: 0,
        elapsed: Duration::ZERO,
    };
    let mut next = 0;
    while next < services {
        let end = (next + BATCH).min(services);
        let mut rows = BulkRows::default();
        for index in next..end {
            add_one(&mut rows, &plan, places, &mut inserted_venues, &mut counts, index)?;
        }
        let mut transaction = store.begin().await?;
        bulk::insert_rows(&mut transaction, &rows).await?;
        transaction.commit().await?;
        next = end;
        eprint!("\r  inserted {next} of {services} services");
    }
    eprintln!();
    counts.venues = inserted_venues.len() as u64;
    counts.elapsed = started.elapsed();
    Ok(counts)
}

fn add_one(
    rows: &mut BulkRows,
    plan: &Plan,
    places: &PlaceIndex,
    inserted_venues: &mut HashSet<Uuid>,
    counts: &mut Inserted,
    index: u64,
) -> Result<()> {
    // Organisations are local: each serves the town of its first service.
    let organization_index = index / SERVICES_PER_ORGANIZATION;
    let town = weighted(&plan.town_weights, organization_index, 1);
    let (town_name, _, _, _, in_norfolk) = TOWNS[town];
    let organization_id = synthetic_id(1, organization_index);
    if index.is_multiple_of(SERVICES_PER_ORGANIZATION) {
        rows.organizations
            .push(organization(plan, organization_id, organization_index, town_name));
        counts.organizations += 1;
    }
    let service = service(plan, organization_id, index, town_name);
    let service_id = service.id;
    let remote = !service.delivery_modes.contains(&DeliveryMode::InPerson);
    rows.services.push(service);
    counts.norfolk_services += u64::from(in_norfolk);
    // Remote services serve a Norfolk district or the county; elsewhere the place codes are
    // not loaded, so a remote service keeps an office venue like any other.
    if remote && in_norfolk {
        counts.remote_services += 1;
        let code = match (&plan.town_districts[town], unit(index, 20) < 0.7) {
            (Some(district), true) => district.clone(),
            _ => PlaceCode::parse(NORFOLK_COUNTY).map_err(|e| anyhow::anyhow!("{e:?}"))?,
        };
        let area = ServiceArea {
            place_code: code,
            description: Some("Anyone living in the area (synthetic)".to_string()),
        };
        rows.service_areas.push((service_id, area));
        return Ok(());
    }
    let venue_count = if unit(index, 21) < 0.2 { 2 } else { 1 };
    let mut linked: Vec<Uuid> = Vec::with_capacity(2);
    for slot in 0..venue_count {
        let venue_index = mix(index, 22 + slot) % plan.venues_per_town[town];
        let location = venue(town, venue_index)?;
        let location_id = location.id;
        if inserted_venues.insert(location_id) {
            let point =
                GeoPoint::new(location.latitude, location.longitude).map_err(|(_, e)| anyhow::anyhow!("{e:?}"))?;
            rows.locations.push((location, places.location_places(point)));
        }
        // A service is linked to a venue once (the second slot may pick the same venue).
        if !linked.contains(&location_id) {
            linked.push(location_id);
            rows.service_locations
                .push((synthetic_id(4, index * 2 + slot), service_id, location_id));
        }
        rows.schedules.push(schedule(service_id, location_id, index * 2 + slot));
    }
    Ok(())
}

fn organization(plan: &Plan, id: Uuid, index: u64, town: &str) -> Organization {
    Organization {
        id,
        name: format!("{town} {} {index} (synthetic)", pick(ORGANIZATION_KINDS, index, 2)),
        description: format!("A local voluntary organisation in and around {town} (synthetic)."),
        url: None,
        email: None,
        phone: Some("01603 000000".to_string()),
        identifiers: Vec::new(),
        is_example: true,
        attribution: None,
        created_at: plan.now,
        updated_at: plan.now,
        last_reviewed_at: Some(plan.now),
        version: 1,
        state: ListingState::default(),
        trusted: false,
        postcode: None,
    }
}

fn service(plan: &Plan, organization_id: Uuid, index: u64, town: &str) -> Service {
    let primary = &NEEDS[weighted(&plan.need_weights, index, 3)];
    let mut needs = vec![NeedCode::parse(primary.0).expect("a taxonomy code")];
    if unit(index, 4) < 0.25 {
        let secondary = NeedCode::parse(NEEDS[weighted(&plan.need_weights, index, 5)].0).expect("a taxonomy code");
        if secondary != needs[0] {
            needs.push(secondary);
        }
    }
    let minimum_age = *pick(&[Some(50), Some(60), Some(65), Some(18), None, Some(50)], index, 6);
    let free = unit(index, 7) < 0.5;
    let roll = unit(index, 8);
    let delivery_modes = match roll {
        r if r < 0.08 => vec![DeliveryMode::Phone],
        r if r < 0.12 => vec![DeliveryMode::Online, DeliveryMode::Phone],
        r if r < 0.20 => vec![DeliveryMode::InPerson, DeliveryMode::Online],
        _ => vec![DeliveryMode::InPerson],
    };
    // One in ten has not been confirmed for over a year (stale).
    let reviewed_days_ago = if unit(index, 9) < 0.1 {
        400 + index % 300
    } else {
        index % 180
    };
    let cost_options = match free {
        true => Vec::new(),
        false => vec![CostOption {
            option: "Per session".to_string(),
            amount: Some(*pick(&[2.0, 3.0, 3.5, 5.0], index, 10)),
            currency: "GBP".to_string(),
            amount_description: None,
        }],
    };
    Service {
        id: synthetic_id(2, index),
        organization_id,
        name: format!("{}, {town} (synthetic)", pick(primary.2, index, 11)),
        description: format!("{} {}", pick(primary.3, index, 12), pick(primary.3, index, 13)),
        url: None,
        email: None,
        phone: Some("01603 000000".to_string()),
        status: ServiceStatus::Active,
        minimum_age,
        maximum_age: None,
        eligibility_description: minimum_age.map(|age| format!("Aged {age} and over")),
        delivery_modes,
        free: Some(free),
        cost_options,
        languages: vec!["en".to_string()],
        contacts: Vec::new(),
        how_to_join: Some("Just turn up, or call to ask first".to_string()),
        needs,
        activity_concepts: Vec::new(),
        is_example: true,
        attribution: None,
        created_at: plan.now,
        updated_at: plan.now,
        last_reviewed_at: Some(plan.now - chrono::Duration::days(reviewed_days_ago as i64)),
        version: 1,
        state: ListingState::default(),
    }
}

/// Venue `venue_index` of a town: most in the town (spread by its size), a third in villages
/// 5 to 15 km out.
fn venue(town: usize, venue_index: u64) -> Result<Location> {
    let (town_name, lat, lng, population, _) = TOWNS[town];
    let key = ((town as u64) << 32) | venue_index;
    let town_radius_km = 1.5 + f64::from(population).sqrt() * 0.25;
    let radius_km = if unit(key, 30) < 0.33 {
        5.0 + 10.0 * unit(key, 31)
    } else {
        town_radius_km * unit(key, 31).sqrt()
    };
    let angle = std::f64::consts::TAU * unit(key, 32);
    let latitude = lat + radius_km * angle.sin() / 111.0;
    // The coast bounds the east (Great Yarmouth); the UK ends at 1.8° E.
    let longitude = (lng + radius_km * angle.cos() / (111.0 * lat.to_radians().cos())).min(1.75);
    GeoPoint::new(latitude, longitude).map_err(|(_, e)| anyhow::anyhow!("{e:?}"))?;
    let accessibility = [
        (AccessibilityFeature::StepFree, 0.6),
        (AccessibilityFeature::HearingLoop, 0.25),
        (AccessibilityFeature::AccessibleToilet, 0.4),
        (AccessibilityFeature::Parking, 0.5),
        (AccessibilityFeature::SeatedOptions, 0.3),
    ]
    .into_iter()
    .enumerate()
    .filter(|(slot, (_, share))| unit(key, 40 + *slot as u64) < *share)
    .map(|(_, (feature, _))| feature)
    .collect();
    Ok(Location {
        id: synthetic_id(3, key),
        name: format!("{} {venue_index}, {town_name} (synthetic)", pick(VENUE_NAMES, key, 33)),
        address_1: Some(format!("{} High Street", 1 + venue_index % 200)),
        city: Some(town_name.to_string()),
        postcode: None,
        latitude,
        longitude,
        accessibility,
        is_example: true,
        organization_id: None,
        archived_at: None,
        version: 1,
    })
}

/// A weekly one-hour session, starting on the hour between 09:00 and 16:00.
fn schedule(service_id: Uuid, location_id: Uuid, index: u64) -> Schedule {
    let hour = 9 + mix(index, 50) % 8;
    Schedule {
        id: synthetic_id(5, index),
        service_id,
        location_id: Some(location_id),
        freq: Frequency::Weekly,
        interval: 1,
        byday: pick(DAYS, index, 51).to_string(),
        opens_at: format!("{hour:02}:00"),
        closes_at: format!("{:02}:00", hour + 1),
        valid_from: None,
        valid_to: None,
        description: None,
        exceptions: Vec::new(),
        archived_at: None,
        version: 1,
    }
}
