//! Organisations, services, locations, schedules and funds.
//!
//! The root fields (one listing by id, and list pages) are in [`pages`].

mod pages;

pub use pages::ListingQuery;

use async_graphql::{Context, Enum, Object, Result, SimpleObject, ID};
use chrono::{DateTime, NaiveDate, Utc};
use indexer::domain::{self, is_stale};
use indexer::Directory;

use super::args::viewer;
use super::error::OrInternal;
use super::needs::{ActivityConceptObject, NeedObject};
use super::places::PlaceObject;

/// Whether a service is running (HSDS `status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "indexer::domain::ServiceStatus")]
pub enum ServiceStatus {
    /// Running as listed.
    Active,
    /// Not currently running.
    Inactive,
    /// Closed for good.
    Defunct,
    /// Paused for a while; expected to resume.
    TemporarilyClosed,
}

/// How a service reaches people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "indexer::domain::DeliveryMode")]
pub enum DeliveryMode {
    /// At a venue or in the person's home.
    InPerson,
    /// By telephone.
    Phone,
    /// Online (video, web or app).
    Online,
}

/// An accessibility feature of a venue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "indexer::domain::AccessibilityFeature")]
pub enum AccessibilityFeature {
    /// Level or ramped access throughout, no steps.
    StepFree,
    /// A hearing loop is fitted.
    HearingLoop,
    /// An accessible toilet.
    AccessibleToilet,
    /// Parking on site or next to it.
    Parking,
    /// Seated options are offered (e.g. chair-based versions of exercises).
    SeatedOptions,
    /// Large-print materials.
    LargePrint,
    /// Wheelchair users can take part.
    WheelchairAccessible,
}

/// Who may apply to a fund.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "indexer::domain::ApplicantType")]
pub enum ApplicantType {
    /// Residents apply for themselves (often through a link worker).
    Individual,
    /// Community groups and organisations apply.
    Group,
}

/// Where a listing is in moderation. Only published listings are public; the others are seen by
/// their organisation's editors and by moderators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "indexer::domain::Publication")]
pub enum Publication {
    /// Public: in lists, search and signposting.
    Published,
    /// Added by an editor of an organisation that is not trusted; waiting for a moderator.
    PendingReview,
    /// A moderator turned it down (see `rejectionReason`); editing it sends it back for review.
    Rejected,
}

/// How often a schedule repeats (iCal FREQ).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "indexer::domain::Frequency")]
pub enum Frequency {
    /// Every `interval` weeks on the `byday` days.
    Weekly,
    /// Every `interval` months on the `byday` days (e.g. `1TU`, the first Tuesday).
    Monthly,
}

/// A day of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum DayOfWeek {
    /// Monday.
    Monday,
    /// Tuesday.
    Tuesday,
    /// Wednesday.
    Wednesday,
    /// Thursday.
    Thursday,
    /// Friday.
    Friday,
    /// Saturday.
    Saturday,
    /// Sunday.
    Sunday,
}

impl From<DayOfWeek> for chrono::Weekday {
    fn from(day: DayOfWeek) -> Self {
        match day {
            DayOfWeek::Monday => chrono::Weekday::Mon,
            DayOfWeek::Tuesday => chrono::Weekday::Tue,
            DayOfWeek::Wednesday => chrono::Weekday::Wed,
            DayOfWeek::Thursday => chrono::Weekday::Thu,
            DayOfWeek::Friday => chrono::Weekday::Fri,
            DayOfWeek::Saturday => chrono::Weekday::Sat,
            DayOfWeek::Sunday => chrono::Weekday::Sun,
        }
    }
}

impl From<chrono::Weekday> for DayOfWeek {
    fn from(day: chrono::Weekday) -> Self {
        match day {
            chrono::Weekday::Mon => DayOfWeek::Monday,
            chrono::Weekday::Tue => DayOfWeek::Tuesday,
            chrono::Weekday::Wed => DayOfWeek::Wednesday,
            chrono::Weekday::Thu => DayOfWeek::Thursday,
            chrono::Weekday::Fri => DayOfWeek::Friday,
            chrono::Weekday::Sat => DayOfWeek::Saturday,
            chrono::Weekday::Sun => DayOfWeek::Sunday,
        }
    }
}

/// An identifier of an organisation in an external register.
#[derive(SimpleObject)]
pub struct OrganizationIdentifier {
    /// Register prefix from org-id.guide, e.g. `GB-CHC` (Charity Commission) or `GB-COH` (Companies House).
    pub identifier_scheme: String,
    /// The identifier within that register.
    pub identifier: String,
}

