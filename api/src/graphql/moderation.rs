//! Who am I, the moderation queue, stale listings, history, duplicates; and, for admins,
//! principals and tokens.

use async_graphql::{Context, Enum, Json, Object, Result, SimpleObject, ID};
use chrono::{DateTime, Utc};
use indexer::accounts::{IssuedToken, Principal, TokenInfo};
use indexer::editing::audit::AuditEntry;
use indexer::editing::review::{DuplicateCandidate, QueueItem, StaleListing};
use indexer::Directory;

use super::args::{self, viewer};
use super::error::OrInternal;
use super::listings::{OrganizationObject, Publication};

/// What a principal may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "indexer::accounts::Role")]
pub enum Role {
    /// A partner platform: reads, with a higher rate limit.
    Partner,
    /// Edits one organisation's listings.
    Editor,
    /// Edits and moderates everything.
    Moderator,
    /// A moderator who also manages principals and tokens.
    Admin,
}

/// A kind of listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "indexer::editing::ResourceKind")]
pub enum ListingKind {
    /// An organisation.
    Organization,
    /// A service.
    Service,
    /// A venue.
    Location,
    /// A schedule.
    Schedule,
    /// A fund.
    Fund,
}

/// An organisation, if the viewer may see it.
async fn visible_organization(ctx: &Context<'_>, id: uuid::Uuid) -> Option<OrganizationObject> {
    let directory = ctx.data_unchecked::<Directory>();
    directory
        .organization(viewer(ctx), id)
        .await
        .ok()
        .map(OrganizationObject)
}

/// A person or platform with tokens.
pub struct PrincipalObject(pub Principal);

#[Object(name = "Principal")]
/// A person or platform with tokens.
impl PrincipalObject {
    /// Stable UUID.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Email address, for reminders.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// What they may do.
    async fn role(&self) -> Role {
        self.0.role.into()
    }
    /// The organisation an editor edits for.
    async fn organization(&self, ctx: &Context<'_>) -> Option<OrganizationObject> {
        visible_organization(ctx, self.0.organization_id?).await
    }
}

/// A listing waiting for a moderator (or turned down).
pub struct QueueItemObject(pub QueueItem);

#[Object(name = "QueueItem")]
/// A listing waiting for a moderator (or turned down).
impl QueueItemObject {
    /// What kind of listing it is.
    async fn kind(&self) -> ListingKind {
        self.0.kind.into()
    }
    /// The listing's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Its name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The organisation it belongs to.
    async fn organization(&self, ctx: &Context<'_>) -> Option<OrganizationObject> {
        visible_organization(ctx, self.0.organization_id?).await
    }
    /// Pending review or rejected.
    async fn publication(&self) -> Publication {
        self.0.publication.into()
    }
    /// Why it was rejected.
    async fn rejection_reason(&self) -> Option<&str> {
        self.0.rejection_reason.as_deref()
    }
    /// When it was last changed (submitted).
    async fn submitted_at(&self) -> DateTime<Utc> {
        self.0.submitted_at
    }
}

/// A listing that is stale or soon will be, with who to remind.
pub struct StaleListingObject(pub StaleListing);

#[Object(name = "StaleListing")]
/// A listing that is stale or soon will be, with who to remind.
impl StaleListingObject {
    /// Service or fund.
    async fn kind(&self) -> ListingKind {
        self.0.kind.into()
    }
    /// The listing's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Its name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// When a person last confirmed it (null: never).
    async fn last_reviewed_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_reviewed_at
    }
    /// When it goes (or went) stale, 12 months after the last review.
    async fn stale_from(&self) -> Option<DateTime<Utc>> {
        self.0.stale_from
    }
    /// Stale now (not just soon).
    async fn stale(&self) -> bool {
        self.0.stale_from.is_none_or(|at| at <= Utc::now())
    }
    /// The organisation to contact (its email and phone are on it).
    async fn organization(&self) -> Option<OrganizationObject> {
        self.0.organization.clone().map(OrganizationObject)
    }
    /// The organisation's editors, who can mark it reviewed.
    async fn editors(&self) -> Vec<PrincipalObject> {
        self.0.editors.iter().cloned().map(PrincipalObject).collect()
    }
}

/// One field's change (HSDS `metadata`).
#[derive(SimpleObject)]
pub struct FieldChange {
    /// The field that changed, by its GraphQL name (`howToJoin`, `minimumAge`).
    pub field_name: String,
    /// Its value before (JSON).
    pub previous_value: Json<serde_json::Value>,
    /// Its value after (JSON).
    pub replacement_value: Json<serde_json::Value>,
}

/// One change to a listing: who, when, what, and each field before and after.
pub struct AuditEntryObject(pub AuditEntry);

