//! Queries, one intent per function, returning domain types.

use crate::store::db::{self, Executor};
use uuid::Uuid;

use super::rows::*;
use super::Store;
use crate::domain::*;
use crate::error::Result;

/// Service rows (as `s`) from `$table` with their need codes in stored order.
macro_rules! service_select {
    ($table:literal) => {
        concat!(
            "SELECT s.*, (SELECT group_concat(need_code, ',') FROM
            (SELECT need_code FROM service_needs WHERE service_id = s.id ORDER BY position) AS ordered) AS needs FROM ",
            $table,
            " s"
        )
    };
}

/// Fund rows (as `f`) from `$table` with their need codes and beneficiary places.
macro_rules! fund_select {
    ($table:literal) => {
        concat!(
            "SELECT f.*,
            (SELECT group_concat(need_code, ',') FROM fund_needs WHERE fund_id = f.id) AS needs,
            (SELECT group_concat(place_code, ',') FROM fund_beneficiary_locations WHERE fund_id = f.id) AS places
            FROM ",
            $table,
            " f"
        )
    };
}

/// Public services (published, not archived, of a public organisation).
pub(crate) const SERVICE_SELECT: &str = service_select!("public_services");
/// Every service, whatever its moderation or archive state.
pub(crate) const ANY_SERVICE_SELECT: &str = service_select!("services");
/// Public funds.
pub(crate) const FUND_SELECT: &str = fund_select!("public_funds");
/// Every fund.
pub(crate) const ANY_FUND_SELECT: &str = fund_select!("funds");

/// Which services to list.
#[derive(Debug, Clone, Default)]
pub struct ServiceFilter {
    /// Only services for this need.
    pub need: Option<NeedCode>,
    /// Only services with a venue inside this place, or serving an area that overlaps it.
    pub place: Option<PlaceScope>,
}

/// A place to filter by, with every place code whose service area overlaps it (itself, its
/// ancestors and its descendants), worked out from the place hierarchy.
#[derive(Debug, Clone)]
pub struct PlaceScope {
    pub code: PlaceCode,
    pub overlapping_codes: Vec<PlaceCode>,
}

/// A keyset position in a list ordered by (name, id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameKey {
    pub name: String,
    pub id: Uuid,
}

/// One page of a list.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total_count: i64,
    pub has_next_page: bool,
}

pub(crate) const SERVICE_FILTER_SQL: &str = "
    (?1 IS NULL OR s.id IN (SELECT service_id FROM service_needs WHERE need_code = ?1))
    AND (?2 IS NULL
        OR s.id IN (SELECT sal.service_id FROM service_at_location sal JOIN public_locations l ON l.id = sal.location_id
                    WHERE ?2 IN (l.county_code, l.district_code, l.ward_code, l.msoa_code, l.lsoa_code)
                       OR l.ward_code IN (SELECT member_code FROM custom_place_members WHERE place_code = ?2)
                       OR l.lsoa_code IN (SELECT member_code FROM custom_place_members WHERE place_code = ?2))
        OR s.id IN (SELECT service_id FROM service_areas WHERE place_code IN (SELECT value FROM json_each(?3))))";

impl Store {
    /// Every place with its boundary as GeoJSON text.
    pub async fn all_places(&self) -> Result<Vec<(Place, String)>> {
        let rows: Vec<PlaceRow> = db::query_as("SELECT * FROM places ORDER BY code")
            .fetch_all(self.pool())
            .await?;
        rows.into_iter().map(PlaceRow::into_place).collect()
    }

    /// Every postcode (about 30,000 for Norfolk: the directory keeps them in memory).
    pub async fn all_postcodes(&self) -> Result<Vec<PostcodeRecord>> {
        let rows: Vec<PostcodeRow> = db::query_as("SELECT * FROM postcodes").fetch_all(self.pool()).await?;
        rows.into_iter().map(PostcodeRow::into_record).collect()
    }

    pub async fn postcode(&self, postcode: &Postcode) -> Result<Option<PostcodeRecord>> {
        let row: Option<PostcodeRow> = db::query_as("SELECT * FROM postcodes WHERE postcode = ?")
            .bind(postcode.as_str())
            .fetch_optional(self.pool())
            .await?;
        row.map(PostcodeRow::into_record).transpose()
    }

    /// An organisation by id, whatever its state (callers decide who may see it).
    pub async fn organization(&self, id: Uuid) -> Result<Option<Organization>> {
        organization_by_id(self.pool(), id).await
    }

    pub async fn organizations_page(&self, first: i64, after: Option<&NameKey>) -> Result<Page<Organization>> {
        let rows: Vec<OrganizationRow> = db::query_as(
            "SELECT * FROM public_organizations WHERE (?1 IS NULL OR name > ?1 OR (name = ?1 AND id > ?2)) ORDER BY name, id LIMIT ?3",
        )
        .bind(after.map(|key| key.name.clone()))
        .bind(after.map(|key| key.id.to_string()))
        .bind(first + 1)
        .fetch_all(self.pool())
        .await?;
        let total_count = db::query_scalar("SELECT COUNT(*) FROM public_organizations")
            .fetch_one(self.pool())
            .await?;
        let items = rows
            .into_iter()
            .map(OrganizationRow::into_domain)
            .collect::<Result<Vec<_>>>()?;
        Ok(page(items, first, total_count))
    }

