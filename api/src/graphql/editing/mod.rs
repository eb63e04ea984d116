//! Mutations: organisations keep their own listings current; moderators review them.
//!
//! Every mutation needs a bearer token (`FORBIDDEN` without one). Updates, archive and restore
//! carry the `version` they were based on (`CONFLICT` if it moved on). Inputs are sanitised to
//! plain text and validated; a wrong field is `BAD_USER_INPUT` naming it (`input.phone`).
//!
//! The input objects are in [`inputs`].

mod inputs;

pub use inputs::{
    ContactInput, CostOptionInput, FundInput, LocationInput, OrganizationIdentifierInput, OrganizationInput,
    ScheduleExceptionInput, ScheduleInput, ServiceAreaInput, ServiceInput,
};

use async_graphql::{Context, InputObject, MaybeUndefined, Object, Result, SimpleObject, Union, ID};
use chrono::NaiveDate;
use indexer::editing::{input as engine, Edited, ResourceKind};
use indexer::{domain, Directory};
use uuid::Uuid;

use super::args::{self, viewer};
use super::error::OrInternal;
use super::listings::{
    AccessibilityFeature, ApplicantType, DeliveryMode, FundObject, LocationObject, OrganizationObject, ScheduleObject,
    ServiceObject, ServiceStatus,
};
use super::moderation::DuplicateCandidateObject;

/// Any kind of listing.
#[derive(Union)]
pub enum Listing {
    /// An organisation.
    Organization(OrganizationObject),
    /// A service.
    Service(ServiceObject),
    /// A venue.
    Location(LocationObject),
    /// A schedule.
    Schedule(ScheduleObject),
    /// A fund.
    Fund(FundObject),
}

/// A new organisation, with organisations already listed that may be the same one.
#[derive(SimpleObject)]
pub struct CreateOrganizationPayload {
    /// The organisation created.
    pub organization: OrganizationObject,
    /// Organisations with the same register number, or a very similar name at the same
    /// postcode: check these are not the same organisation before adding its listings.
    pub likely_duplicates: Vec<DuplicateCandidateObject>,
}

/// Loads a listing after a change, as the viewer may see it.
async fn load(ctx: &Context<'_>, edited: Edited) -> Result<Listing> {
    let directory = ctx.data_unchecked::<Directory>();
    let viewer = viewer(ctx);
    let missing = || indexer::Error::not_found("listing", edited.id.to_string());
    Ok(match edited.kind {
        ResourceKind::Organization => Listing::Organization(OrganizationObject(
            directory.organization(viewer, edited.id).await.or_gql(None)?,
        )),
        ResourceKind::Service => {
            Listing::Service(ServiceObject(directory.service(viewer, edited.id).await.or_gql(None)?))
        }
        ResourceKind::Fund => Listing::Fund(FundObject(directory.fund(viewer, edited.id).await.or_gql(None)?)),
        ResourceKind::Location => Listing::Location(LocationObject(
            directory
                .location(edited.id)
                .await
                .or_gql(None)?
                .ok_or_else(missing)
                .or_gql(None)?,
        )),
        ResourceKind::Schedule => Listing::Schedule(ScheduleObject(
            directory
                .schedule(edited.id)
                .await
                .or_gql(None)?
                .ok_or_else(missing)
                .or_gql(None)?,
        )),
    })
}

macro_rules! loaded {
    ($ctx:expr, $edited:expr, $variant:ident) => {
        match load($ctx, $edited).await? {
            Listing::$variant(object) => Ok(object),
            _ => Err(async_graphql::Error::new("internal error: listing changed kind")),
        }
    };
}

fn optional_id(field: &str, id: Option<ID>) -> Result<Option<Uuid>> {
    id.as_ref().map(|id| args::uuid(field, id)).transpose()
}

/// Mutations on listings.
#[derive(Default)]
pub struct EditingMutation;

#[Object]
impl EditingMutation {
    /// Creates an organisation (moderators). Also returns organisations that may be the same one.
    async fn create_organization(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organisation's details; `name` and `description` are required.")]
        input: OrganizationInput,
    ) -> Result<CreateOrganizationPayload> {
        let directory = ctx.data_unchecked::<Directory>();
        let (edited, duplicates) = directory
            .create_organization(viewer(ctx), &input.into())
            .await
            .or_gql(None)?;
        Ok(CreateOrganizationPayload {
            organization: loaded!(ctx, edited, Organization)?,
            likely_duplicates: duplicates.into_iter().map(DuplicateCandidateObject).collect(),
        })
    }

