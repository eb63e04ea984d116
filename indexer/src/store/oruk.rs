//! Set-wise reads for publishing Open Referral UK documents: a batch of services' venues (with
//! their service-at-location ids) and areas, service-at-location links, and id-ordered paging
//! over public services. Each read is one statement however many services it covers.

use crate::store::db::{self};
use std::collections::HashMap;

use uuid::Uuid;

use super::rows::*;
use super::Store;
use crate::domain::*;
use crate::error::Result;

/// A venue of a service, with the id of the link between them and the county it is in.
#[derive(Debug, Clone)]
pub struct LinkedVenue {
    pub service_at_location_id: Uuid,
    pub service_id: Uuid,
    pub location: Location,
    pub county_code: Option<PlaceCode>,
    pub district_code: Option<PlaceCode>,
}

#[derive(sqlx::FromRow)]
struct LinkedVenueRow {
    sal_id: String,
    service_id: String,
    county_code: Option<String>,
    district_code: Option<String>,
    #[sqlx(flatten)]
    location: LocationRow,
}

impl LinkedVenueRow {
    fn into_domain(self) -> Result<LinkedVenue> {
        Ok(LinkedVenue {
            service_at_location_id: uuid(&self.sal_id)?,
            service_id: uuid(&self.service_id)?,
            county_code: self.county_code.as_deref().map(place_code).transpose()?,
            district_code: self.district_code.as_deref().map(place_code).transpose()?,
            location: self.location.into_domain()?,
        })
    }
}

/// A link between a public service and one of its (unarchived) venues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceAtLocationLink {
    pub id: Uuid,
    pub service_id: Uuid,
    pub location_id: Uuid,
}

/// A JSON array of ids for `json_each`.
fn id_array(ids: &[Uuid]) -> String {
    serde_json::to_string(&ids.iter().map(Uuid::to_string).collect::<Vec<_>>()).unwrap_or_else(|_| "[]".into())
}

const LINKED_VENUE_SELECT: &str = "SELECT sal.id AS sal_id, sal.service_id AS service_id, l.*
     FROM service_at_location sal JOIN public_locations l ON l.id = sal.location_id";

const LINK_SELECT: &str = "SELECT sal.id, sal.service_id, sal.location_id
     FROM service_at_location sal
     JOIN public_services s ON s.id = sal.service_id
     JOIN public_locations l ON l.id = sal.location_id";

impl Store {
    /// Up to `limit` ids of public services after `after` (from the start if `None`), in id
    /// order: how a full copy (export, a mirror's first sync) walks every public service.
    pub async fn public_service_ids_after(&self, after: Option<Uuid>, limit: i64) -> Result<Vec<Uuid>> {
        let ids: Vec<String> = db::query_scalar("SELECT id FROM public_services WHERE id > ?1 ORDER BY id LIMIT ?2")
            .bind(after.map(|id| id.to_string()).unwrap_or_default())
            .bind(limit)
            .fetch_all(self.read_pool())
            .await?;
        ids.iter().map(|id| uuid(id)).collect()
    }

