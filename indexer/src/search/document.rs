//! What the index holds per listing: a flat [`AssetDocument`], built from the store (or, in the
//! benchmark, generated), and turned into a tantivy document.

use std::collections::{BTreeSet, HashMap};
use std::hash::{Hash, Hasher};

use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday};
use serde::{Deserialize, Serialize};
use tantivy::TantivyDocument;
use uuid::Uuid;

use super::cells::cells_of;
use super::fields::Fields;
use crate::domain::schedule::weekday_code;
use crate::domain::*;
use crate::places::PlaceIndex;
use crate::store::feed::ServiceFeed;

/// The kinds of listing search returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AssetKind {
    Service,
    Organization,
    Fund,
}

impl AssetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AssetKind::Service => "service",
            AssetKind::Organization => "organization",
            AssetKind::Fund => "fund",
        }
    }

    /// The kind as a number, for the `kind_code` fast field.
    pub fn code(self) -> u64 {
        match self {
            AssetKind::Service => 0,
            AssetKind::Organization => 1,
            AssetKind::Fund => 2,
        }
    }

    pub fn from_code(code: u64) -> Option<AssetKind> {
        [AssetKind::Service, AssetKind::Organization, AssetKind::Fund]
            .into_iter()
            .find(|kind| kind.code() == code)
    }

    pub fn parse(raw: &str) -> Option<AssetKind> {
        [AssetKind::Service, AssetKind::Organization, AssetKind::Fund]
            .into_iter()
            .find(|kind| kind.as_str() == raw)
    }
}

/// A session time: weekday (0 Monday .. 6 Sunday) and local start/end in minutes after midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SessionSlot {
    pub day: u8,
    pub start: u16,
    pub end: u16,
}

/// Everything search needs about one listing. Serialisable so that a rebuild can set documents
/// aside on disk until their turn in the index's order ([`super::spill`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AssetDocument {
    pub kind: Option<AssetKind>,
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub organization: String,
    pub needs: Vec<NeedCode>,
    pub activities: Vec<String>,
    #[serde(with = "super::spill::exact_points")]
    pub venues: Vec<GeoPoint>,
    /// GSS codes of places containing a venue.
    pub venue_places: BTreeSet<PlaceCode>,
    /// GSS codes of areas served without a venue.
    pub areas: BTreeSet<PlaceCode>,
    pub districts: BTreeSet<PlaceCode>,
    pub place_names: BTreeSet<String>,
    pub min_age: Option<i64>,
    pub max_age: Option<i64>,
    pub sessions: Vec<SessionSlot>,
    /// Known to be free (a service whose cost is unknown is not).
    pub free: bool,
    pub accessibility: BTreeSet<AccessibilityFeature>,
    pub delivery_modes: BTreeSet<DeliveryMode>,
    pub opens_on: Option<NaiveDate>,
    pub closes_on: Option<NaiveDate>,
    pub last_reviewed: Option<NaiveDate>,
    /// The organisation the listing belongs to (see `Fields::owner`).
    pub owner: Option<Uuid>,
    /// Activity List concept ids.
    pub activity_ids: Vec<String>,
    /// When the listing last changed.
    pub modified: Option<DateTime<Utc>>,
}

impl AssetDocument {
    /// The order to index documents in: by the lowest position of a venue on the cells'
    /// Z-order curve ([`super::cells::curve_position`]), listings without a venue last.
    pub fn curve_position(&self) -> u64 {
        super::cells::lowest_curve_position(&self.venues)
    }
}

/// Days since 1970-01-01.
pub fn epoch_day(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce()) - 719_163
}

/// A venue as one u64: micro-degrees of latitude + 90 (high half) and longitude + 180 (low half).
pub fn pack_venue(point: &GeoPoint) -> u64 {
    let lat = ((point.latitude() + 90.0) * 1e6).round() as u64;
    let lng = ((point.longitude() + 180.0) * 1e6).round() as u64;
    (lat << 32) | (lng & 0xFFFF_FFFF)
}

pub fn unpack_venue(packed: u64) -> (f64, f64) {
    (
        (packed >> 32) as f64 / 1e6 - 90.0,
        (packed & 0xFFFF_FFFF) as f64 / 1e6 - 180.0,
    )
}

