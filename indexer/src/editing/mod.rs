//! Editing listings: VCSE organisations keep their own listings current, moderators review them.
//!
//! Every change runs in one transaction ([`Store::begin_edit`]) that holds SQLite's write lock
//! from its start, or on PostgreSQL the listing's row lock from its first read
//! ([`audit::snapshot_locked`]): it checks who may make it (`FORBIDDEN`) and the version it was based
//! on (`CONFLICT`), writes the listing, its audit entry with field-level before/after, and a
//! change-log row, then commits. The search index follows the change log, so a committed change
//! is searchable within a second, also after a crash between the two commits.
//!
//! # Layout
//! - this module: [`ResourceKind`], the [`Edit`] every change goes through, and the changes all
//!   kinds share (archive, restore, mark reviewed, approve, reject, trust).
//! - [`audit`]: snapshots, field-level diffs and `history`.
//! - [`exceptions`]: a schedule's exception dates as editors send them.
//! - [`input`]: what callers send, sanitised and validated into domain types.
//! - [`listings`]: creating and updating each kind of listing.
//! - [`review`]: the moderation queue, stale listings and duplicate organisations.

pub mod audit;
pub mod exceptions;
pub mod input;
pub mod listings;
pub mod review;

use crate::store::db::{Conn, Executor};
use chrono::Utc;
use uuid::Uuid;

use crate::accounts::Viewer;
use crate::domain::text;
use crate::error::{Error, Result};
use crate::store::editing as store_editing;
use crate::store::feed::{record_change, ChangeKind};
use crate::store::Store;
use crate::Directory;
use audit::{Action, Snapshot};

/// The kinds of listing that can be edited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceKind {
    Organization,
    Service,
    Location,
    Schedule,
    Fund,
}

impl ResourceKind {
    pub const ALL: [ResourceKind; 5] = [
        ResourceKind::Organization,
        ResourceKind::Service,
        ResourceKind::Location,
        ResourceKind::Schedule,
        ResourceKind::Fund,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Organization => "organization",
            ResourceKind::Service => "service",
            ResourceKind::Location => "location",
            ResourceKind::Schedule => "schedule",
            ResourceKind::Fund => "fund",
        }
    }

    /// The kind named `name` (as [`ResourceKind::as_str`] writes it).
    pub fn parse(name: &str) -> Option<ResourceKind> {
        ResourceKind::ALL.into_iter().find(|kind| kind.as_str() == name)
    }

    /// The organisation owning listing `id` of this kind (`None`: nobody), or `NOT_FOUND`.
    async fn owner<'e>(self, executor: impl Executor<'e>, id: Uuid) -> Result<Option<Uuid>> {
        store_editing::owner_of(executor, self, id).await
    }

    /// Organisations, services and funds are moderated and reviewed; venues and schedules are
    /// part of their services.
    pub fn is_moderated(self) -> bool {
        matches!(
            self,
            ResourceKind::Organization | ResourceKind::Service | ResourceKind::Fund
        )
    }

    /// Which kind of listing `id` is, or `NOT_FOUND`.
    pub async fn of(store: &Store, id: Uuid) -> Result<ResourceKind> {
        store
            .listing_kind(id)
            .await?
            .ok_or_else(|| Error::not_found("listing", id.to_string()))
    }
}

/// The outcome of a change: which listing, and its version now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edited {
    pub kind: ResourceKind,
    pub id: Uuid,
    pub version: i64,
}

/// One change in progress: a write transaction with the listing's state before it.
pub(crate) struct Edit<'v> {
    tx: Conn<'static>,
    viewer: &'v Viewer,
    kind: ResourceKind,
    id: Uuid,
    before: Option<Snapshot>,
    /// The organisation that owns the listing.
    pub owner: Option<Uuid>,
    /// The change left the listing's child lists (needs, areas, venues) as they were, so its
    /// "after" snapshot takes them from `before` rather than reading them again.
    child_lists_kept: bool,
}

