//! The SQL of what moderators look at ([`crate::editing::review`]): the queue of listings
//! waiting for review, listings going stale in a place, and organisations that may be the same
//! as a new one.

use crate::store::db::{self, Backend};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::read::SERVICE_FILTER_SQL;
use super::rows::OrganizationRow;
use super::Store;
use crate::domain::{Organization, OrganizationIdentifier, PlaceCode};
use crate::error::Result;

/// A listing in the moderation queue, as stored (its kind and publication as text).
#[derive(sqlx::FromRow)]
pub(crate) struct QueueRow {
    pub kind: String,
    pub id: String,
    pub name: String,
    pub organization_id: Option<String>,
    pub publication: String,
    pub rejection_reason: Option<String>,
    #[sqlx(try_from = "crate::store::db::Stamp")]
    pub updated_at: DateTime<Utc>,
}

/// A stale listing, as stored (its kind as text).
#[derive(sqlx::FromRow)]
pub(crate) struct StaleRow {
    pub kind: String,
    pub id: String,
    pub name: String,
    pub organization_id: Option<String>,
    #[sqlx(try_from = "crate::store::db::MaybeStamp")]
    pub last_reviewed_at: Option<DateTime<Utc>>,
}

impl Store {
    /// Organisations, services and funds pending review (with `include_rejected`, rejected
    /// ones too), not archived, of `organization` if given, oldest change first.
    pub(crate) async fn moderation_queue_rows(
        &self,
        include_rejected: bool,
        organization: Option<Uuid>,
    ) -> Result<Vec<QueueRow>> {
        let states = if include_rejected {
            "('pending_review', 'rejected')"
        } else {
            "('pending_review')"
        };
        let rows: Vec<QueueRow> = db::query_as(&format!(
            "SELECT * FROM (
                SELECT 'organization' AS kind, id, name, id AS organization_id, publication, rejection_reason, updated_at, archived_at FROM organizations
                UNION ALL SELECT 'service', id, name, organization_id, publication, rejection_reason, updated_at, archived_at FROM services
                UNION ALL SELECT 'fund', id, name, funder_organization_id, publication, rejection_reason, updated_at, archived_at FROM funds) AS listings
             WHERE publication IN {states} AND archived_at IS NULL AND (?1 IS NULL OR organization_id = ?1)
             ORDER BY updated_at, id"
        ))
        .bind(organization.map(|id| id.to_string()))
        .fetch_all(self.pool())
        .await?;
        Ok(rows)
    }

    /// Public services in `place` (`overlapping`: the codes of the places overlapping it, as a
    /// JSON array) and public funds covering it, last reviewed before `cutoff` or never, least
    /// recently reviewed first.
    pub(crate) async fn stale_listing_rows(
        &self,
        place: &PlaceCode,
        overlapping: &str,
        cutoff: DateTime<Utc>,
    ) -> Result<Vec<StaleRow>> {
        let rows: Vec<StaleRow> = db::query_as(&format!(
            "SELECT 'service' AS kind, s.id, s.name, s.organization_id, s.last_reviewed_at FROM public_services s
             WHERE {SERVICE_FILTER_SQL} AND (s.last_reviewed_at IS NULL OR s.last_reviewed_at < ?4)
             UNION ALL
             SELECT 'fund', f.id, f.name, f.funder_organization_id, f.last_reviewed_at FROM public_funds f
             WHERE f.id IN (SELECT fund_id FROM fund_beneficiary_locations WHERE place_code IN (SELECT value FROM json_each(?3)))
               AND (f.last_reviewed_at IS NULL OR f.last_reviewed_at < ?4)
             ORDER BY last_reviewed_at, name"
        ))
        .bind(None::<String>)
        .bind(place.as_str())
        .bind(overlapping)
        .bind(cutoff)
        .fetch_all(self.pool())
        .await?;
        Ok(rows)
    }

    /// Organisations not archived with this register identifier, by name.
    pub(crate) async fn organizations_with_identifier(
        &self,
        identifier: &OrganizationIdentifier,
    ) -> Result<Vec<Organization>> {
        let sql = match self.backend() {
            Backend::Sqlite => {
                "SELECT * FROM organizations o WHERE archived_at IS NULL AND EXISTS (
                    SELECT 1 FROM json_each(o.identifiers) j
                    WHERE json_extract(j.value, '$.identifier_scheme') = ? AND json_extract(j.value, '$.identifier') = ?)
                 ORDER BY name, id"
            }
            Backend::Postgres => {
                "SELECT * FROM organizations o WHERE archived_at IS NULL AND EXISTS (
                    SELECT 1 FROM json_array_elements(CAST(o.identifiers AS json)) j
                    WHERE j.value ->> 'identifier_scheme' = ? AND j.value ->> 'identifier' = ?)
                 ORDER BY name, id"
            }
        };
        let rows: Vec<OrganizationRow> = db::query_as(sql)
            .bind(&identifier.identifier_scheme)
            .bind(&identifier.identifier)
            .fetch_all(self.pool())
            .await?;
        rows.into_iter().map(OrganizationRow::into_domain).collect()
    }

    /// Organisations not archived at `postcode` (their own, or one of their services' venues'),
    /// by name.
    pub(crate) async fn organizations_at_postcode(&self, postcode: &str) -> Result<Vec<Organization>> {
        let rows: Vec<OrganizationRow> = db::query_as(
            "SELECT * FROM organizations o WHERE archived_at IS NULL AND (postcode = ?1 OR id IN (
                SELECT s.organization_id FROM services s
                JOIN service_at_location sal ON sal.service_id = s.id
                JOIN locations l ON l.id = sal.location_id WHERE l.postcode = ?1))
             ORDER BY name, id",
        )
        .bind(postcode)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter().map(OrganizationRow::into_domain).collect()
    }
}