pub fn pack_session(slot: &SessionSlot) -> u64 {
    (u64::from(slot.day) << 32) | (u64::from(slot.start) << 16) | u64::from(slot.end)
}

pub fn unpack_session(packed: u64) -> (u32, u16, u16) {
    (
        (packed >> 32) as u32,
        ((packed >> 16) & 0xFFFF) as u16,
        (packed & 0xFFFF) as u16,
    )
}

/// A time as the `modified` field holds it: nanoseconds since 1970 (saturating far outside
/// 1678-2262).
pub fn modified_nanos(at: DateTime<Utc>) -> i64 {
    at.timestamp_nanos_opt()
        .unwrap_or(if at.timestamp() < 0 { i64::MIN } else { i64::MAX })
}

/// Unknown ages index as the widest range.
pub const NO_MIN_AGE: i64 = 0;
pub const NO_MAX_AGE: i64 = 200;

impl AssetDocument {
    pub fn to_tantivy(&self, fields: &Fields) -> TantivyDocument {
        let mut doc = TantivyDocument::default();
        doc.add_text(fields.id, self.id.to_string());
        let (high, low) = self.id.as_u64_pair();
        doc.add_u64(fields.id_high, high);
        doc.add_u64(fields.id_low, low);
        let kind = self.kind.unwrap_or(AssetKind::Service);
        doc.add_text(fields.kind, kind.as_str());
        doc.add_u64(fields.kind_code, kind.code());
        if kind == AssetKind::Service {
            doc.add_u64(fields.organization_part, OrganizationServices::part_of(self));
        }
        doc.add_text(fields.name, &self.name);
        doc.add_text(fields.name_key, &self.name);
        doc.add_text(fields.name_words, &self.name);
        doc.add_text(fields.description, &self.description);
        doc.add_text(fields.organization, &self.organization);
        for need in &self.needs {
            doc.add_text(fields.need, need.as_str());
            let entry = need.need();
            doc.add_text(fields.topics, format!("{} {}", entry.label, entry.keywords.join(" ")));
        }
        for activity in &self.activities {
            doc.add_text(fields.topics, activity);
        }
        for name in &self.place_names {
            doc.add_text(fields.place_names, name);
        }
        for code in &self.venue_places {
            doc.add_text(fields.place, code.as_str());
        }
        for code in &self.areas {
            doc.add_text(fields.area, code.as_str());
        }
        for code in &self.districts {
            doc.add_text(fields.district, code.as_str());
        }
        for venue in &self.venues {
            doc.add_u64(fields.venue, pack_venue(venue));
            for cell in cells_of(venue) {
                doc.add_text(fields.cell, cell);
            }
        }
        doc.add_i64(fields.min_age, self.min_age.unwrap_or(NO_MIN_AGE));
        doc.add_i64(fields.max_age, self.max_age.unwrap_or(NO_MAX_AGE));
        let mut days = BTreeSet::new();
        for slot in &self.sessions {
            doc.add_u64(fields.session, pack_session(slot));
            if let Ok(weekday) = Weekday::try_from(slot.day) {
                days.insert(weekday_code(weekday));
            }
        }
        for day in days {
            doc.add_text(fields.day, day);
        }
        if self.free {
            doc.add_text(fields.free, "true");
        }
        for feature in &self.accessibility {
            doc.add_text(fields.access, feature.as_str());
        }
        for mode in &self.delivery_modes {
            doc.add_text(fields.mode, mode.as_str());
        }
        doc.add_i64(fields.opens, self.opens_on.map_or(i64::MIN, epoch_day));
        doc.add_i64(fields.closes, self.closes_on.map_or(i64::MAX, epoch_day));
        doc.add_i64(fields.reviewed, self.last_reviewed.map_or(0, epoch_day));
        if let Some(owner) = self.owner {
            doc.add_text(fields.owner, owner.to_string());
        }
        for activity in &self.activity_ids {
            doc.add_text(fields.activity, activity);
        }
        doc.add_i64(fields.modified, self.modified.map_or(i64::MIN, modified_nanos));
        doc
    }
}

/// Builds documents for the services of a feed and, if asked, for their organisations.
pub struct DocumentBuilder<'a> {
    pub places: &'a PlaceIndex,
}

