//! Reads that feed the search index: everything about a set of listings (or all of them) in a
//! few set-wise queries, grouped by listing.

use crate::store::db::{self, Backend, Conn};
use std::collections::HashMap;

use futures_util::TryStreamExt;
use uuid::Uuid;

use super::rows::*;
use super::Store;
use crate::domain::*;
use crate::error::Result;

/// A venue of a service with the places it falls in.
#[derive(Debug, Clone)]
pub struct Venue {
    /// The id of the link between the service and the venue (ORUK `service_at_location`).
    pub link_id: Uuid,
    pub location: Location,
    pub places: LocationPlaces,
}

/// Everything the index needs about services (all of them, or those with the given ids).
#[derive(Debug, Default)]
pub struct ServiceFeed {
    pub services: Vec<Service>,
    pub venues: HashMap<Uuid, Vec<Venue>>,
    pub schedules: HashMap<Uuid, Vec<Schedule>>,
    pub areas: HashMap<Uuid, Vec<PlaceCode>>,
    pub organization_names: HashMap<Uuid, String>,
}

/// A venue as the service feed's JSON gives it.
#[derive(serde::Deserialize)]
struct VenueRow {
    link_id: String,
    location: LocationRow,
    county_code: Option<String>,
    district_code: Option<String>,
    ward_code: Option<String>,
    msoa_code: Option<String>,
    lsoa_code: Option<String>,
}

/// One service as the service feed's JSON gives it.
#[derive(serde::Deserialize)]
struct FeedRow {
    service: ServiceRow,
    venues: Vec<VenueRow>,
    schedules: Vec<ScheduleRow>,
    areas: Vec<String>,
    organization_name: Option<String>,
}

/// Every public service, each as one JSON document holding its row, its venues with the places
/// they fall in, its schedules, the areas it serves and its organisation's name.
///
/// One value a service, not a row per venue, schedule and area: sqlx copies every value of
/// every row it returns, and at a million services (some 60 million values) that copying, not
/// SQLite, was most of a rebuild's time. Coordinates are text with 17 significant digits, as
/// JSON numbers would lose precision (see `rows::exact_real`). The nested aggregates are
/// wrapped in `json()` so they stay JSON whatever SQLite does with subtypes across subqueries.
const SERVICE_FEED_DOCUMENT: &str = "json_object(
    'service', json_object(
        'id', s.id, 'organization_id', s.organization_id, 'name', s.name,
        'description', s.description, 'url', s.url, 'email', s.email, 'phone', s.phone,
        'status', s.status, 'minimum_age', s.minimum_age, 'maximum_age', s.maximum_age,
        'eligibility_description', s.eligibility_description, 'delivery_modes', s.delivery_modes,
        'free', s.free, 'cost_options', s.cost_options, 'languages', s.languages,
        'contacts', s.contacts, 'how_to_join', s.how_to_join,
        'activity_concepts', s.activity_concepts, 'is_example', s.is_example,
        'attribution', s.attribution, 'created_at', s.created_at, 'updated_at', s.updated_at,
        'last_reviewed_at', s.last_reviewed_at, 'version', s.version,
        'state', json_object('publication', s.publication,
            'rejection_reason', s.rejection_reason, 'archived_at', s.archived_at),
        'needs', (SELECT group_concat(need_code, ',') FROM
            (SELECT need_code FROM service_needs WHERE service_id = s.id ORDER BY position) AS needs)),
    'venues', json((SELECT json_group_array(json_object(
        'link_id', sal.id, 'location', json_object('id', l.id, 'name', l.name, 'address_1', l.address_1,
            'city', l.city, 'postcode', l.postcode,
            'latitude', printf('%!.17g', l.latitude), 'longitude', printf('%!.17g', l.longitude),
            'accessibility', l.accessibility, 'is_example', l.is_example,
            'organization_id', l.organization_id, 'archived_at', l.archived_at,
            'version', l.version),
        'county_code', l.county_code, 'district_code', l.district_code,
        'ward_code', l.ward_code, 'msoa_code', l.msoa_code, 'lsoa_code', l.lsoa_code))
        FROM service_at_location sal JOIN public_locations l ON l.id = sal.location_id
        WHERE sal.service_id = s.id)),
    'schedules', json((SELECT json_group_array(json_object(
        'id', id, 'service_id', service_id, 'location_id', location_id, 'freq', freq,
        'interval', interval, 'byday', byday, 'opens_at', opens_at, 'closes_at', closes_at,
        'valid_from', valid_from, 'valid_to', valid_to, 'description', description,
        'exceptions', exceptions, 'archived_at', archived_at, 'version', version))
        FROM public_schedules WHERE service_id = s.id)),
    'areas', json((SELECT json_group_array(place_code) FROM service_areas WHERE service_id = s.id)),
    'organization_name', (SELECT name FROM public_organizations o WHERE o.id = s.organization_id))";