impl<'v> Edit<'v> {
    /// Starts changing an existing listing: `NOT_FOUND`, then `FORBIDDEN`, then (when
    /// `expected_version` is given) `CONFLICT` if it has moved on.
    pub async fn existing(
        store: &Store,
        viewer: &'v Viewer,
        kind: ResourceKind,
        id: Uuid,
        expected_version: Option<i64>,
    ) -> Result<Edit<'v>> {
        let mut tx = store.begin_edit().await?;
        let before = audit::snapshot_locked(&mut tx, kind, id)
            .await?
            .ok_or_else(|| Error::not_found(kind.as_str(), id.to_string()))?;
        let owner = match store_editing::owner_column(kind) {
            Some(column) => before
                .get(column)
                .and_then(serde_json::Value::as_str)
                .map(crate::store::rows::uuid)
                .transpose()?,
            None => kind.owner(&mut tx, id).await?,
        };
        viewer.require_edit(owner, &format!("this {}", kind.as_str()))?;
        let edit = Edit {
            tx,
            viewer,
            kind,
            id,
            before: Some(before),
            owner,
            child_lists_kept: false,
        };
        if let Some(expected) = expected_version {
            let current = edit.version();
            if current != expected {
                return Err(Error::Conflict {
                    kind: kind.as_str(),
                    id: id.to_string(),
                    expected,
                    current,
                });
            }
        }
        Ok(edit)
    }

    /// Starts creating a listing owned by `owner` (which must exist).
    pub async fn create(
        store: &Store,
        viewer: &'v Viewer,
        kind: ResourceKind,
        id: Uuid,
        owner: Option<Uuid>,
    ) -> Result<Edit<'v>> {
        viewer.require_edit(owner, &format!("this organisation's {}s", kind.as_str()))?;
        let mut tx = store.begin_edit().await?;
        if let Some(owner) = owner {
            if !store_editing::organization_exists(&mut tx, owner).await? {
                return Err(Error::not_found("organization", owner.to_string()));
            }
        }
        Ok(Edit {
            tx,
            viewer,
            kind,
            id,
            before: None,
            owner,
            child_lists_kept: false,
        })
    }

    pub fn conn(&mut self) -> &mut Conn<'static> {
        &mut self.tx
    }

    pub fn viewer(&self) -> &Viewer {
        self.viewer
    }

    /// The stored version before this change (0 when creating).
    pub fn version(&self) -> i64 {
        self.before
            .as_ref()
            .and_then(|before| before.get("version"))
            .and_then(serde_json::Value::as_i64)
            .unwrap_or(0)
    }

    /// Whether the owning organisation's changes publish without moderation.
    pub async fn owner_is_trusted(&mut self) -> Result<bool> {
        let Some(owner) = self.owner else { return Ok(false) };
        let trusted = store_editing::organization_trusted(&mut self.tx, owner).await?;
        Ok(trusted.unwrap_or(false))
    }

    /// Tells [`Edit::finish`] that this change wrote none of the listing's child lists.
    pub fn keep_child_lists(&mut self) {
        self.child_lists_kept = self.before.is_some();
    }

    /// Records the audit entry and the change-log rows, and commits.
    pub async fn finish(mut self, action: Action, reason: Option<&str>) -> Result<Edited> {
        let after = match (&self.before, self.child_lists_kept) {
            (Some(before), true) => audit::snapshot_row(&mut self.tx, self.kind, self.id, before).await?,
            _ => audit::snapshot(&mut self.tx, self.kind, self.id).await?,
        }
        .ok_or_else(|| Error::not_found(self.kind.as_str(), self.id.to_string()))?;
        let version = after.get("version").and_then(serde_json::Value::as_i64).unwrap_or(0);
        let changes = audit::diff(self.before.as_ref(), &after);
        audit::record(
            &mut self.tx,
            self.kind,
            self.id,
            action,
            self.viewer,
            Some(version),
            reason,
            &changes,
        )
        .await?;
        for (kind, id) in self.index_changes().await? {
            record_change(&mut self.tx, kind, id).await?;
        }
        self.tx.commit().await?;
        Ok(Edited {
            kind: self.kind,
            id: self.id,
            version,
        })
    }

    /// The search documents this change touches: a venue or schedule changes its services.
    async fn index_changes(&mut self) -> Result<Vec<(ChangeKind, Uuid)>> {
        match self.kind {
            ResourceKind::Organization => return Ok(vec![(ChangeKind::Organization, self.id)]),
            ResourceKind::Service => return Ok(vec![(ChangeKind::Service, self.id)]),
            ResourceKind::Fund => return Ok(vec![(ChangeKind::Fund, self.id)]),
            ResourceKind::Location | ResourceKind::Schedule => {}
        }
        let mut services = store_editing::services_of_part(&mut self.tx, self.kind, self.id).await?;
        // In id order: PostgreSQL locks them in the order they are recorded, as other cascades do.
        services.sort_unstable();
        Ok(services.into_iter().map(|id| (ChangeKind::Service, id)).collect())
    }

    /// Sets columns of the listing's row (`assignments` is trusted SQL, values bound in order)
    /// and increases its version.
    async fn set(&mut self, assignments: &str, values: &[Option<String>]) -> Result<()> {
        store_editing::set_columns(&mut self.tx, self.kind, self.id, assignments, values).await
    }

    fn field(&self, name: &str) -> Option<&serde_json::Value> {
        self.before.as_ref().and_then(|before| before.get(name))
    }
}

