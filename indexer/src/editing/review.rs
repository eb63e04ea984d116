//! What moderators look at: the queue of listings waiting for review, listings going stale per
//! Place with who to remind, and likely duplicate organisations.

use chrono::{DateTime, Months, Utc};
use uuid::Uuid;

use super::ResourceKind;
use crate::accounts::{Principal, Viewer};
use crate::domain::text::{name_similarity, DUPLICATE_NAME_SIMILARITY};
use crate::domain::*;
use crate::error::{Error, Result};
use crate::store::read::SERVICE_FILTER_SQL;
use crate::store::rows::{uuid, OrganizationRow};
use crate::store::Store;
use crate::Directory;

/// An organisation that may be the same as one being created, and why.
#[derive(Debug, Clone)]
pub struct DuplicateCandidate {
    pub organization: Organization,
    pub reason: String,
}

/// A listing waiting for a moderator.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueItem {
    pub kind: ResourceKind,
    pub id: Uuid,
    pub name: String,
    pub organization_id: Option<Uuid>,
    pub publication: Publication,
    pub rejection_reason: Option<String>,
    pub submitted_at: DateTime<Utc>,
}

/// A listing that is stale, or will be within the window asked about, with who to remind.
#[derive(Debug, Clone)]
pub struct StaleListing {
    pub kind: ResourceKind,
    pub id: Uuid,
    pub name: String,
    pub last_reviewed_at: Option<DateTime<Utc>>,
    /// When it becomes (or became) stale; `None` if it was never reviewed.
    pub stale_from: Option<DateTime<Utc>>,
    pub organization: Option<Organization>,
    pub editors: Vec<Principal>,
}

/// Organisations that look like the one described: the same register identifier, or a very
/// similar name at the same postcode (its own, or one of its venues').
pub async fn likely_duplicates(
    store: &Store,
    name: &str,
    postcode: Option<&str>,
    identifiers: &[OrganizationIdentifier],
) -> Result<Vec<DuplicateCandidate>> {
    let mut found: Vec<DuplicateCandidate> = Vec::new();
    for identifier in identifiers {
        let rows: Vec<OrganizationRow> = sqlx::query_as(
            "SELECT * FROM organizations o WHERE archived_at IS NULL AND EXISTS (
                SELECT 1 FROM json_each(o.identifiers) j
                WHERE json_extract(j.value, '$.identifier_scheme') = ? AND json_extract(j.value, '$.identifier') = ?)
             ORDER BY name, id",
        )
        .bind(&identifier.identifier_scheme)
        .bind(&identifier.identifier)
        .fetch_all(store.pool())
        .await?;
        for row in rows {
            found.push(DuplicateCandidate {
                organization: row.into_domain()?,
                reason: format!(
                    "the same register number {} {}",
                    identifier.identifier_scheme, identifier.identifier
                ),
            });
        }
    }
    if let Some(postcode) = postcode {
        let rows: Vec<OrganizationRow> = sqlx::query_as(
            "SELECT * FROM organizations o WHERE archived_at IS NULL AND (postcode = ?1 OR id IN (
                SELECT s.organization_id FROM services s
                JOIN service_at_location sal ON sal.service_id = s.id
                JOIN locations l ON l.id = sal.location_id WHERE l.postcode = ?1))
             ORDER BY name, id",
        )
        .bind(postcode)
        .fetch_all(store.pool())
        .await?;
        for row in rows {
            let organization = row.into_domain()?;
            let similarity = name_similarity(name, &organization.name);
            if similarity >= DUPLICATE_NAME_SIMILARITY {
                found.push(DuplicateCandidate {
                    reason: format!("a very similar name at {postcode} ({:.0}% alike)", similarity * 100.0),
                    organization,
                });
            }
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    found.retain(|candidate| seen.insert(candidate.organization.id));
    Ok(found)
}