    /// A service by id, whatever its state (callers decide who may see it).
    pub async fn service(&self, id: Uuid) -> Result<Option<Service>> {
        service_by_id(self.pool(), id).await
    }

    /// The organisation's services: the public ones, or with `everything` also those pending
    /// review, rejected or archived (for its editors and moderators).
    pub async fn services_of_organization(&self, organization_id: Uuid, everything: bool) -> Result<Vec<Service>> {
        let select = if everything { ANY_SERVICE_SELECT } else { SERVICE_SELECT };
        let rows: Vec<ServiceRow> =
            db::query_as(&format!("{select} WHERE s.organization_id = ? ORDER BY s.name, s.id"))
                .bind(organization_id.to_string())
                .fetch_all(self.pool())
                .await?;
        rows.into_iter().map(ServiceRow::into_domain).collect()
    }

    /// A page of services matching `filter`, ordered by name, after the keyset position `after`.
    pub async fn services_page(
        &self,
        filter: &ServiceFilter,
        first: i64,
        after: Option<&NameKey>,
    ) -> Result<Page<Service>> {
        let need = filter.need.map(|need| need.as_str());
        let place = filter.place.as_ref().map(|scope| scope.code.as_str().to_string());
        let overlapping = filter
            .place
            .as_ref()
            .map(|scope| serde_json::to_string(&scope.overlapping_codes).unwrap_or_else(|_| "[]".into()))
            .unwrap_or_else(|| "[]".into());
        let rows: Vec<ServiceRow> = db::query_as(&format!(
            "{SERVICE_SELECT} WHERE {SERVICE_FILTER_SQL}
             AND (?4 IS NULL OR s.name > ?4 OR (s.name = ?4 AND s.id > ?5)) ORDER BY s.name, s.id LIMIT ?6"
        ))
        .bind(need)
        .bind(&place)
        .bind(&overlapping)
        .bind(after.map(|key| key.name.clone()))
        .bind(after.map(|key| key.id.to_string()))
        .bind(first + 1)
        .fetch_all(self.pool())
        .await?;
        let total_count = db::query_scalar(&format!(
            "SELECT COUNT(*) FROM public_services s WHERE {SERVICE_FILTER_SQL}"
        ))
        .bind(need)
        .bind(&place)
        .bind(&overlapping)
        .fetch_one(self.pool())
        .await?;
        let items = rows
            .into_iter()
            .map(ServiceRow::into_domain)
            .collect::<Result<Vec<_>>>()?;
        Ok(page(items, first, total_count))
    }

