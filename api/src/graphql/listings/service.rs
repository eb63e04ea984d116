//! Services (HSDS `service`) and the areas they serve.

use super::*;

/// What people take part in or receive: a class, group, drop-in or advice line (HSDS `service`).
pub struct ServiceObject(pub domain::Service);

#[Object(name = "Service")]
/// What people take part in or receive: a class, group, drop-in or advice line (HSDS `service`).
impl ServiceObject {
    /// Where it came from when an import source brought it in (null: entered here), with the
    /// source's own id, when it was last read, and whom to credit.
    async fn provenance(&self, ctx: &Context<'_>) -> Result<Option<super::super::sources::ProvenanceObject>> {
        super::super::sources::provenance(ctx, self.0.id).await
    }
    /// Stable UUID.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Public name.
    pub(crate) async fn name(&self) -> &str {
        &self.0.name
    }
    /// What kind of listing this is (`SERVICE`).
    pub(crate) async fn kind(&self) -> super::super::search::AssetKind {
        super::super::search::AssetKind::Service
    }
    /// What happens, who it is for and what to expect.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Web page.
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }
    /// Email address.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// Telephone number.
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    /// Whether it is running.
    async fn status(&self) -> ServiceStatus {
        self.0.status.into()
    }
    /// Youngest age eligible, in years.
    async fn minimum_age(&self) -> Option<i64> {
        self.0.minimum_age
    }
    /// Oldest age eligible, in years.
    async fn maximum_age(&self) -> Option<i64> {
        self.0.maximum_age
    }
    /// Who can take part, in words.
    async fn eligibility_description(&self) -> Option<&str> {
        self.0.eligibility_description.as_deref()
    }
    /// How the service reaches people.
    async fn delivery_modes(&self) -> Vec<DeliveryMode> {
        self.0.delivery_modes.iter().map(|mode| (*mode).into()).collect()
    }
    /// Whether taking part is free: `true` free, `false` it costs something (see `costOptions`),
    /// `null` the organisation has not said (treat as unknown, not as free).
    async fn free(&self) -> Option<bool> {
        self.0.free
    }
    /// Costs of taking part (empty when free).
    async fn cost_options(&self) -> Vec<CostOption> {
        self.0
            .cost_options
            .iter()
            .map(|c| CostOption {
                option: c.option.clone(),
                amount: c.amount,
                currency: c.currency.clone(),
                amount_description: c.amount_description.clone(),
            })
            .collect()
    }
    /// Languages the service is offered in, as BCP 47 tags with ISO 639 primary codes (`en`,
    /// `pl`, `en-GB`, `bfi` for British Sign Language). Listings saved before tags were required
    /// may still hold English names.
    async fn languages(&self) -> &[String] {
        &self.0.languages
    }
    /// People to contact.
    async fn contacts(&self) -> Vec<Contact> {
        self.0
            .contacts
            .iter()
            .map(|c| Contact {
                name: c.name.clone(),
                title: c.title.clone(),
                email: c.email.clone(),
                phone: c.phone.clone(),
            })
            .collect()
    }
    /// How to join or be referred.
    async fn how_to_join(&self) -> Option<&str> {
        self.0.how_to_join.as_deref()
    }
    /// The needs this service meets; the first is its main one.
    async fn needs(&self) -> Vec<NeedObject> {
        self.0.needs.iter().map(|code| NeedObject(code.need())).collect()
    }
    /// OpenActive Activity List concepts the service offers.
    async fn activity_concepts(&self) -> Vec<ActivityConceptObject> {
        self.0
            .activity_concepts
            .iter()
            .map(|a| ActivityConceptObject {
                id: a.id.clone(),
                pref_label: a.pref_label.clone(),
            })
            .collect()
    }
    /// The organisation that runs it.
    async fn organization(&self, ctx: &Context<'_>) -> Result<OrganizationObject> {
        ctx.data_unchecked::<Directory>()
            .organization(viewer(ctx), self.0.organization_id)
            .await
            .map(OrganizationObject)
            .or_gql(None)
    }
    /// Venues where it takes place (HSDS `service_at_location`), by name.
    async fn locations(&self, ctx: &Context<'_>) -> Result<Vec<LocationObject>> {
        let locations = ctx
            .data_unchecked::<Directory>()
            .locations_of_service(self.0.id)
            .await
            .or_gql(None)?;
        Ok(locations.into_iter().map(LocationObject).collect())
    }
    /// When it runs, per venue.
    async fn schedules(&self, ctx: &Context<'_>) -> Result<Vec<ScheduleObject>> {
        let schedules = ctx
            .data_unchecked::<Directory>()
            .schedules_of_service(self.0.id)
            .await
            .or_gql(None)?;
        Ok(schedules.into_iter().map(ScheduleObject).collect())
    }
    /// Areas served without a venue nearby (e.g. a whole district by phone).
    async fn service_areas(&self, ctx: &Context<'_>) -> Result<Vec<ServiceAreaObject>> {
        let areas = ctx
            .data_unchecked::<Directory>()
            .service_areas(self.0.id)
            .await
            .or_gql(None)?;
        Ok(areas.into_iter().map(ServiceAreaObject).collect())
    }
    /// True for invented example listings that ship with the seed data: not a real service.
    async fn is_example(&self) -> bool {
        self.0.is_example
    }
    /// Where this listing's data comes from and under which licence, for imported data.
    async fn attribution(&self) -> Option<&str> {
        self.0.attribution.as_deref()
    }
    /// When the record was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the record last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// When a person last confirmed the listing is accurate (not the same as `updatedAt`).
    async fn last_reviewed_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_reviewed_at
    }
    /// Not confirmed by a person for 12 months or more.
    async fn stale(&self) -> bool {
        is_stale(self.0.last_reviewed_at, Utc::now())
    }
    /// Revision number, increased by every change; send it with an update.
    async fn version(&self) -> i64 {
        self.0.version
    }
    /// Where the listing is in moderation.
    async fn publication(&self) -> Publication {
        self.0.state.publication.into()
    }
    /// Why a moderator rejected it.
    async fn rejection_reason(&self) -> Option<&str> {
        self.0.state.rejection_reason.as_deref()
    }
    /// When it was archived (hidden, not deleted); null while it is live.
    async fn archived_at(&self) -> Option<DateTime<Utc>> {
        self.0.state.archived_at
    }
}

/// An area a service serves without needing a venue nearby.
pub struct ServiceAreaObject(pub domain::ServiceArea);

#[Object(name = "ServiceArea")]
/// An area a service serves without needing a venue nearby.
impl ServiceAreaObject {
    /// The place served.
    async fn place(&self, ctx: &Context<'_>) -> Option<PlaceObject> {
        ctx.data_unchecked::<Directory>()
            .places()
            .get(&self.0.place_code)
            .cloned()
            .map(PlaceObject)
    }
    /// GSS code of the place served.
    async fn place_code(&self) -> &str {
        self.0.place_code.as_str()
    }
    /// The area in words, e.g. `All of Breckland by phone`.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
}