#[Object(name = "AuditEntry")]
/// One change to a listing: who, when, what, and each field before and after.
impl AuditEntryObject {
    /// What was done: `create`, `update`, `archive`, `restore`, `review`, `approve`, `reject`
    /// or `trust` (HSDS `last_action_type`).
    async fn last_action_type(&self) -> &str {
        &self.0.action
    }
    /// When (HSDS `last_action_date`).
    async fn last_action_date(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// Who, as `name (role)` (HSDS `updated_by`).
    async fn updated_by(&self) -> &str {
        &self.0.updated_by
    }
    /// The listing's version after the change.
    async fn version(&self) -> Option<i64> {
        self.0.version
    }
    /// The reason given (rejections).
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    /// Kind of listing (HSDS `resource_type`).
    async fn resource_type(&self) -> &str {
        &self.0.resource_type
    }
    /// The listing's id (HSDS `resource_id`).
    async fn resource_id(&self) -> ID {
        ID(self.0.resource_id.to_string())
    }
    /// The fields that changed.
    async fn changes(&self) -> Vec<FieldChange> {
        self.0
            .changes
            .iter()
            .map(|change| FieldChange {
                field_name: graphql_name(&change.field_name),
                previous_value: Json(change.previous_value.clone()),
                replacement_value: Json(change.replacement_value.clone()),
            })
            .collect()
    }
}

/// An organisation that may be the same as one being added.
pub struct DuplicateCandidateObject(pub DuplicateCandidate);

#[Object(name = "DuplicateCandidate")]
/// An organisation that may be the same as one being added.
impl DuplicateCandidateObject {
    /// The organisation already listed.
    async fn organization(&self) -> OrganizationObject {
        OrganizationObject(self.0.organization.clone())
    }
    /// Why it looks the same.
    async fn reason(&self) -> &str {
        &self.0.reason
    }
}

/// A token's public facts (never the token itself).
pub struct TokenObject(pub TokenInfo);

#[Object(name = "Token")]
/// A token's public facts (never the token itself).
impl TokenObject {
    /// Token id (for revoking it).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The first characters of the token, to tell tokens apart.
    async fn prefix(&self) -> &str {
        &self.0.prefix
    }
    /// When it was issued.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it was revoked; null while it works.
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
}

/// A new token: `secret` is shown this once and never again.
#[derive(SimpleObject)]
pub struct IssuedTokenPayload {
    /// Who the token is for.
    pub principal: PrincipalObject,
    /// The token's public facts.
    pub token: TokenObject,
    /// The bearer token: send as `Authorization: Bearer <secret>`. Not stored; keep it safe.
    pub secret: String,
}

fn issued(principal: Principal, token: IssuedToken) -> IssuedTokenPayload {
    IssuedTokenPayload {
        principal: PrincipalObject(principal),
        token: TokenObject(token.info),
        secret: token.secret,
    }
}

/// Root fields for accounts and moderation.
#[derive(Default)]
pub struct ModerationQuery;

#[Object]
impl ModerationQuery {
    /// The principal the request's token belongs to (null when anonymous).
    async fn me(&self, ctx: &Context<'_>) -> Option<PrincipalObject> {
        viewer(ctx).principal.clone().map(PrincipalObject)
    }

    /// Listings waiting for review, oldest first: all of them for moderators, their own
    /// organisation's for editors.
    async fn moderation_queue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Include rejected listings (with their reasons).", default = false)] include_rejected: bool,
    ) -> Result<Vec<QueueItemObject>> {
        let items = ctx
            .data_unchecked::<Directory>()
            .moderation_queue(viewer(ctx), include_rejected)
            .await
            .or_gql(None)?;
        Ok(items.into_iter().map(QueueItemObject).collect())
    }

