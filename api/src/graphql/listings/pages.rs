//! Root fields for listings: one by id, and list pages by name. List pages come from the
//! search index (`Directory::services_by_name`, `Directory::organizations_by_name`), and count
//! every match only when `totalCount` is selected.

use async_graphql::{Context, Object, Result, ID};
use chrono::Utc;
use indexer::Directory;

use super::super::args::{self, viewer};
use super::super::connection::{connection, decode_cursor, OrganizationConnection, ServiceConnection};
use super::super::error::OrInternal;
use super::{FundObject, OrganizationObject, ServiceObject};

/// Whether the selection asks for `totalCount` (counting is the dearer half of a page).
fn wants_total_count(ctx: &Context<'_>) -> bool {
    ctx.look_ahead().field("totalCount").exists()
}

/// Root fields for listings.
#[derive(Default)]
pub struct ListingQuery;

#[Object]
impl ListingQuery {
    /// One organisation by id; `NOT_FOUND` if there is none.
    async fn organization(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organisation's UUID.")] id: ID,
    ) -> Result<OrganizationObject> {
        let id = args::uuid("id", &id)?;
        ctx.data_unchecked::<Directory>()
            .organization(viewer(ctx), id)
            .await
            .map(OrganizationObject)
            .or_gql(Some("id"))
    }

    /// Organisations by name, a page at a time.
    async fn organizations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts (`pageInfo.endCursor` of the previous page).")]
        after: Option<String>,
    ) -> Result<OrganizationConnection> {
        let first = args::page_size(first)?;
        let after = after.as_deref().map(decode_cursor).transpose()?;
        let page = ctx
            .data_unchecked::<Directory>()
            .organizations_by_name(first, after.as_ref(), wants_total_count(ctx))
            .await
            .or_gql(None)?;
        Ok(connection(
            page,
            after.is_some(),
            |o| (o.name.as_str(), o.id),
            OrganizationObject,
        ))
    }

    /// One service by id; `NOT_FOUND` if there is none.
    async fn service(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The service's UUID.")] id: ID,
    ) -> Result<ServiceObject> {
        let id = args::uuid("id", &id)?;
        ctx.data_unchecked::<Directory>()
            .service(viewer(ctx), id)
            .await
            .map(ServiceObject)
            .or_gql(Some("id"))
    }

    /// Services by name, a page at a time, optionally for one need and/or in one place. A
    /// service is in a place when one of its venues is inside it or it serves an area that
    /// overlaps it (e.g. a county-wide phone line is in every district).
    async fn services(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "GSS code of a place (county, district, ward, MSOA or LSOA).")] place: Option<String>,
        #[graphql(desc = "Need code, e.g. `strength-and-balance` (see `needs`).")] need: Option<String>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor after which the page starts (`pageInfo.endCursor` of the previous page).")]
        after: Option<String>,
    ) -> Result<ServiceConnection> {
        let place = place.as_deref().map(|raw| args::place_code("place", raw)).transpose()?;
        let need = need.as_deref().map(|raw| args::need_code("need", raw)).transpose()?;
        let first = args::page_size(first)?;
        let after = after.as_deref().map(decode_cursor).transpose()?;
        let page = ctx
            .data_unchecked::<Directory>()
            .services_by_name(place.as_ref(), need, first, after.as_ref(), wants_total_count(ctx))
            .await
            .or_gql(Some("place"))?;
        Ok(connection(
            page,
            after.is_some(),
            |s| (s.name.as_str(), s.id),
            ServiceObject,
        ))
    }

    /// One fund by id; `NOT_FOUND` if there is none.
    async fn fund(&self, ctx: &Context<'_>, #[graphql(desc = "The fund's UUID.")] id: ID) -> Result<FundObject> {
        let id = args::uuid("id", &id)?;
        ctx.data_unchecked::<Directory>()
            .fund(viewer(ctx), id)
            .await
            .map(FundObject)
            .or_gql(Some("id"))
    }

    /// Funds by name, optionally for one need, covering one place, and open today.
    async fn funds(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "GSS code of a place; funds whose beneficiary area overlaps it.")] place: Option<String>,
        #[graphql(desc = "Need code, e.g. `money-advice`.")] need: Option<String>,
        #[graphql(desc = "Only funds open for applications today.")] open_now: Option<bool>,
    ) -> Result<Vec<FundObject>> {
        let place = place.as_deref().map(|raw| args::place_code("place", raw)).transpose()?;
        let need = need.as_deref().map(|raw| args::need_code("need", raw)).transpose()?;
        let mut funds = ctx
            .data_unchecked::<Directory>()
            .funds(place.as_ref(), need)
            .await
            .or_gql(Some("place"))?;
        if open_now == Some(true) {
            let today = Utc::now().date_naive();
            funds.retain(|fund| fund.is_open_on(today));
        }
        Ok(funds.into_iter().map(FundObject).collect())
    }
}