    /// The (name, id) of every public service that is not active (inactive, defunct or
    /// temporarily closed) matching `filter`. The search index leaves these out, so list pages
    /// served from it read them here: they are few, found through the partial index on status,
    /// and each is checked against the filter on its own rows.
    pub async fn not_active_service_keys(&self, filter: &ServiceFilter) -> Result<Vec<(String, Uuid)>> {
        let overlapping = filter
            .place
            .as_ref()
            .map(|scope| serde_json::to_string(&scope.overlapping_codes).unwrap_or_else(|_| "[]".into()));
        let rows: Vec<(String, String)> = db::query_as(
            "SELECT s.id, s.name FROM public_services s WHERE s.status <> 'active'
             AND (?1 IS NULL OR EXISTS (SELECT 1 FROM service_needs n WHERE n.service_id = s.id AND n.need_code = ?1))
             AND (?2 IS NULL
                OR EXISTS (SELECT 1 FROM service_at_location sal JOIN public_locations l ON l.id = sal.location_id
                           WHERE sal.service_id = s.id
                             AND ?2 IN (l.county_code, l.district_code, l.ward_code, l.msoa_code, l.lsoa_code))
                OR EXISTS (SELECT 1 FROM service_areas a WHERE a.service_id = s.id
                           AND a.place_code IN (SELECT value FROM json_each(?3))))",
        )
        .bind(filter.need.map(|need| need.as_str()))
        .bind(filter.place.as_ref().map(|scope| scope.code.as_str().to_string()))
        .bind(overlapping)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|(id, name)| Ok((name, super::rows::uuid(&id)?)))
            .collect()
    }

    pub async fn service_areas(&self, service_id: Uuid) -> Result<Vec<ServiceArea>> {
        let rows: Vec<(String, Option<String>)> =
            db::query_as("SELECT place_code, description FROM service_areas WHERE service_id = ? ORDER BY place_code")
                .bind(service_id.to_string())
                .fetch_all(self.pool())
                .await?;
        rows.into_iter()
            .map(|(code, description)| {
                Ok(ServiceArea {
                    place_code: place_code(&code)?,
                    description,
                })
            })
            .collect()
    }

    pub async fn locations_of_service(&self, service_id: Uuid) -> Result<Vec<Location>> {
        let rows: Vec<LocationRow> = db::query_as(
            "SELECT l.* FROM public_locations l JOIN service_at_location sal ON sal.location_id = l.id
             WHERE sal.service_id = ? ORDER BY l.name, l.id",
        )
        .bind(service_id.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.into_iter().map(LocationRow::into_domain).collect()
    }

    /// A venue by id, archived or not.
    pub async fn location(&self, id: Uuid) -> Result<Option<Location>> {
        location_by_id(self.pool(), id).await
    }

    pub async fn schedules_of_service(&self, service_id: Uuid) -> Result<Vec<Schedule>> {
        let rows: Vec<ScheduleRow> = db::query_as(
            "SELECT * FROM public_schedules WHERE service_id = ? ORDER BY location_id, byday, opens_at, id",
        )
        .bind(service_id.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.into_iter().map(ScheduleRow::into_domain).collect()
    }

    /// A fund by id, whatever its state (callers decide who may see it).
    pub async fn fund(&self, id: Uuid) -> Result<Option<Fund>> {
        fund_by_id(self.pool(), id).await
    }

    /// A schedule by id, archived or not.
    pub async fn schedule(&self, id: Uuid) -> Result<Option<Schedule>> {
        schedule_by_id(self.pool(), id).await
    }

    /// Funds for a need (any, if `None`) whose beneficiary places include one of `place_codes`
    /// (any place, if `None`), ordered by name.
    pub async fn funds(&self, need: Option<NeedCode>, place_codes: Option<&[PlaceCode]>) -> Result<Vec<Fund>> {
        let places = place_codes.map(|codes| serde_json::to_string(codes).unwrap_or_else(|_| "[]".into()));
        let rows: Vec<FundRow> = db::query_as(&format!(
            "{FUND_SELECT} WHERE (?1 IS NULL OR f.id IN (SELECT fund_id FROM fund_needs WHERE need_code = ?1))
             AND (?2 IS NULL OR f.id IN (SELECT fund_id FROM fund_beneficiary_locations WHERE place_code IN (SELECT value FROM json_each(?2))))
             ORDER BY f.name, f.id"
        ))
        .bind(need.map(|need| need.as_str()))
        .bind(places)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter().map(FundRow::into_domain).collect()
    }

    /// Funds the organisation offers: public ones, or with `everything` all of them.
    pub async fn funds_of_organization(&self, organization_id: Uuid, everything: bool) -> Result<Vec<Fund>> {
        let select = if everything { ANY_FUND_SELECT } else { FUND_SELECT };
        let rows: Vec<FundRow> = db::query_as(&format!(
            "{select} WHERE f.funder_organization_id = ? ORDER BY f.name, f.id"
        ))
        .bind(organization_id.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.into_iter().map(FundRow::into_domain).collect()
    }
}

// Reads by id on any executor: the pool, or the connection of a write transaction (an edit reads
// the listing it changes on its own connection, so it never waits for a second one).

pub(crate) async fn organization_by_id<'e>(executor: impl Executor<'e>, id: Uuid) -> Result<Option<Organization>> {
    let row: Option<OrganizationRow> = db::query_as("SELECT * FROM organizations WHERE id = ?")
        .bind(id.to_string())
        .fetch_optional(executor)
        .await?;
    row.map(OrganizationRow::into_domain).transpose()
}

pub(crate) async fn service_by_id<'e>(executor: impl Executor<'e>, id: Uuid) -> Result<Option<Service>> {
    let row: Option<ServiceRow> = db::query_as(&format!("{ANY_SERVICE_SELECT} WHERE s.id = ?"))
        .bind(id.to_string())
        .fetch_optional(executor)
        .await?;
    row.map(ServiceRow::into_domain).transpose()
}

pub(crate) async fn location_by_id<'e>(executor: impl Executor<'e>, id: Uuid) -> Result<Option<Location>> {
    let row: Option<LocationRow> = db::query_as("SELECT * FROM locations WHERE id = ?")
        .bind(id.to_string())
        .fetch_optional(executor)
        .await?;
    row.map(LocationRow::into_domain).transpose()
}

pub(crate) async fn schedule_by_id<'e>(executor: impl Executor<'e>, id: Uuid) -> Result<Option<Schedule>> {
    let row: Option<ScheduleRow> = db::query_as("SELECT * FROM schedules WHERE id = ?")
        .bind(id.to_string())
        .fetch_optional(executor)
        .await?;
    row.map(ScheduleRow::into_domain).transpose()
}

pub(crate) async fn fund_by_id<'e>(executor: impl Executor<'e>, id: Uuid) -> Result<Option<Fund>> {
    let row: Option<FundRow> = db::query_as(&format!("{ANY_FUND_SELECT} WHERE f.id = ?"))
        .bind(id.to_string())
        .fetch_optional(executor)
        .await?;
    row.map(FundRow::into_domain).transpose()
}

/// Trims the one extra row fetched to learn whether another page follows.
fn page<T>(mut items: Vec<T>, first: i64, total_count: i64) -> Page<T> {
    let has_next_page = items.len() as i64 > first;
    items.truncate(first.max(0) as usize);
    Page {
        items,
        total_count,
        has_next_page,
    }
}