    /// Services in a place and funds covering it that are stale (not confirmed for 12 months) or
    /// will be within `withinDays`, most overdue first, with who to remind (moderators).
    async fn stale_listings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "GSS code of the place, e.g. a district.")] place: String,
        #[graphql(desc = "Also list those going stale within this many days (0 to 366).", default = 60)]
        within_days: i32,
    ) -> Result<Vec<StaleListingObject>> {
        let place = args::place_code("place", &place)?;
        let within_days = u32::try_from(within_days)
            .ok()
            .filter(|days| *days <= 366)
            .ok_or_else(|| super::error::bad_input("withinDays", "withinDays: 0 to 366"))?;
        let listings = ctx
            .data_unchecked::<Directory>()
            .stale_listings(viewer(ctx), &place, within_days)
            .await
            .or_gql(Some("place"))?;
        Ok(listings.into_iter().map(StaleListingObject).collect())
    }

    /// Every change to a listing, oldest first (its organisation's editors and moderators).
    async fn history(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The listing's id (any kind).")] id: ID,
    ) -> Result<Vec<AuditEntryObject>> {
        let id = args::uuid("id", &id)?;
        let entries = ctx
            .data_unchecked::<Directory>()
            .history(viewer(ctx), id)
            .await
            .or_gql(Some("id"))?;
        Ok(entries.into_iter().map(AuditEntryObject).collect())
    }

    /// Organisations already listed that may be the one about to be added: the same register
    /// number, or a very similar name at the same postcode.
    async fn likely_duplicate_organizations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new organisation's name.")] name: String,
        #[graphql(desc = "Its postcode.")] postcode: Option<String>,
        #[graphql(desc = "Its register numbers.")] organization_identifiers: Option<
            Vec<super::editing::OrganizationIdentifierInput>,
        >,
    ) -> Result<Vec<DuplicateCandidateObject>> {
        let identifiers: Vec<(String, String)> = organization_identifiers
            .unwrap_or_default()
            .into_iter()
            .map(|i| (i.identifier_scheme, i.identifier))
            .collect();
        let found = ctx
            .data_unchecked::<Directory>()
            .likely_duplicate_organizations(&name, postcode.as_deref(), &identifiers)
            .await
            .or_gql(None)?;
        Ok(found.into_iter().map(DuplicateCandidateObject).collect())
    }

    /// Every principal (admins).
    async fn principals(&self, ctx: &Context<'_>) -> Result<Vec<PrincipalObject>> {
        viewer(ctx).require_admin("list principals").or_gql(None)?;
        let principals = ctx.data_unchecked::<Directory>().principals().await.or_gql(None)?;
        Ok(principals.into_iter().map(PrincipalObject).collect())
    }

    /// A principal's tokens, newest first (admins).
    async fn tokens(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The principal's id.")] principal_id: ID,
    ) -> Result<Vec<TokenObject>> {
        viewer(ctx).require_admin("list tokens").or_gql(None)?;
        let id = args::uuid("principalId", &principal_id)?;
        let tokens = ctx
            .data_unchecked::<Directory>()
            .tokens_of(id)
            .await
            .or_gql(Some("principalId"))?;
        Ok(tokens.into_iter().map(TokenObject).collect())
    }
}

/// Mutations on principals and tokens (admins).
#[derive(Default)]
pub struct AccountMutation;

#[Object]
impl AccountMutation {
    /// Adds a principal and issues its first token (admins). The secret is shown once.
    async fn create_principal(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Name of the person or platform.")] name: String,
        #[graphql(desc = "Email address, for reminders.")] email: Option<String>,
        #[graphql(desc = "What they may do.")] role: Role,
        #[graphql(desc = "For editors: the organisation they edit for.")] organization_id: Option<ID>,
    ) -> Result<IssuedTokenPayload> {
        viewer(ctx).require_admin("create principals").or_gql(None)?;
        let organization_id = organization_id
            .as_ref()
            .map(|id| args::uuid("organizationId", id))
            .transpose()?;
        let email = email
            .filter(|raw| !raw.trim().is_empty())
            .map(|raw| indexer::domain::text::email("email", &raw))
            .transpose()
            .or_gql(None)?;
        let directory = ctx.data_unchecked::<Directory>();
        let principal = directory
            .create_principal(&name, email.as_deref(), role.into(), organization_id)
            .await
            .or_gql(Some("organizationId"))?;
        let token = directory.issue_token(principal.id).await.or_gql(None)?;
        Ok(issued(principal, token))
    }

    /// Issues another token for a principal (admins). The secret is shown once.
    async fn issue_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The principal's id.")] principal_id: ID,
    ) -> Result<IssuedTokenPayload> {
        viewer(ctx).require_admin("issue tokens").or_gql(None)?;
        let id = args::uuid("principalId", &principal_id)?;
        let directory = ctx.data_unchecked::<Directory>();
        let principal = directory
            .principal(id)
            .await
            .or_gql(None)?
            .ok_or_else(|| indexer::Error::not_found("principal", id.to_string()))
            .or_gql(Some("principalId"))?;
        let token = directory.issue_token(id).await.or_gql(Some("principalId"))?;
        Ok(issued(principal, token))
    }

    /// Revokes a token at once (admins).
    async fn revoke_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token's id.")] token_id: ID,
    ) -> Result<TokenObject> {
        viewer(ctx).require_admin("revoke tokens").or_gql(None)?;
        let id = args::uuid("tokenId", &token_id)?;
        let token = ctx
            .data_unchecked::<Directory>()
            .revoke_token(id)
            .await
            .or_gql(Some("tokenId"))?;
        Ok(TokenObject(token))
    }
}

/// A stored field name (`how_to_join`) as the GraphQL API spells it (`howToJoin`).
fn graphql_name(column: &str) -> String {
    let mut name = String::with_capacity(column.len());
    let mut upper = false;
    for c in column.chars() {
        if c == '_' {
            upper = !name.is_empty();
        } else if upper {
            name.extend(c.to_uppercase());
            upper = false;
        } else {
            name.push(c);
        }
    }
    name
}