impl DocumentBuilder<'_> {
    fn add_place(&self, doc: &mut AssetDocument, code: &PlaceCode, venue: bool) {
        if let Some(place) = self.places.get(code) {
            if place.level != PlaceLevel::Lsoa && place.level != PlaceLevel::Msoa {
                doc.place_names.insert(place.name.clone());
            }
            if place.level == PlaceLevel::District {
                doc.districts.insert(code.clone());
            }
        }
        if venue {
            doc.venue_places.insert(code.clone());
        } else {
            doc.areas.insert(code.clone());
        }
    }

    /// One document per active service. Services not active are left out of search.
    pub fn services(&self, feed: &ServiceFeed) -> Vec<AssetDocument> {
        feed.services
            .iter()
            .filter(|s| s.status == ServiceStatus::Active)
            .map(|service| self.service(feed, service))
            .collect()
    }

    /// The document of one service of `feed`, active or not.
    pub(crate) fn service(&self, feed: &ServiceFeed, service: &Service) -> AssetDocument {
        let mut doc = AssetDocument {
            kind: Some(AssetKind::Service),
            id: service.id,
            name: service.name.clone(),
            description: service.description.clone(),
            organization: feed
                .organization_names
                .get(&service.organization_id)
                .cloned()
                .unwrap_or_default(),
            needs: service.needs.clone(),
            activities: service.activity_concepts.iter().map(|a| a.pref_label.clone()).collect(),
            min_age: service.minimum_age,
            max_age: service.maximum_age,
            free: service.free == Some(true),
            delivery_modes: service.delivery_modes.iter().copied().collect(),
            last_reviewed: service.last_reviewed_at.map(|at| at.date_naive()),
            owner: Some(service.organization_id),
            activity_ids: service.activity_concepts.iter().map(|a| a.id.clone()).collect(),
            modified: Some(service.updated_at),
            ..AssetDocument::default()
        };
        for venue in feed.venues.get(&service.id).into_iter().flatten() {
            if let Ok(point) = GeoPoint::new(venue.location.latitude, venue.location.longitude) {
                doc.venues.push(point);
            }
            if let Some(city) = &venue.location.city {
                doc.place_names.insert(city.clone());
            }
            doc.accessibility.extend(venue.location.accessibility.iter().copied());
            let codes = [
                &venue.places.county_code,
                &venue.places.district_code,
                &venue.places.ward_code,
                &venue.places.msoa_code,
                &venue.places.lsoa_code,
            ];
            for code in codes.into_iter().flatten() {
                self.add_place(&mut doc, code, true);
            }
        }
        for code in feed.areas.get(&service.id).into_iter().flatten() {
            self.add_place(&mut doc, code, false);
        }
        for schedule in feed.schedules.get(&service.id).into_iter().flatten() {
            let Some((start, end)) = schedule.minutes() else {
                continue;
            };
            for weekday in schedule.weekdays() {
                doc.sessions.push(SessionSlot {
                    day: weekday.num_days_from_monday() as u8,
                    start,
                    end,
                });
            }
        }
        doc.sessions.sort();
        doc.sessions.dedup();
        doc
    }

    /// One document per organisation, carrying the union of its active services' needs, venues
    /// and areas, so "who does what near me" finds organisations too.
    pub fn organizations(&self, organizations: &[Organization], service_docs: &[AssetDocument]) -> Vec<AssetDocument> {
        let mut by_organization: HashMap<Uuid, Vec<&AssetDocument>> = HashMap::new();
        for doc in service_docs {
            if let Some(organization) = doc.owner {
                by_organization.entry(organization).or_default().push(doc);
            }
        }
        organizations
            .iter()
            .map(|organization| {
                let services = by_organization
                    .get(&organization.id)
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                organization_document(organization, services)
            })
            .collect()
    }

    pub fn fund(&self, fund: &Fund) -> AssetDocument {
        let mut doc = AssetDocument {
            kind: Some(AssetKind::Fund),
            id: fund.id,
            name: fund.name.clone(),
            description: format!(
                "{} {}",
                fund.description,
                fund.eligibility_description.clone().unwrap_or_default()
            ),
            organization: fund.funder_name.clone(),
            needs: fund.needs.clone(),
            min_age: fund.minimum_age,
            max_age: fund.maximum_age,
            free: true,
            opens_on: fund.opens_on,
            closes_on: fund.closes_on,
            last_reviewed: fund.last_reviewed_at.map(|at| at.date_naive()),
            owner: fund.funder_organization_id,
            modified: Some(fund.updated_at),
            ..AssetDocument::default()
        };
        for code in &fund.beneficiary_locations {
            self.add_place(&mut doc, code, false);
        }
        doc
    }
}