#[derive(sqlx::FromRow)]
struct QueueRow {
    kind: String,
    id: String,
    name: String,
    organization_id: Option<String>,
    publication: String,
    rejection_reason: Option<String>,
    updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct StaleRow {
    kind: String,
    id: String,
    name: String,
    organization_id: Option<String>,
    last_reviewed_at: Option<DateTime<Utc>>,
}

fn kind_named(name: &str) -> Result<ResourceKind> {
    ResourceKind::parse(name).ok_or_else(|| Error::invalid("kind", format!("unknown kind {name:?}")))
}

impl Directory {
    /// Listings waiting for review (oldest first); with `include_rejected`, rejected ones too.
    /// Moderators see all; an editor sees their own organisation's, with rejection reasons.
    pub async fn moderation_queue(&self, viewer: &Viewer, include_rejected: bool) -> Result<Vec<QueueItem>> {
        let organization = match &viewer.principal {
            Some(_) if viewer.is_moderator() => None,
            Some(principal) if principal.organization_id.is_some() => principal.organization_id,
            _ => return Err(Error::forbidden("the moderation queue is for moderators and editors")),
        };
        let states = if include_rejected {
            "('pending_review', 'rejected')"
        } else {
            "('pending_review')"
        };
        let rows: Vec<QueueRow> = sqlx::query_as(&format!(
            "SELECT * FROM (
                SELECT 'organization' AS kind, id, name, id AS organization_id, publication, rejection_reason, updated_at, archived_at FROM organizations
                UNION ALL SELECT 'service', id, name, organization_id, publication, rejection_reason, updated_at, archived_at FROM services
                UNION ALL SELECT 'fund', id, name, funder_organization_id, publication, rejection_reason, updated_at, archived_at FROM funds)
             WHERE publication IN {states} AND archived_at IS NULL AND (?1 IS NULL OR organization_id = ?1)
             ORDER BY updated_at, id"
        ))
        .bind(organization.map(|id| id.to_string()))
        .fetch_all(self.store().pool())
        .await?;
        rows.into_iter()
            .map(|row| {
                Ok(QueueItem {
                    kind: kind_named(&row.kind)?,
                    id: uuid(&row.id)?,
                    name: row.name,
                    organization_id: row.organization_id.as_deref().map(uuid).transpose()?,
                    publication: Publication::parse(&row.publication).map_err(|e| e.for_field("publication"))?,
                    rejection_reason: row.rejection_reason,
                    submitted_at: row.updated_at,
                })
            })
            .collect()
    }

    /// Public services in a place and funds covering it that are stale, or will be within
    /// `within_days`, most overdue first, each with its organisation's contact details and
    /// editors (moderators only).
    pub async fn stale_listings(
        &self,
        viewer: &Viewer,
        place: &PlaceCode,
        within_days: u32,
    ) -> Result<Vec<StaleListing>> {
        viewer.require_moderator("list stale listings")?;
        self.place(place)?;
        let now = Utc::now();
        let months = Months::new(STALE_AFTER_MONTHS);
        let cutoff = (now + chrono::Duration::days(i64::from(within_days)))
            .checked_sub_months(months)
            .unwrap_or(now);
        let overlapping =
            serde_json::to_string(&self.places().overlapping_codes(place)).unwrap_or_else(|_| "[]".into());
        let rows: Vec<StaleRow> = sqlx::query_as(&format!(
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
        .bind(&overlapping)
        .bind(cutoff)
        .fetch_all(self.store().pool())
        .await?;
        let mut listings = Vec::with_capacity(rows.len());
        for row in rows {
            let organization_id = row.organization_id.as_deref().map(uuid).transpose()?;
            let (organization, editors) = match organization_id {
                Some(id) => (self.store().organization(id).await?, self.store().editors_of(id).await?),
                None => (None, Vec::new()),
            };
            listings.push(StaleListing {
                kind: kind_named(&row.kind)?,
                id: uuid(&row.id)?,
                name: row.name,
                stale_from: row.last_reviewed_at.and_then(|at| at.checked_add_months(months)),
                last_reviewed_at: row.last_reviewed_at,
                organization,
                editors,
            });
        }
        Ok(listings)
    }

    /// Likely duplicates of an organisation about to be created (the check `createOrganization`
    /// also runs).
    pub async fn likely_duplicate_organizations(
        &self,
        name: &str,
        postcode: Option<&str>,
        identifiers: &[(String, String)],
    ) -> Result<Vec<DuplicateCandidate>> {
        let postcode = postcode
            .filter(|raw| !raw.trim().is_empty())
            .map(|raw| Postcode::parse(raw).map_err(|e| e.for_field("postcode")))
            .transpose()?;
        let identifiers = super::input::identifiers("identifiers", identifiers)?;
        likely_duplicates(
            self.store(),
            name,
            postcode.as_ref().map(Postcode::as_str),
            &identifiers,
        )
        .await
    }
}