/// [`SERVICE_FEED_DOCUMENT`] in PostgreSQL's JSON functions (coordinates as `float8::text`, the
/// shortest text that reads back exactly).
const SERVICE_FEED_DOCUMENT_POSTGRES: &str = "json_build_object(
    'service', json_build_object(
        'id', s.id, 'organization_id', s.organization_id, 'name', s.name,
        'description', s.description, 'url', s.url, 'email', s.email, 'phone', s.phone,
        'status', s.status, 'minimum_age', s.minimum_age, 'maximum_age', s.maximum_age,
        'eligibility_description', s.eligibility_description, 'delivery_modes', s.delivery_modes,
        'free', s.free, 'cost_options', s.cost_options, 'languages', s.languages,
        'contacts', s.contacts, 'how_to_join', s.how_to_join,
        'activity_concepts', s.activity_concepts, 'is_example', s.is_example,
        'attribution', s.attribution, 'created_at', s.created_at, 'updated_at', s.updated_at,
        'last_reviewed_at', s.last_reviewed_at, 'version', s.version,
        'state', json_build_object('publication', s.publication,
            'rejection_reason', s.rejection_reason, 'archived_at', s.archived_at),
        'needs', (SELECT group_concat(need_code, ',') FROM
            (SELECT need_code FROM service_needs WHERE service_id = s.id ORDER BY position) AS needs)),
    'venues', (SELECT COALESCE(json_agg(json_build_object(
        'link_id', sal.id, 'location', json_build_object('id', l.id, 'name', l.name, 'address_1', l.address_1,
            'city', l.city, 'postcode', l.postcode,
            'latitude', l.latitude::text, 'longitude', l.longitude::text,
            'accessibility', l.accessibility, 'is_example', l.is_example,
            'organization_id', l.organization_id, 'archived_at', l.archived_at,
            'version', l.version),
        'county_code', l.county_code, 'district_code', l.district_code,
        'ward_code', l.ward_code, 'msoa_code', l.msoa_code, 'lsoa_code', l.lsoa_code)), '[]')
        FROM service_at_location sal JOIN public_locations l ON l.id = sal.location_id
        WHERE sal.service_id = s.id),
    'schedules', (SELECT COALESCE(json_agg(json_build_object(
        'id', id, 'service_id', service_id, 'location_id', location_id, 'freq', freq,
        'interval', interval, 'byday', byday, 'opens_at', opens_at, 'closes_at', closes_at,
        'valid_from', valid_from, 'valid_to', valid_to, 'description', description,
        'exceptions', exceptions, 'archived_at', archived_at, 'version', version)), '[]')
        FROM public_schedules WHERE service_id = s.id),
    'areas', (SELECT COALESCE(json_agg(place_code), '[]') FROM service_areas WHERE service_id = s.id),
    'organization_name', (SELECT name FROM public_organizations o WHERE o.id = s.organization_id))";

/// Services read as one JSON array at most (see [`Store::service_feed`]).
const FEED_ARRAY_SERVICES: usize = 5_000;
/// Batches of this many services or more are read as two arrays side by side.
const FEED_SPLIT_FROM: usize = 200;

fn optional_code(raw: Option<String>) -> Result<Option<PlaceCode>> {
    raw.as_deref().map(place_code).transpose()
}

/// `NULL` (everything) or a JSON array of ids for `json_each`.
pub(super) fn id_filter(ids: Option<&[Uuid]>) -> Option<String> {
    ids.map(|ids| serde_json::to_string(&ids.iter().map(Uuid::to_string).collect::<Vec<_>>()).unwrap_or_default())
}