    /// Updates an organisation (its editors and moderators).
    async fn update_organization(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organisation's id.")] id: ID,
        #[graphql(desc = "The `version` the edit is based on; `CONFLICT` if it has changed since.")] version: i64,
        #[graphql(desc = "The fields to change.")] input: OrganizationInput,
    ) -> Result<OrganizationObject> {
        let id = args::uuid("id", &id)?;
        let edited = ctx
            .data_unchecked::<Directory>()
            .update_organization(viewer(ctx), id, version, &input.into())
            .await
            .or_gql(Some("id"))?;
        loaded!(ctx, edited, Organization)
    }

    /// Adds a service to an organisation. An editor's new service waits for a moderator unless
    /// the organisation is trusted.
    async fn create_service(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organisation that runs it.")] organization_id: ID,
        #[graphql(desc = "The service's details; `name`, `description` and `needs` are required.")] input: ServiceInput,
    ) -> Result<ServiceObject> {
        let organization_id = args::uuid("organizationId", &organization_id)?;
        let edited = ctx
            .data_unchecked::<Directory>()
            .create_service(viewer(ctx), organization_id, &input.into_engine()?)
            .await
            .or_gql(Some("organizationId"))?;
        loaded!(ctx, edited, Service)
    }

    /// Updates a service.
    async fn update_service(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The service's id.")] id: ID,
        #[graphql(desc = "The `version` the edit is based on; `CONFLICT` if it has changed since.")] version: i64,
        #[graphql(desc = "The fields to change.")] input: ServiceInput,
    ) -> Result<ServiceObject> {
        let id = args::uuid("id", &id)?;
        let edited = ctx
            .data_unchecked::<Directory>()
            .update_service(viewer(ctx), id, version, &input.into_engine()?)
            .await
            .or_gql(Some("id"))?;
        loaded!(ctx, edited, Service)
    }

    /// Adds a venue, owned by an organisation (editors: their own), or by nobody (moderators).
    async fn create_location(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organisation adding the venue (required for editors).")] organization_id: Option<ID>,
        #[graphql(desc = "The venue's details; `name`, and a postcode or coordinates, are required.")]
        input: LocationInput,
    ) -> Result<LocationObject> {
        let organization_id = optional_id("organizationId", organization_id)?;
        let edited = ctx
            .data_unchecked::<Directory>()
            .create_location(viewer(ctx), organization_id, &input.into())
            .await
            .or_gql(Some("organizationId"))?;
        loaded!(ctx, edited, Location)
    }

    /// Updates a venue; every service held there is updated in search.
    async fn update_location(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The venue's id.")] id: ID,
        #[graphql(desc = "The `version` the edit is based on; `CONFLICT` if it has changed since.")] version: i64,
        #[graphql(desc = "The fields to change.")] input: LocationInput,
    ) -> Result<LocationObject> {
        let id = args::uuid("id", &id)?;
        let edited = ctx
            .data_unchecked::<Directory>()
            .update_location(viewer(ctx), id, version, &input.into())
            .await
            .or_gql(Some("id"))?;
        loaded!(ctx, edited, Location)
    }

    /// Adds a schedule to a service.
    async fn create_schedule(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The service it is for.")] service_id: ID,
        #[graphql(desc = "When it runs; `byday`, `opensAt` and `closesAt` are required.")] input: ScheduleInput,
    ) -> Result<ScheduleObject> {
        let service_id = args::uuid("serviceId", &service_id)?;
        let edited = ctx
            .data_unchecked::<Directory>()
            .create_schedule(viewer(ctx), service_id, &input.into_engine()?)
            .await
            .or_gql(Some("serviceId"))?;
        loaded!(ctx, edited, Schedule)
    }

    /// Updates a schedule.
    async fn update_schedule(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The schedule's id.")] id: ID,
        #[graphql(desc = "The `version` the edit is based on; `CONFLICT` if it has changed since.")] version: i64,
        #[graphql(desc = "The fields to change.")] input: ScheduleInput,
    ) -> Result<ScheduleObject> {
        let id = args::uuid("id", &id)?;
        let edited = ctx
            .data_unchecked::<Directory>()
            .update_schedule(viewer(ctx), id, version, &input.into_engine()?)
            .await
            .or_gql(Some("id"))?;
        loaded!(ctx, edited, Schedule)
    }