fn organization_document(organization: &Organization, services: &[&AssetDocument]) -> AssetDocument {
    let mut gathered = OrganizationServices::default();
    for service in services {
        gathered.add(service);
    }
    gathered.document(organization)
}

/// What an organisation's document takes from its services, gathered one service at a time
/// (a rebuild reads services in batches and forgets them).
#[derive(Debug, Default)]
pub struct OrganizationServices {
    /// The fields gathered so far (the organisation's own are set by `document`).
    gathered: AssetDocument,
    needs: BTreeSet<NeedCode>,
}

impl OrganizationServices {
    /// Adds what a service gives its organisation's document. [`OrganizationServices::part_of`]
    /// fingerprints the same fields: change both together.
    pub fn add(&mut self, service: &AssetDocument) {
        let doc = &mut self.gathered;
        self.needs.extend(service.needs.iter().copied());
        doc.free |= service.free;
        doc.venues.extend(service.venues.iter().copied());
        doc.venue_places.extend(service.venue_places.iter().cloned());
        doc.areas.extend(service.areas.iter().cloned());
        doc.districts.extend(service.districts.iter().cloned());
        doc.place_names.extend(service.place_names.iter().cloned());
        doc.accessibility.extend(service.accessibility.iter().copied());
        doc.delivery_modes.extend(service.delivery_modes.iter().copied());
        let min_age = service.min_age.unwrap_or(NO_MIN_AGE);
        let max_age = service.max_age.unwrap_or(NO_MAX_AGE);
        doc.min_age = Some(doc.min_age.map_or(min_age, |age| age.min(min_age)));
        doc.max_age = Some(doc.max_age.map_or(max_age, |age| age.max(max_age)));
    }

    /// A fingerprint of what a service document gives its organisation's document (the fields
    /// [`OrganizationServices::add`] reads, and which organisation): when a changed service's
    /// fingerprint is the one the index holds, its organisation's document is unchanged and the
    /// follower need not read the organisation's other services to remake it.
    pub fn part_of(service: &AssetDocument) -> u64 {
        let mut hasher = std::hash::DefaultHasher::new();
        service.owner.hash(&mut hasher);
        service.needs.hash(&mut hasher);
        service.free.hash(&mut hasher);
        for venue in &service.venues {
            pack_venue(venue).hash(&mut hasher);
        }
        service.venue_places.hash(&mut hasher);
        service.areas.hash(&mut hasher);
        service.districts.hash(&mut hasher);
        service.place_names.hash(&mut hasher);
        service.accessibility.hash(&mut hasher);
        service.delivery_modes.hash(&mut hasher);
        service.min_age.hash(&mut hasher);
        service.max_age.hash(&mut hasher);
        hasher.finish()
    }