/// The condition that keeps rows whose `column` is one of the ids bound as `?1` (see
/// [`id_filter`]), or every row when there are no ids (`?1` is then `NULL`).
///
/// Two statements rather than `?1 IS NULL OR column IN (...)`: SQLite cannot use an index for
/// that `OR`, so a lookup of a few dozen ids would scan the whole table (a million services).
pub(super) fn ids_condition(ids: Option<&[Uuid]>, column: &str) -> String {
    match ids {
        None => "?1 IS NULL".to_string(),
        Some(_) => format!("{column} IN (SELECT value FROM json_each(?1))"),
    }
}

impl Store {
    /// Public services with the given ids (all if `None`), in id order, and their venues,
    /// schedules, areas and organisation names: what the index is built from, and what
    /// signposting ranks candidates by.
    pub async fn service_feed(&self, ids: Option<&[Uuid]>) -> Result<ServiceFeed> {
        let rows: Vec<FeedRow> = match ids {
            // Every service: a row each, as a rebuild reads them.
            None => {
                let sql = match self.backend() {
                    Backend::Sqlite => format!("SELECT {SERVICE_FEED_DOCUMENT} FROM public_services s ORDER BY s.id"),
                    Backend::Postgres => {
                        format!("SELECT ({SERVICE_FEED_DOCUMENT_POSTGRES})::text FROM public_services s ORDER BY s.id")
                    }
                };
                let documents: Vec<String> = db::query_scalar(&sql).fetch_all(self.read_pool()).await?;
                documents.iter().map(|document| json(document)).collect::<Result<_>>()?
            }
            // A batch (a feed page, an export batch, changed listings): one JSON array, so sqlx
            // hands over one value rather than a row per service (at 2,000 services a batch its
            // per-row cost was a sixth of an export's time).
            // Arrays of at most a few thousand services keep each value a few megabytes, far
            // below SQLite's limit on one value, however many ids a caller gives. A batch of a
            // few hundred is read as two halves side by side (each on a connection's own
            // SQLite thread): building the documents is most of a feed page's time.
            Some(ids) => {
                let chunk = match ids.len() {
                    0..FEED_SPLIT_FROM => ids.len().max(1),
                    n => n.div_ceil(2).min(FEED_ARRAY_SERVICES),
                };
                let arrays = futures_util::future::try_join_all(ids.chunks(chunk).map(|chunk| {
                    // The documents aggregated where they are made, so SQLite keeps them as
                    // JSON rather than parsing each again (`json()` around a subquery's column).
                    let query = match self.backend() {
                        Backend::Sqlite => format!(
                            "SELECT json_group_array({SERVICE_FEED_DOCUMENT}) FROM public_services s
                             WHERE s.id IN (SELECT value FROM json_each(?1))"
                        ),
                        Backend::Postgres => format!(
                            "SELECT COALESCE(json_agg({SERVICE_FEED_DOCUMENT_POSTGRES}), '[]')::text FROM public_services s
                             WHERE s.id IN (SELECT value FROM json_each(?1))"
                        ),
                    };
                    let ids = id_filter(Some(chunk));
                    async move {
                        db::query_scalar::<String>(&query)
                            .bind(ids)
                            .fetch_one(self.read_pool())
                            .await
                    }
                }))
                .await?;
                let mut rows: Vec<FeedRow> = Vec::with_capacity(ids.len());
                for array in arrays {
                    rows.extend(json::<Vec<FeedRow>>(&array)?);
                }
                rows.sort_by(|a, b| a.service.id.cmp(&b.service.id));
                rows
            }
        };
        let mut feed = ServiceFeed::default();
        for row in rows {
            let service = row.service.into_domain()?;
            let venues = row
                .venues
                .into_iter()
                .map(|venue| {
                    Ok(Venue {
                        link_id: uuid(&venue.link_id)?,
                        places: LocationPlaces {
                            county_code: optional_code(venue.county_code)?,
                            district_code: optional_code(venue.district_code)?,
                            ward_code: optional_code(venue.ward_code)?,
                            msoa_code: optional_code(venue.msoa_code)?,
                            lsoa_code: optional_code(venue.lsoa_code)?,
                        },
                        location: venue.location.into_domain()?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let schedules = row
                .schedules
                .into_iter()
                .map(ScheduleRow::into_domain)
                .collect::<Result<Vec<_>>>()?;
            let areas = row
                .areas
                .iter()
                .map(|code| place_code(code))
                .collect::<Result<Vec<_>>>()?;
            if !venues.is_empty() {
                feed.venues.insert(service.id, venues);
            }
            if !schedules.is_empty() {
                feed.schedules.insert(service.id, schedules);
            }
            if !areas.is_empty() {
                feed.areas.insert(service.id, areas);
            }
            if let Some(name) = row.organization_name {
                feed.organization_names.insert(service.organization_id, name);
            }
            feed.services.push(service);
        }
        Ok(feed)
    }

    /// Every public service's id and change-log position (`feed_seq`), in id order: what a
    /// rebuild reads to know which services to index, and whether a document made of one
    /// earlier (by a bulk import, as it wrote it) is still true.
    ///
    /// The pairs come as JSON arrays of some thousands a row, streamed: at a million services,
    /// a row each cost sqlx three times what the database spent.
    pub async fn public_service_seqs(&self) -> Result<Vec<(Uuid, i64)>> {
        let sql = match self.backend() {
            Backend::Sqlite => {
                "SELECT json_group_array(json_array(id, feed_seq))
                 FROM (SELECT id, feed_seq, row_number() OVER () / 50000 AS chunk FROM public_services)
                 GROUP BY chunk"
            }
            Backend::Postgres => {
                "SELECT json_agg(json_build_array(id, feed_seq))::text
                 FROM (SELECT id, feed_seq, row_number() OVER () / 50000 AS chunk FROM public_services) AS numbered
                 GROUP BY chunk"
            }
        };
        let mut services: Vec<(Uuid, i64)> = Vec::new();
        let mut chunks = db::query_scalar::<String>(sql).fetch(self.read_pool());
        while let Some(chunk) = chunks.try_next().await? {
            for (id, seq) in json::<Vec<(String, i64)>>(&chunk)? {
                services.push((uuid(&id)?, seq));
            }
        }
        services.sort_unstable();
        Ok(services)
    }

    /// The services at those of the given venues that changed since they were first written
    /// (their `version` moved past 1): what a bulk load's documents made from the venues as it
    /// wrote them must not be trusted for. Read by the venues' key alone, in slices, so it
    /// needs no other index (a load may have dropped them).
    pub async fn services_at_changed_venues(&self, venues: &[Uuid]) -> Result<Vec<Uuid>> {
        let mut changed: Vec<String> = Vec::new();
        for slice in venues.chunks(50_000) {
            changed.extend(
                db::query_scalar::<String>(
                    "SELECT id FROM locations WHERE id IN (SELECT value FROM json_each(?1)) AND version > 1",
                )
                .bind(id_filter(Some(slice)))
                .fetch_all(self.read_pool())
                .await?,
            );
        }
        if changed.is_empty() {
            return Ok(Vec::new());
        }
        let services: Vec<String> = db::query_scalar(
            "SELECT DISTINCT service_id FROM service_at_location WHERE location_id IN (SELECT value FROM json_each(?1))",
        )
        .bind(serde_json::to_string(&changed).unwrap_or_default())
        .fetch_all(self.read_pool())
        .await?;
        services.iter().map(|id| uuid(id)).collect()
    }

    /// Public organisations with the given ids (all if `None`).
    pub async fn organizations_by_ids(&self, ids: Option<&[Uuid]>) -> Result<Vec<Organization>> {
        let rows: Vec<OrganizationRow> = db::query_as(&format!(
            "SELECT * FROM public_organizations WHERE {} ORDER BY id",
            ids_condition(ids, "id")
        ))
        .bind(id_filter(ids))
        .fetch_all(self.read_pool())
        .await?;
        rows.into_iter().map(OrganizationRow::into_domain).collect()
    }

    /// The public organisations of these services, by id (one read for all of them).
    pub async fn organizations_of_services(&self, services: &[Service]) -> Result<HashMap<Uuid, Organization>> {
        let mut ids: Vec<Uuid> = services.iter().map(|s| s.organization_id).collect();
        ids.sort();
        ids.dedup();
        Ok(self
            .organizations_by_ids(Some(&ids))
            .await?
            .into_iter()
            .map(|organization| (organization.id, organization))
            .collect())
    }

    /// Ids of the services of these organisations, public or not.
    pub async fn service_ids_of_organizations(&self, organization_ids: &[Uuid]) -> Result<Vec<Uuid>> {
        if organization_ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<String> = db::query_scalar(
            "SELECT id FROM services WHERE organization_id IN (SELECT value FROM json_each(?1)) ORDER BY id",
        )
        .bind(id_filter(Some(organization_ids)))
        .fetch_all(self.read_pool())
        .await?;
        rows.iter().map(|id| uuid(id)).collect()
    }

    /// Public funds with the given ids (all if `None`).
    pub async fn funds_by_ids(&self, ids: Option<&[Uuid]>) -> Result<Vec<Fund>> {
        let rows: Vec<FundRow> = db::query_as(&format!(
            "{} WHERE {} ORDER BY f.id",
            super::read::FUND_SELECT,
            ids_condition(ids, "f.id")
        ))
        .bind(id_filter(ids))
        .fetch_all(self.read_pool())
        .await?;
        rows.into_iter().map(FundRow::into_domain).collect()
    }

    /// Services with the given ids, in no particular order: the public ones, or with
    /// `everything` also those hidden by moderation or archive.
    pub async fn services_by_ids(&self, ids: &[Uuid], everything: bool) -> Result<Vec<Service>> {
        let select = if everything {
            super::read::ANY_SERVICE_SELECT
        } else {
            super::read::SERVICE_SELECT
        };
        let rows: Vec<ServiceRow> = db::query_as(&format!("{select} WHERE s.id IN (SELECT value FROM json_each(?1))"))
            .bind(id_filter(Some(ids)))
            .fetch_all(self.read_pool())
            .await?;
        rows.into_iter().map(ServiceRow::into_domain).collect()
    }

    /// The areas each of the given services serves.
    pub async fn areas_of_services(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Vec<PlaceCode>>> {
        let rows: Vec<(String, String)> = db::query_as(
            "SELECT service_id, place_code FROM service_areas WHERE service_id IN (SELECT value FROM json_each(?1))",
        )
        .bind(id_filter(Some(ids)))
        .fetch_all(self.read_pool())
        .await?;
        let mut areas: HashMap<Uuid, Vec<PlaceCode>> = HashMap::new();
        for (service_id, code) in rows {
            areas.entry(uuid(&service_id)?).or_default().push(place_code(&code)?);
        }
        Ok(areas)
    }

    /// The areas the public services of each of the given organisations serve.
    pub async fn areas_of_organizations(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Vec<PlaceCode>>> {
        let rows: Vec<(String, String)> = db::query_as(
            "SELECT DISTINCT s.organization_id, sa.place_code FROM service_areas sa
             JOIN public_services s ON s.id = sa.service_id
             WHERE s.organization_id IN (SELECT value FROM json_each(?1))",
        )
        .bind(id_filter(Some(ids)))
        .fetch_all(self.read_pool())
        .await?;
        let mut areas: HashMap<Uuid, Vec<PlaceCode>> = HashMap::new();
        for (organization_id, code) in rows {
            areas
                .entry(uuid(&organization_id)?)
                .or_default()
                .push(place_code(&code)?);
        }
        Ok(areas)
    }

    /// Needs met by the public services of the given organisations (what their search
    /// documents carry), sorted by code.
    pub async fn needs_of_organizations(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Vec<NeedCode>>> {
        let rows: Vec<(String, Option<String>)> = db::query_as(
            "SELECT s.organization_id, group_concat(DISTINCT sn.need_code) FROM service_needs sn
             JOIN public_services s ON s.id = sn.service_id
             WHERE s.organization_id IN (SELECT value FROM json_each(?1))
             GROUP BY s.organization_id",
        )
        .bind(id_filter(Some(ids)))
        .fetch_all(self.read_pool())
        .await?;
        let mut needs = HashMap::new();
        for (organization_id, codes) in rows {
            let mut codes = need_codes(codes)?;
            codes.sort();
            needs.insert(uuid(&organization_id)?, codes);
        }
        Ok(needs)
    }

    /// Schedules of the given services.
    pub async fn schedules_of_services(&self, ids: &[Uuid]) -> Result<Vec<Schedule>> {
        let rows: Vec<ScheduleRow> = db::query_as(
            "SELECT * FROM public_schedules WHERE service_id IN (SELECT value FROM json_each(?1)) ORDER BY service_id, id",
        )
        .bind(id_filter(Some(ids)))
        .fetch_all(self.read_pool())
        .await?;
        rows.into_iter().map(ScheduleRow::into_domain).collect()
    }

    /// Change-log rows after `seq`, oldest first, at most `limit`.
    pub async fn changes_after(&self, seq: i64, limit: i64) -> Result<Vec<Change>> {
        let rows: Vec<(i64, String, String)> =
            db::query_as("SELECT seq, kind, entity_id FROM change_log WHERE seq > ? ORDER BY seq LIMIT ?")
                .bind(seq)
                .bind(limit)
                .fetch_all(self.read_pool())
                .await?;
        rows.into_iter()
            .map(|(seq, kind, id)| {
                Ok(Change {
                    seq,
                    kind: ChangeKind::parse(&kind).map_err(|e| crate::Error::invalid("change_log.kind", e.0))?,
                    id: uuid(&id)?,
                })
            })
            .collect()
    }

    /// The newest change-log sequence number (0 if the log is empty).
    pub async fn last_change_seq(&self) -> Result<i64> {
        Ok(db::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM change_log")
            .fetch_one(self.read_pool())
            .await?)
    }
}

/// What kind of listing a change-log row is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeKind {
    Organization,
    Service,
    Fund,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Organization => "organization",
            ChangeKind::Service => "service",
            ChangeKind::Fund => "fund",
        }
    }

    pub fn parse(raw: &str) -> std::result::Result<Self, crate::ParseError> {
        match raw {
            "organization" => Ok(ChangeKind::Organization),
            "service" => Ok(ChangeKind::Service),
            "fund" => Ok(ChangeKind::Fund),
            other => Err(crate::ParseError::new(format!("unknown change kind {other:?}"))),
        }
    }
}

/// One change-log row: this listing changed (or was removed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    pub seq: i64,
    pub kind: ChangeKind,
    pub id: Uuid,
}

/// Records that a listing changed, inside the transaction that changed it: a change-log row,
/// and the listing's feed position (`feed_seq`) moved to it. An organisation's change also
/// moves its services, whose feed items nest it.
///
/// `seq` follows commit order: a reader that has seen `seq` n never later finds a change with a
/// smaller one (RPDE's "no delayed interleaving", and no change a replica's follower skips).
/// SQLite has one writing transaction at a time, so the row is appended here. On PostgreSQL
/// the change is noted here (`note_change`, which locks the rows whose feed position moves) and
/// numbered as the transaction commits, under the write lock (migration
/// `0002_changes_at_commit`), so edits need not take turns for their whole length.
pub async fn record_change(conn: &mut Conn<'_>, kind: ChangeKind, id: Uuid) -> Result<()> {
    if conn.backend() == Backend::Postgres {
        db::query("SELECT note_change(?, ?)")
            .bind(kind.as_str())
            .bind(id.to_string())
            .execute(&mut *conn)
            .await?;
        return Ok(());
    }
    let seq: i64 =
        db::query_scalar("INSERT INTO change_log (kind, entity_id, changed_at) VALUES (?, ?, ?) RETURNING seq")
            .bind(kind.as_str())
            .bind(id.to_string())
            .bind(chrono::Utc::now())
            .fetch_one(&mut *conn)
            .await?;
    let listing = match kind {
        ChangeKind::Organization => "UPDATE organizations SET feed_seq = ?1 WHERE id = ?2",
        ChangeKind::Service => "UPDATE services SET feed_seq = ?1 WHERE id = ?2",
        ChangeKind::Fund => "UPDATE funds SET feed_seq = ?1 WHERE id = ?2",
    };
    db::query(listing)
        .bind(seq)
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    if kind == ChangeKind::Organization {
        db::query("UPDATE services SET feed_seq = ?1 WHERE organization_id = ?2")
            .bind(seq)
            .bind(id.to_string())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