    /// Adds a fund, offered by an organisation (editors: their own) or by a funder outside the
    /// directory (moderators).
    async fn create_fund(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organisation offering the fund (required for editors).")] funder_organization_id: Option<
            ID,
        >,
        #[graphql(desc = "The fund's details; `name`, `description` and `needs` are required.")] input: FundInput,
    ) -> Result<FundObject> {
        let funder = optional_id("funderOrganizationId", funder_organization_id)?;
        let edited = ctx
            .data_unchecked::<Directory>()
            .create_fund(viewer(ctx), funder, &input.into())
            .await
            .or_gql(Some("funderOrganizationId"))?;
        loaded!(ctx, edited, Fund)
    }

    /// Updates a fund.
    async fn update_fund(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fund's id.")] id: ID,
        #[graphql(desc = "The `version` the edit is based on; `CONFLICT` if it has changed since.")] version: i64,
        #[graphql(desc = "The fields to change.")] input: FundInput,
    ) -> Result<FundObject> {
        let id = args::uuid("id", &id)?;
        let edited = ctx
            .data_unchecked::<Directory>()
            .update_fund(viewer(ctx), id, version, &input.into())
            .await
            .or_gql(Some("id"))?;
        loaded!(ctx, edited, Fund)
    }

    /// Archives any listing: hidden from the public, search and signposting, never deleted.
    async fn archive(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The listing's id.")] id: ID,
        #[graphql(desc = "The `version` the change is based on.")] version: i64,
    ) -> Result<Listing> {
        let id = args::uuid("id", &id)?;
        let edited = ctx
            .data_unchecked::<Directory>()
            .archive(viewer(ctx), id, version)
            .await
            .or_gql(Some("id"))?;
        load(ctx, edited).await
    }

    /// Restores an archived listing exactly as it was.
    async fn restore(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The listing's id.")] id: ID,
        #[graphql(desc = "The `version` the change is based on.")] version: i64,
    ) -> Result<Listing> {
        let id = args::uuid("id", &id)?;
        let edited = ctx
            .data_unchecked::<Directory>()
            .restore(viewer(ctx), id, version)
            .await
            .or_gql(Some("id"))?;
        load(ctx, edited).await
    }

    /// "Still accurate": records that a person checked the organisation, service or fund today
    /// (`lastReviewedAt`), which keeps it from going stale. Needs no version.
    async fn mark_reviewed(&self, ctx: &Context<'_>, #[graphql(desc = "The listing's id.")] id: ID) -> Result<Listing> {
        let id = args::uuid("id", &id)?;
        let edited = ctx
            .data_unchecked::<Directory>()
            .mark_reviewed(viewer(ctx), id)
            .await
            .or_gql(Some("id"))?;
        load(ctx, edited).await
    }

    /// Publishes a listing waiting for review (moderators).
    async fn approve(&self, ctx: &Context<'_>, #[graphql(desc = "The listing's id.")] id: ID) -> Result<Listing> {
        let id = args::uuid("id", &id)?;
        let edited = ctx
            .data_unchecked::<Directory>()
            .approve(viewer(ctx), id)
            .await
            .or_gql(Some("id"))?;
        load(ctx, edited).await
    }

    /// Turns a listing down with a reason its editors can read (moderators).
    async fn reject(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The listing's id.")] id: ID,
        #[graphql(desc = "Why, in words the organisation can act on.")] reason: String,
    ) -> Result<Listing> {
        let id = args::uuid("id", &id)?;
        let edited = ctx
            .data_unchecked::<Directory>()
            .reject(viewer(ctx), id, &reason)
            .await
            .or_gql(Some("id"))?;
        load(ctx, edited).await
    }

    /// Marks an organisation trusted, so its new listings publish directly, or untrusted
    /// (moderators).
    async fn set_trusted(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organisation's id.")] organization_id: ID,
        #[graphql(desc = "Trusted or not.")] trusted: bool,
    ) -> Result<OrganizationObject> {
        let id = args::uuid("organizationId", &organization_id)?;
        let edited = ctx
            .data_unchecked::<Directory>()
            .set_trusted(viewer(ctx), id, trusted)
            .await
            .or_gql(Some("organizationId"))?;
        loaded!(ctx, edited, Organization)
    }
}