    /// The unarchived venues of the given services with their link ids, by service, each
    /// service's in (name, id) order.
    pub async fn linked_venues_of_services(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Vec<LinkedVenue>>> {
        let rows: Vec<LinkedVenueRow> = db::query_as(&format!(
            "{LINKED_VENUE_SELECT} WHERE sal.service_id IN (SELECT value FROM json_each(?1)) ORDER BY sal.service_id, l.name, l.id"
        ))
        .bind(id_array(ids))
        .fetch_all(self.read_pool())
        .await?;
        let mut venues: HashMap<Uuid, Vec<LinkedVenue>> = HashMap::new();
        for row in rows {
            let venue = row.into_domain()?;
            venues.entry(venue.service_id).or_default().push(venue);
        }
        Ok(venues)
    }

    /// The areas the given services serve, with what each listing says of them, by service.
    pub async fn service_areas_of_services(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Vec<ServiceArea>>> {
        let rows: Vec<(String, String, Option<String>)> = db::query_as(
            "SELECT service_id, place_code, description FROM service_areas
             WHERE service_id IN (SELECT value FROM json_each(?1)) ORDER BY service_id, place_code",
        )
        .bind(id_array(ids))
        .fetch_all(self.read_pool())
        .await?;
        let mut areas: HashMap<Uuid, Vec<ServiceArea>> = HashMap::new();
        for (service_id, code, description) in rows {
            areas.entry(uuid(&service_id)?).or_default().push(ServiceArea {
                place_code: place_code(&code)?,
                description,
            });
        }
        Ok(areas)
    }

    /// A service-at-location link by id, if both its service and its venue are public.
    pub async fn public_service_at_location(&self, id: Uuid) -> Result<Option<ServiceAtLocationLink>> {
        let row: Option<(String, String, String)> = db::query_as(&format!("{LINK_SELECT} WHERE sal.id = ?1"))
            .bind(id.to_string())
            .fetch_optional(self.read_pool())
            .await?;
        row.map(|(id, service_id, location_id)| link(&id, &service_id, &location_id))
            .transpose()
    }

    /// A page of the links of public services to their venues, in link id order.
    pub async fn public_service_at_locations_page(
        &self,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<ServiceAtLocationLink>> {
        let rows: Vec<(String, String, String)> =
            db::query_as(&format!("{LINK_SELECT} ORDER BY sal.id LIMIT ?1 OFFSET ?2"))
                .bind(limit)
                .bind(offset)
                .fetch_all(self.read_pool())
                .await?;
        rows.iter()
            .map(|(id, service_id, location_id)| link(id, service_id, location_id))
            .collect()
    }

    /// Every link of the given public services to their venues, in link id order: one read
    /// for both a filtered list's page and its total (a few thousand services at most).
    pub async fn public_links_of_services(&self, service_ids: &[Uuid]) -> Result<Vec<ServiceAtLocationLink>> {
        let rows: Vec<(String, String, String)> = db::query_as(&format!(
            "{LINK_SELECT} WHERE sal.service_id IN (SELECT value FROM json_each(?1)) ORDER BY sal.id"
        ))
        .bind(id_array(service_ids))
        .fetch_all(self.read_pool())
        .await?;
        rows.iter()
            .map(|(id, service_id, location_id)| link(id, service_id, location_id))
            .collect()
    }

    /// How many links of public services to their venues there are. All of them at a million
    /// services takes seconds: callers cache it.
    pub async fn count_public_service_at_locations(&self) -> Result<i64> {
        Ok(
            db::query_scalar(&format!("SELECT COUNT(*) FROM ({LINK_SELECT}) AS links"))
                .fetch_one(self.read_pool())
                .await?,
        )
    }

    /// A page of public organisations by (name, id).
    pub async fn public_organizations_page(&self, offset: i64, limit: i64) -> Result<Vec<Organization>> {
        let rows: Vec<OrganizationRow> =
            db::query_as("SELECT * FROM public_organizations ORDER BY name, id LIMIT ?1 OFFSET ?2")
                .bind(limit)
                .bind(offset)
                .fetch_all(self.read_pool())
                .await?;
        rows.into_iter().map(OrganizationRow::into_domain).collect()
    }

    /// How many public organisations there are (a scan of every organisation: callers cache it).
    pub async fn count_public_organizations(&self) -> Result<i64> {
        Ok(db::query_scalar("SELECT COUNT(*) FROM public_organizations")
            .fetch_one(self.read_pool())
            .await?)
    }
}

fn link(id: &str, service_id: &str, location_id: &str) -> Result<ServiceAtLocationLink> {
    Ok(ServiceAtLocationLink {
        id: uuid(id)?,
        service_id: uuid(service_id)?,
        location_id: uuid(location_id)?,
    })
}