impl Directory {
    /// Archives a listing: hidden everywhere, never deleted; [`Directory::restore`] brings back
    /// exactly what was there.
    pub async fn archive(&self, viewer: &Viewer, id: Uuid, version: i64) -> Result<Edited> {
        let kind = ResourceKind::of(self.store(), id).await?;
        let mut edit = Edit::existing(self.store(), viewer, kind, id, Some(version)).await?;
        if !edit.field("archived_at").is_none_or(serde_json::Value::is_null) {
            return Err(Error::invalid(
                "id",
                format!("this {} is archived already", kind.as_str()),
            ));
        }
        edit.set("archived_at = ?", &[Some(Utc::now().to_rfc3339())]).await?;
        edit.finish(Action::Archive, None).await
    }

    /// Restores an archived listing as it was.
    pub async fn restore(&self, viewer: &Viewer, id: Uuid, version: i64) -> Result<Edited> {
        let kind = ResourceKind::of(self.store(), id).await?;
        let mut edit = Edit::existing(self.store(), viewer, kind, id, Some(version)).await?;
        if edit.field("archived_at").is_none_or(serde_json::Value::is_null) {
            return Err(Error::invalid("id", format!("this {} is not archived", kind.as_str())));
        }
        edit.set("archived_at = ?", &[None]).await?;
        edit.finish(Action::Restore, None).await
    }

    /// Records that a person confirmed the listing is still accurate (`last_reviewed_at`). Not a
    /// change of content: the version stays, so it never conflicts with an edit.
    pub async fn mark_reviewed(&self, viewer: &Viewer, id: Uuid) -> Result<Edited> {
        let kind = ResourceKind::of(self.store(), id).await?;
        if !kind.is_moderated() {
            return Err(Error::invalid(
                "id",
                format!(
                    "a {} is reviewed with its service: mark the service reviewed",
                    kind.as_str()
                ),
            ));
        }
        let mut edit = Edit::existing(self.store(), viewer, kind, id, None).await?;
        store_editing::set_last_reviewed(edit.conn(), kind, id).await?;
        edit.finish(Action::Review, None).await
    }

    /// A moderator publishes a listing that was pending review (or rejected).
    pub async fn approve(&self, viewer: &Viewer, id: Uuid) -> Result<Edited> {
        viewer.require_moderator("approve listings")?;
        let kind = moderated_kind(self.store(), id).await?;
        let mut edit = Edit::existing(self.store(), viewer, kind, id, None).await?;
        if edit.field("publication").and_then(serde_json::Value::as_str) == Some("published") {
            return Err(Error::invalid(
                "id",
                format!("this {} is published already", kind.as_str()),
            ));
        }
        edit.set("publication = 'published', rejection_reason = ?", &[None])
            .await?;
        edit.finish(Action::Approve, None).await
    }

    /// A moderator rejects a listing with a reason its editors can read; they may edit it, which
    /// sends it back for review.
    pub async fn reject(&self, viewer: &Viewer, id: Uuid, reason: &str) -> Result<Edited> {
        viewer.require_moderator("reject listings")?;
        let reason = text::plain_text("reason", reason, text::SHORT_TEXT_MAX)?;
        let kind = moderated_kind(self.store(), id).await?;
        let mut edit = Edit::existing(self.store(), viewer, kind, id, None).await?;
        edit.set(
            "publication = 'rejected', rejection_reason = ?",
            &[Some(reason.clone())],
        )
        .await?;
        edit.finish(Action::Reject, Some(&reason)).await
    }

    /// A moderator marks an organisation trusted (its new listings publish directly) or not.
    pub async fn set_trusted(&self, viewer: &Viewer, organization_id: Uuid, trusted: bool) -> Result<Edited> {
        viewer.require_moderator("mark organisations trusted")?;
        let mut edit = Edit::existing(self.store(), viewer, ResourceKind::Organization, organization_id, None).await?;
        store_editing::set_trusted(edit.conn(), organization_id, trusted).await?;
        edit.finish(Action::Trust, None).await
    }

    /// Every change to a listing, oldest first. Editors see their own organisation's listings'
    /// history, moderators everything.
    pub async fn history(&self, viewer: &Viewer, id: Uuid) -> Result<Vec<audit::AuditEntry>> {
        let kind = ResourceKind::of(self.store(), id).await?;
        let owner = kind.owner(self.store().pool(), id).await?;
        if !viewer.can_edit(owner) {
            return Err(Error::forbidden(
                "a listing's history is for its organisation's editors and moderators",
            ));
        }
        audit::history(self.store(), id).await
    }
}

/// The kind of a listing that moderation applies to, or `BAD_USER_INPUT`.
async fn moderated_kind(store: &Store, id: Uuid) -> Result<ResourceKind> {
    let kind = ResourceKind::of(store, id).await?;
    if !kind.is_moderated() {
        return Err(Error::invalid(
            "id",
            format!("a {} is moderated with its service", kind.as_str()),
        ));
    }
    Ok(kind)
}
