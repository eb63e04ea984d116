//! Grants and funds residents or groups can apply to.

use super::*;

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
    pub(crate) async fn kind(&self) -> super::super::search::AssetKind {
        super::super::search::AssetKind::Fund
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
