//! What moderators look at: the queue of listings waiting for review, listings going stale per
//! Place with who to remind, and likely duplicate organisations.

use chrono::{DateTime, Months, Utc};
use uuid::Uuid;

use super::ResourceKind;
use crate::accounts::{Principal, Viewer};
use crate::domain::text::{name_similarity, DUPLICATE_NAME_SIMILARITY};
use crate::domain::*;
use crate::error::{Error, Result};
use crate::store::rows::uuid;
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
        for organization in store.organizations_with_identifier(identifier).await? {
            found.push(DuplicateCandidate {
                organization,
                reason: format!(
                    "the same register number {} {}",
                    identifier.identifier_scheme, identifier.identifier
                ),
            });
        }
    }
    if let Some(postcode) = postcode {
        for organization in store.organizations_at_postcode(postcode).await? {
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
        let rows = self
            .store()
            .moderation_queue_rows(include_rejected, organization)
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
        let rows = self.store().stale_listing_rows(place, &overlapping, cutoff).await?;
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
