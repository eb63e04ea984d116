//! The lookups and account changes the API makes that need no rule beyond the store's own: a
//! listing's parts (venues, schedules, areas, its organisation's services and funds), an import
//! source's status, principals and their tokens. Thin on purpose: with them the API reaches
//! the engine only through [`Directory`], never the store itself.
//!
//! Who may see or do what is decided by the caller (the API checks the viewer first), as it was
//! when the API called the store.

use uuid::Uuid;

use crate::accounts::{IssuedToken, Principal, Role, TokenInfo};
use crate::domain::{Fund, Location, Schedule, Service, ServiceArea};
use crate::error::Result;
use crate::store::imports::SourceStatus;
use crate::Directory;

/// A listing's parts.
impl Directory {
    /// A public venue by id, if there is one.
    pub async fn location(&self, id: Uuid) -> Result<Option<Location>> {
        self.store().location(id).await
    }

    /// A public schedule by id, if there is one.
    pub async fn schedule(&self, id: Uuid) -> Result<Option<Schedule>> {
        self.store().schedule(id).await
    }

    /// The venues a service takes place at, by name.
    pub async fn locations_of_service(&self, service_id: Uuid) -> Result<Vec<Location>> {
        self.store().locations_of_service(service_id).await
    }

    /// A service's schedules, by venue, day and time.
    pub async fn schedules_of_service(&self, service_id: Uuid) -> Result<Vec<Schedule>> {
        self.store().schedules_of_service(service_id).await
    }

    /// The areas a service serves without a venue nearby, by place code.
    pub async fn service_areas(&self, service_id: Uuid) -> Result<Vec<ServiceArea>> {
        self.store().service_areas(service_id).await
    }

    /// An organisation's services by name: the public ones, or (`everything`, for its editors
    /// and moderators) also those hidden from the public.
    pub async fn services_of_organization(&self, organization_id: Uuid, everything: bool) -> Result<Vec<Service>> {
        self.store().services_of_organization(organization_id, everything).await
    }

    /// The funds an organisation offers by name, on the same terms as
    /// [`Directory::services_of_organization`].
    pub async fn funds_of_organization(&self, organization_id: Uuid, everything: bool) -> Result<Vec<Fund>> {
        self.store().funds_of_organization(organization_id, everything).await
    }
}

/// Import sources.
impl Directory {
    /// A registered import source and its last run, by name, if it is registered.
    pub async fn import_source_status(&self, name: &str) -> Result<Option<SourceStatus>> {
        self.store().source_by_name(name).await
    }
}

/// Principals and tokens (the API lets admins alone call these).
impl Directory {
    /// Every principal, by role and name.
    pub async fn principals(&self) -> Result<Vec<Principal>> {
        self.store().principals().await
    }

    /// A principal by id, if there is one.
    pub async fn principal(&self, id: Uuid) -> Result<Option<Principal>> {
        self.store().principal(id).await
    }

    /// Adds a principal; an editor must name an organisation that exists, and no one else may.
    pub async fn create_principal(
        &self,
        name: &str,
        email: Option<&str>,
        role: Role,
        organization_id: Option<Uuid>,
    ) -> Result<Principal> {
        self.store().create_principal(name, email, role, organization_id).await
    }

    /// Issues a new token for a principal (its secret is in the answer alone).
    pub async fn issue_token(&self, principal_id: Uuid) -> Result<IssuedToken> {
        self.store().issue_token(principal_id).await
    }

    /// Revokes a token at once.
    pub async fn revoke_token(&self, token_id: Uuid) -> Result<TokenInfo> {
        self.store().revoke_token(token_id).await
    }

    /// A principal's tokens, newest first.
    pub async fn tokens_of(&self, principal_id: Uuid) -> Result<Vec<TokenInfo>> {
        self.store().tokens_of(principal_id).await
    }
}
