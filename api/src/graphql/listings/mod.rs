//! Organisations, services, locations, schedules and funds.
//!
//! - this file: the enums and small objects they share, and organisations;
//! - [`service`]: services and the areas they serve;
//! - [`location`]: venues, schedules and their exceptions;
//! - [`fund`]: grants and funds;
//! - [`pages`]: the root fields (one listing by id, and list pages).

mod fund;
mod location;
mod pages;
mod service;

pub use fund::FundObject;
pub use location::{LocationObject, ScheduleExceptionObject, ScheduleObject};
pub use pages::ListingQuery;
pub use service::{ServiceAreaObject, ServiceObject};

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