    /// The organisation's document.
    pub fn document(self, organization: &Organization) -> AssetDocument {
        let mut doc = AssetDocument {
            kind: Some(AssetKind::Organization),
            id: organization.id,
            name: organization.name.clone(),
            description: organization.description.clone(),
            organization: organization.name.clone(),
            last_reviewed: organization.last_reviewed_at.map(|at| at.date_naive()),
            needs: self.needs.into_iter().collect(),
            owner: Some(organization.id),
            modified: Some(organization.updated_at),
            ..self.gathered
        };
        doc.venues.sort_by(|a, b| {
            (a.latitude(), a.longitude())
                .partial_cmp(&(b.latitude(), b.longitude()))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        doc.venues.dedup();
        doc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A service's fingerprint moves with every field its organisation's document takes from
    /// it (and so does that document), and stays put for the fields it does not take.
    #[test]
    fn a_services_part_in_its_organisation_changes_exactly_with_what_the_organisation_takes() {
        let organization_id = Uuid::new_v4();
        let base = AssetDocument {
            kind: Some(AssetKind::Service),
            id: Uuid::new_v4(),
            name: "Chair exercise (example)".into(),
            owner: Some(organization_id),
            needs: vec![NeedCode::parse("strength-and-balance").expect("need")],
            venues: vec![GeoPoint::new(52.63, 1.29).expect("point")],
            ..AssetDocument::default()
        };
        let organization = Organization {
            id: organization_id,
            name: "Example organisation".into(),
            description: String::new(),
            url: None,
            email: None,
            phone: None,
            identifiers: Vec::new(),
            is_example: true,
            attribution: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            last_reviewed_at: None,
            version: 1,
            state: ListingState::default(),
            trusted: false,
            postcode: None,
        };
        let document_with = |service: &AssetDocument| {
            let mut gathered = OrganizationServices::default();
            gathered.add(service);
            let doc = gathered.document(&organization);
            format!(
                "{:?}",
                (
                    doc.needs,
                    doc.venues,
                    doc.venue_places,
                    doc.areas,
                    doc.districts,
                    doc.place_names,
                    doc.min_age,
                    doc.max_age,
                    doc.free,
                    doc.accessibility,
                    doc.delivery_modes
                )
            )
        };
        let part = OrganizationServices::part_of(&base);
        let same = |change: &dyn Fn(&mut AssetDocument)| {
            let mut changed = base.clone();
            change(&mut changed);
            OrganizationServices::part_of(&changed) == part
        };
        let moves = |change: &dyn Fn(&mut AssetDocument)| {
            let mut changed = base.clone();
            change(&mut changed);
            assert_ne!(
                document_with(&changed),
                document_with(&base),
                "the organisation's document moves"
            );
            OrganizationServices::part_of(&changed) != part
        };
        assert!(same(&|doc| doc.name = "Renamed".into()));
        assert!(same(&|doc| doc.description = "New words".into()));
        assert!(same(&|doc| doc.last_reviewed = NaiveDate::from_ymd_opt(2026, 1, 1)));
        assert!(moves(&|doc| doc
            .needs
            .push(NeedCode::parse("money-advice").expect("need"))));
        assert!(moves(&|doc| doc.venues = vec![GeoPoint::new(52.0, 1.0).expect("point")]));
        assert!(moves(&|doc| {
            doc.venue_places.insert(PlaceCode::parse("E07000148").expect("code"));
        }));
        assert!(moves(&|doc| {
            doc.areas.insert(PlaceCode::parse("E07000148").expect("code"));
        }));
        assert!(moves(&|doc| {
            doc.districts.insert(PlaceCode::parse("E07000148").expect("code"));
        }));
        assert!(moves(&|doc| {
            doc.place_names.insert("Norwich".into());
        }));
        assert!(moves(&|doc| doc.min_age = Some(50)));
        assert!(moves(&|doc| doc.max_age = Some(90)));
        assert!(moves(&|doc| doc.free = true));
        assert!(moves(&|doc| {
            doc.delivery_modes.insert(DeliveryMode::Online);
        }));
        assert!(moves(&|doc| {
            doc.accessibility.insert(AccessibilityFeature::HearingLoop);
        }));
        let mut moved = base.clone();
        moved.owner = Some(Uuid::new_v4());
        assert_ne!(OrganizationServices::part_of(&moved), part, "another organisation");
    }

    #[test]
    fn venues_and_sessions_pack_losslessly() {
        let point = GeoPoint::new(52.681234, 0.941234).expect("valid");
        let (lat, lng) = unpack_venue(pack_venue(&point));
        assert!((lat - 52.681234).abs() < 1e-6 && (lng - 0.941234).abs() < 1e-6);
        let west = GeoPoint::new(50.1, -5.5).expect("valid");
        let (lat, lng) = unpack_venue(pack_venue(&west));
        assert!((lat - 50.1).abs() < 1e-6 && (lng + 5.5).abs() < 1e-6);
        let slot = SessionSlot {
            day: 1,
            start: 600,
            end: 660,
        };
        assert_eq!(unpack_session(pack_session(&slot)), (1, 600, 660));
        assert_eq!(epoch_day(NaiveDate::from_ymd_opt(1970, 1, 2).expect("valid")), 1);
    }
}