/// A cost of taking part (HSDS `cost_option`).
#[derive(SimpleObject)]
pub struct CostOption {
    /// What the cost is for, e.g. `Per session`.
    pub option: String,
    /// The amount, if fixed.
    pub amount: Option<f64>,
    /// ISO 4217 currency code.
    pub currency: String,
    /// The cost in words, e.g. `£3 per session, first session free`.
    pub amount_description: Option<String>,
}

/// Someone to contact about a service.
#[derive(SimpleObject)]
pub struct Contact {
    /// The person's name.
    pub name: Option<String>,
    /// Their role.
    pub title: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// Telephone number.
    pub phone: Option<String>,
}

/// A VCFSE group, charity, council team or provider (HSDS `organization`).
pub struct OrganizationObject(pub domain::Organization);

#[Object(name = "Organization")]
/// A VCFSE group, charity, council team or provider (HSDS `organization`).
impl OrganizationObject {
    /// Stable UUID.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Public name.
    pub(crate) async fn name(&self) -> &str {
        &self.0.name
    }
    /// What kind of listing this is (`ORGANIZATION`).
    pub(crate) async fn kind(&self) -> super::search::AssetKind {
        super::search::AssetKind::Organization
    }
    /// What the organisation does.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Website.
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
    /// Charity, company and other register numbers (HSDS `organization_identifiers`).
    async fn organization_identifiers(&self) -> Vec<OrganizationIdentifier> {
        self.0
            .identifiers
            .iter()
            .map(|i| OrganizationIdentifier {
                identifier_scheme: i.identifier_scheme.clone(),
                identifier: i.identifier.clone(),
            })
            .collect()
    }
    /// True for invented example listings that ship with the seed data: not a real organisation.
    async fn is_example(&self) -> bool {
        self.0.is_example
    }
    /// Where this listing's data comes from and under which licence, for imported data.
    async fn attribution(&self) -> Option<&str> {
        self.0.attribution.as_deref()
    }
    /// The organisation's services, by name (for its editors and moderators, also those pending
    /// review, rejected or archived).
    async fn services(&self, ctx: &Context<'_>) -> Result<Vec<ServiceObject>> {
        let everything = viewer(ctx).can_edit(Some(self.0.id));
        let services = ctx
            .data_unchecked::<Directory>()
            .store()
            .services_of_organization(self.0.id, everything)
            .await
            .or_gql(None)?;
        Ok(services.into_iter().map(ServiceObject).collect())
    }
    /// Funds this organisation offers, by name (for its editors and moderators, also hidden ones).
    async fn funds(&self, ctx: &Context<'_>) -> Result<Vec<FundObject>> {
        let everything = viewer(ctx).can_edit(Some(self.0.id));
        let funds = ctx
            .data_unchecked::<Directory>()
            .store()
            .funds_of_organization(self.0.id, everything)
            .await
            .or_gql(None)?;
        Ok(funds.into_iter().map(FundObject).collect())
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
    /// Trusted organisations' new listings publish without waiting for a moderator.
    async fn trusted(&self) -> bool {
        self.0.trusted
    }
    /// The organisation's own postcode.
    async fn postcode(&self) -> Option<&str> {
        self.0.postcode.as_deref()
    }
    /// Where it came from when an import source brought it in (null: entered here).
    async fn provenance(&self, ctx: &Context<'_>) -> Result<Option<super::sources::ProvenanceObject>> {
        super::sources::provenance(ctx, self.0.id).await
    }
}

/// What people take part in or receive: a class, group, drop-in or advice line (HSDS `service`).
pub struct ServiceObject(pub domain::Service);

#[Object(name = "Service")]
/// What people take part in or receive: a class, group, drop-in or advice line (HSDS `service`).
impl ServiceObject {
    /// Where it came from when an import source brought it in (null: entered here), with the
    /// source's own id, when it was last read, and whom to credit.
    async fn provenance(&self, ctx: &Context<'_>) -> Result<Option<super::sources::ProvenanceObject>> {
        super::sources::provenance(ctx, self.0.id).await
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
    pub(crate) async fn kind(&self) -> super::search::AssetKind {
        super::search::AssetKind::Service
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
            .store()
            .locations_of_service(self.0.id)
            .await
            .or_gql(None)?;
        Ok(locations.into_iter().map(LocationObject).collect())
    }
    /// When it runs, per venue.
    async fn schedules(&self, ctx: &Context<'_>) -> Result<Vec<ScheduleObject>> {
        let schedules = ctx
            .data_unchecked::<Directory>()
            .store()
            .schedules_of_service(self.0.id)
            .await
            .or_gql(None)?;
        Ok(schedules.into_iter().map(ScheduleObject).collect())
    }
    /// Areas served without a venue nearby (e.g. a whole district by phone).
    async fn service_areas(&self, ctx: &Context<'_>) -> Result<Vec<ServiceAreaObject>> {
        let areas = ctx
            .data_unchecked::<Directory>()
            .store()
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

/// A venue (HSDS `location`, with its address and accessibility).
pub struct LocationObject(pub domain::Location);

#[Object(name = "Location")]
/// A venue (HSDS `location`, with its address and accessibility).
impl LocationObject {
    /// Stable UUID.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Name of the venue.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// First line of the address.
    #[graphql(name = "address1")]
    async fn address_1(&self) -> Option<&str> {
        self.0.address_1.as_deref()
    }
    /// Town or city.
    async fn city(&self) -> Option<&str> {
        self.0.city.as_deref()
    }
    /// Postcode, where known.
    async fn postcode(&self) -> Option<&str> {
        self.0.postcode.as_deref()
    }
    /// Latitude (WGS84).
    async fn latitude(&self) -> f64 {
        self.0.latitude
    }
    /// Longitude (WGS84).
    async fn longitude(&self) -> f64 {
        self.0.longitude
    }
    /// Accessibility features of the venue.
    async fn accessibility(&self) -> Vec<AccessibilityFeature> {
        self.0.accessibility.iter().map(|feature| (*feature).into()).collect()
    }
    /// True for invented example venues that ship with the seed data.
    async fn is_example(&self) -> bool {
        self.0.is_example
    }
    /// The organisation that added the venue and may change it (null: moderators only).
    async fn organization_id(&self) -> Option<ID> {
        self.0.organization_id.map(|id| ID(id.to_string()))
    }
    /// Revision number, increased by every change; send it with an update.
    async fn version(&self) -> i64 {
        self.0.version
    }
    /// When it was archived; null while it is in use.
    async fn archived_at(&self) -> Option<DateTime<Utc>> {
        self.0.archived_at
    }
    /// Every place containing the venue, largest first.
    async fn places(&self, ctx: &Context<'_>) -> Vec<PlaceObject> {
        let Ok(point) = domain::GeoPoint::new(self.0.latitude, self.0.longitude) else {
            return Vec::new();
        };
        ctx.data_unchecked::<Directory>()
            .places_at(point)
            .into_iter()
            .map(PlaceObject)
            .collect()
    }
}

/// When a service runs (HSDS `schedule`, iCal-like). Times are local (Europe/London).
pub struct ScheduleObject(pub domain::Schedule);

#[Object(name = "Schedule")]
/// When a service runs (HSDS `schedule`, iCal-like). Times are local (Europe/London).
impl ScheduleObject {
    /// Stable UUID.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// How often it repeats.
    async fn freq(&self) -> Frequency {
        self.0.freq.into()
    }
    /// Repeat every this many weeks or months.
    async fn interval(&self) -> i64 {
        self.0.interval
    }
    /// iCal BYDAY: `TU`, `MO,TH`, or with MONTHLY `1TU` (first Tuesday).
    async fn byday(&self) -> &str {
        &self.0.byday
    }
    /// Start time, `HH:MM`, Europe/London.
    async fn opens_at(&self) -> &str {
        &self.0.opens_at
    }
    /// End time, `HH:MM`, Europe/London.
    async fn closes_at(&self) -> &str {
        &self.0.closes_at
    }
    /// First date the schedule applies.
    async fn valid_from(&self) -> Option<NaiveDate> {
        self.0.valid_from
    }
    /// Last date the schedule applies.
    async fn valid_to(&self) -> Option<NaiveDate> {
        self.0.valid_to
    }
    /// The schedule in words.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Dates it does not run (holiday closures, one-off cancellations), in date order; next
    /// sessions, signposting and the OpenActive feeds (`exceptDate`) skip them.
    async fn exceptions(&self) -> Vec<ScheduleExceptionObject> {
        self.0.exceptions.iter().cloned().map(ScheduleExceptionObject).collect()
    }
    /// The next sessions from now, soonest first, in Europe/London time: on the schedule's
    /// days, inside its validity and not on an exception date.
    async fn next_sessions(
        &self,
        #[graphql(desc = "How many sessions, 1 to 20 (default 3).", default = 3)] first: i32,
    ) -> Result<Vec<super::search::SessionTime>> {
        if !(1..=20).contains(&first) {
            return Err(super::error::bad_input("first", "must be 1 to 20"));
        }
        let count = usize::try_from(first).unwrap_or(3);
        Ok(self
            .0
            .next_sessions(Utc::now(), count)
            .into_iter()
            .map(Into::into)
            .collect())
    }
    /// Revision number, increased by every change; send it with an update.
    async fn version(&self) -> i64 {
        self.0.version
    }
    /// When it was archived; null while it is in use.
    async fn archived_at(&self) -> Option<DateTime<Utc>> {
        self.0.archived_at
    }
    /// The venue this schedule is for, if it is for one.
    async fn location(&self, ctx: &Context<'_>) -> Result<Option<LocationObject>> {
        let Some(id) = self.0.location_id else { return Ok(None) };
        let location = ctx
            .data_unchecked::<Directory>()
            .store()
            .location(id)
            .await
            .or_gql(None)?;
        Ok(location.map(LocationObject))
    }
}

/// A date a schedule does not run: a holiday closure or a one-off cancellation.
pub struct ScheduleExceptionObject(pub domain::ScheduleException);

#[Object(name = "ScheduleException")]
/// A date a schedule does not run: a holiday closure or a one-off cancellation.
impl ScheduleExceptionObject {
    /// The local (Europe/London) date with no session.
    async fn date(&self) -> NaiveDate {
        self.0.date
    }
    /// Why there is no session (e.g. `Christmas closure`), when the organisation said.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
}

/// A grant or fund that residents or groups can apply to.
pub struct FundObject(pub domain::Fund);

#[Object(name = "Fund")]
/// A grant or fund that residents or groups can apply to.
impl FundObject {
    /// Stable UUID.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Public name.
    pub(crate) async fn name(&self) -> &str {
        &self.0.name
    }
    /// What kind of listing this is (`FUND`).
    pub(crate) async fn kind(&self) -> super::search::AssetKind {
        super::search::AssetKind::Fund
    }
    /// What the fund pays for.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Who funds it.
    async fn funder_name(&self) -> &str {
        &self.0.funder_name
    }
    /// The funder, when it is an organisation in the directory.
    async fn funder(&self, ctx: &Context<'_>) -> Result<Option<OrganizationObject>> {
        let Some(id) = self.0.funder_organization_id else {
            return Ok(None);
        };
        let organization = ctx.data_unchecked::<Directory>().organization(viewer(ctx), id).await;
        Ok(organization.ok().map(OrganizationObject))
    }
    /// Who may apply.
    async fn applicant_type(&self) -> ApplicantType {
        self.0.applicant_type.into()
    }
    /// Needs the fund helps with.
    async fn needs(&self) -> Vec<NeedObject> {
        self.0.needs.iter().map(|code| NeedObject(code.need())).collect()
    }
    /// Smallest award.
    async fn minimum_amount(&self) -> Option<f64> {
        self.0.minimum_amount
    }
    /// Largest award.
    async fn maximum_amount(&self) -> Option<f64> {
        self.0.maximum_amount
    }
    /// ISO 4217 currency code.
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    /// Youngest applicant age, for funds for individuals.
    async fn minimum_age(&self) -> Option<i64> {
        self.0.minimum_age
    }
    /// Oldest applicant age, for funds for individuals.
    async fn maximum_age(&self) -> Option<i64> {
        self.0.maximum_age
    }
    /// Who is eligible, in words.
    async fn eligibility_description(&self) -> Option<&str> {
        self.0.eligibility_description.as_deref()
    }
    /// Places whose residents or groups may apply (360Giving `beneficiaryLocation`).
    async fn beneficiary_locations(&self, ctx: &Context<'_>) -> Vec<PlaceObject> {
        let places = ctx.data_unchecked::<Directory>().places();
        self.0
            .beneficiary_locations
            .iter()
            .filter_map(|code| places.get(code))
            .cloned()
            .map(PlaceObject)
            .collect()
    }
    /// First day applications are accepted.
    async fn opens_on(&self) -> Option<NaiveDate> {
        self.0.opens_on
    }
    /// Last day applications are accepted (none: rolling).
    async fn closes_on(&self) -> Option<NaiveDate> {
        self.0.closes_on
    }
    /// Open for applications today.
    async fn is_open(&self) -> bool {
        self.0.is_open_on(Utc::now().date_naive())
    }
    /// How to apply.
    async fn how_to_apply(&self) -> Option<&str> {
        self.0.how_to_apply.as_deref()
    }
    /// Web page with details and the application form.
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }
    /// True for invented example funds that ship with the seed data: not a real fund.
    async fn is_example(&self) -> bool {
        self.0.is_example
    }
    /// When the record last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// When a person last confirmed the listing is accurate.
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
