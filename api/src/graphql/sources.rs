//! Import sources: where a listing came from (`provenance` on services and organisations, for
//! everyone), and the sources themselves with their last run (admins), which admins register,
//! run and detach listings from.

use async_graphql::{Context, Enum, InputObject, Object, Result, SimpleObject, ID};
use chrono::{DateTime, Utc};
use indexer::imports::{ImportCounts, SourceKind, SourceSpec, Trust};
use indexer::store::imports::{Provenance, SourceStatus};
use indexer::Directory;

use super::args::{self, viewer};
use super::error::{bad_input, OrInternal};

/// The format an import source speaks.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ImportSourceKind {
    /// A live Open Referral UK 3.0 API.
    OrukApi,
    /// ORUK NDJSON: one full service a line (what `indexer export` writes).
    OrukNdjson,
    /// A saved ORUK `/services` page.
    OrukJsonPage,
    /// The ORUK tabular package: a folder with one CSV per table.
    OrukCsv,
    /// An OpenActive RPDE feed.
    Openactive,
    /// A spreadsheet saved as CSV, one row per service.
    Spreadsheet,
}

impl From<SourceKind> for ImportSourceKind {
    fn from(kind: SourceKind) -> Self {
        match kind {
            SourceKind::OrukApi => ImportSourceKind::OrukApi,
            SourceKind::OrukNdjson => ImportSourceKind::OrukNdjson,
            SourceKind::OrukJsonPage => ImportSourceKind::OrukJsonPage,
            SourceKind::OrukCsv => ImportSourceKind::OrukCsv,
            SourceKind::Openactive => ImportSourceKind::Openactive,
            SourceKind::Spreadsheet => ImportSourceKind::Spreadsheet,
        }
    }
}

impl From<ImportSourceKind> for SourceKind {
    fn from(kind: ImportSourceKind) -> Self {
        match kind {
            ImportSourceKind::OrukApi => SourceKind::OrukApi,
            ImportSourceKind::OrukNdjson => SourceKind::OrukNdjson,
            ImportSourceKind::OrukJsonPage => SourceKind::OrukJsonPage,
            ImportSourceKind::OrukCsv => SourceKind::OrukCsv,
            ImportSourceKind::Openactive => SourceKind::Openactive,
            ImportSourceKind::Spreadsheet => SourceKind::Spreadsheet,
        }
    }
}

/// Whether a source's new listings publish at once or wait for a moderator.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ImportTrust {
    /// New listings are published directly.
    Publish,
    /// New listings wait in the moderation queue.
    Moderate,
}

impl From<Trust> for ImportTrust {
    fn from(trust: Trust) -> Self {
        match trust {
            Trust::Publish => ImportTrust::Publish,
            Trust::Moderate => ImportTrust::Moderate,
        }
    }
}

/// Where a listing came from: the import source that brought it in and the source's own id.
pub struct ProvenanceObject(pub Provenance);

#[Object(name = "ListingProvenance")]
/// Where a listing came from: the import source that brought it in and the source's own id.
impl ProvenanceObject {
    /// The source's name in this directory, e.g. `norfolk-council-oruk`.
    async fn source_name(&self) -> &str {
        &self.0.source_name
    }
    /// The format the source speaks.
    async fn source_kind(&self) -> ImportSourceKind {
        self.0.source_kind.into()
    }
    /// The id the source gives the record (its ORUK service id, its RPDE item id, its row key).
    async fn source_record_id(&self) -> &str {
        &self.0.source_record_id
    }
    /// When the source was last read and still listed it.
    async fn last_read_at(&self) -> DateTime<Utc> {
        self.0.last_read_at
    }
    /// Whom to credit, and under which licence.
    async fn attribution(&self) -> Option<&str> {
        self.0.attribution.as_deref()
    }
    /// True when the source created the listing (and keeps it current); false when the source
    /// was linked to a listing the directory already held (a duplicate organisation).
    async fn created_by_source(&self) -> bool {
        self.0.created_by_source
    }
    /// When an admin detached it from the source (edited here from then on); null while the
    /// source keeps it.
    async fn detached_at(&self) -> Option<DateTime<Utc>> {
        self.0.detached_at
    }
}

/// A listing's provenance, for the `provenance` fields of services and organisations.
pub(crate) async fn provenance(ctx: &Context<'_>, id: uuid::Uuid) -> Result<Option<ProvenanceObject>> {
    Ok(ctx
        .data_unchecked::<Directory>()
        .provenance(id)
        .await
        .or_gql(None)?
        .map(ProvenanceObject))
}

/// Counts of what a run did.
#[derive(SimpleObject)]
pub struct ImportCountsObject {
    /// Listings created.
    pub created: u64,
    /// Listings whose content changed.
    pub updated: u64,
    /// Records exactly as read last time (nothing written).
    pub unchanged: u64,
    /// Listings archived because the source no longer lists them.
    pub archived: u64,
    /// Records not applied, each with a reason in `lastRunErrors`.
    pub rejected: u64,
}

impl From<ImportCounts> for ImportCountsObject {
    fn from(c: ImportCounts) -> Self {
        ImportCountsObject {
            created: c.created,
            updated: c.updated,
            unchanged: c.unchanged,
            archived: c.archived,
            rejected: c.rejected,
        }
    }
}

/// A registered import source with its last run (admins).
pub struct ImportSourceObject(pub SourceStatus);

#[Object(name = "ImportSource")]
/// A registered import source with its last run (admins).
impl ImportSourceObject {
    /// Stable UUID.
    async fn id(&self) -> ID {
        ID(self.0.source.id.to_string())
    }
    /// Unique name.
    async fn name(&self) -> &str {
        &self.0.source.name
    }
    /// The format it speaks.
    async fn kind(&self) -> ImportSourceKind {
        self.0.source.kind.into()
    }
    /// Where it is read from: a URL or a path on the server.
    async fn location(&self) -> &str {
        &self.0.source.location
    }
    /// Whether its new listings publish directly or wait for a moderator.
    async fn trust(&self) -> ImportTrust {
        self.0.source.trust.into()
    }
    /// Shown with every listing it brought in.
    async fn attribution(&self) -> Option<&str> {
        self.0.source.attribution.as_deref()
    }
    /// How often the server refreshes it, in minutes; null: only when run by hand.
    async fn refresh_minutes(&self) -> Option<i64> {
        self.0.refresh_minutes
    }
    /// When its last run started.
    async fn last_run_started_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_run_started_at
    }
    /// When its last run ended (null while running).
    async fn last_run_finished_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_run_finished_at
    }
    /// `running`, `succeeded` or `failed` (a failed run resumes where it stopped).
    async fn last_run_status(&self) -> Option<&str> {
        self.0.last_run_status.as_deref()
    }
    /// What the last run did.
    async fn last_run_counts(&self) -> Option<ImportCountsObject> {
        self.0.last_run_counts.map(Into::into)
    }
    /// The last run's first rejected records (with reason and field) and its failure, if any.
    async fn last_run_errors(&self) -> &[String] {
        &self.0.last_run_errors
    }
}

/// Registering an import source.
#[derive(InputObject)]
pub struct ImportSourceInput {
    /// Unique name (1 to 100 characters); registering an existing name changes that source.
    pub name: String,
    /// The format it speaks.
    pub kind: ImportSourceKind,
    /// A URL (APIs, feeds) or a path on the server (files).
    pub location: String,
    /// Whether new listings publish directly or wait for a moderator (default: moderate).
    pub trust: Option<ImportTrust>,
    /// Whom to credit, and under which licence.
    pub attribution: Option<String>,
    /// How often the server refreshes it, in minutes (null: only when run by hand).
    pub refresh_minutes: Option<i64>,
    /// Source settings as a JSON object, e.g. `{"per_page":50,"concurrency":2,"requests_per_second":2,"incremental":true}`.
    pub config: Option<String>,
}

/// Import sources (admins).
#[derive(Default)]
pub struct SourceQuery;

#[Object]
impl SourceQuery {
    /// Every registered import source with its last run, counts and errors (admins).
    async fn import_sources(&self, ctx: &Context<'_>) -> Result<Vec<ImportSourceObject>> {
        let sources = ctx
            .data_unchecked::<Directory>()
            .import_sources(viewer(ctx))
            .await
            .or_gql(None)?;
        Ok(sources.into_iter().map(ImportSourceObject).collect())
    }
}

/// Registering and running import sources, detaching listings (admins).
#[derive(Default)]
pub struct SourceMutation;

#[Object]
impl SourceMutation {
    /// Registers an import source, or changes the one of that name (admins).
    async fn register_import_source(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The source: its name, kind, location, trust and refresh interval.")] input: ImportSourceInput,
    ) -> Result<ImportSourceObject> {
        viewer(ctx).require_admin("register import sources").or_gql(None)?;
        let mut spec = SourceSpec::new(
            &input.name,
            input.kind.into(),
            &input.location,
            match input.trust.unwrap_or(ImportTrust::Moderate) {
                ImportTrust::Publish => Trust::Publish,
                ImportTrust::Moderate => Trust::Moderate,
            },
        );
        spec.attribution = input.attribution.filter(|a| !a.trim().is_empty());
        spec.refresh_minutes = input.refresh_minutes;
        if let Some(raw) = &input.config {
            let config: serde_json::Value = serde_json::from_str(raw)
                .map_err(|e| bad_input("input.config", format!("input.config: not JSON: {e}")))?;
            if !config.is_object() {
                return Err(bad_input("input.config", "input.config: must be a JSON object"));
            }
            spec.config = config;
        }
        let directory = ctx.data_unchecked::<Directory>();
        let source = directory.ensure_source(&spec).await.or_gql(None)?;
        let status = directory
            .import_source_status(&source.name)
            .await
            .or_gql(None)?
            .ok_or_else(|| indexer::Error::not_found("source", source.name.clone()))
            .or_gql(Some("name"))?;
        Ok(ImportSourceObject(status))
    }

    /// Runs a registered source once, now, and answers it with its last run (admins).
    async fn run_import_source(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The source's name.")] name: String,
    ) -> Result<ImportSourceObject> {
        viewer(ctx).require_admin("run import sources").or_gql(None)?;
        let directory = ctx.data_unchecked::<Directory>();
        let status = directory
            .import_source_status(&name)
            .await
            .or_gql(None)?
            .ok_or_else(|| indexer::Error::not_found("source", name.clone()))
            .or_gql(Some("name"))?;
        // A failed run is recorded on the source; the answer shows it.
        let _ = directory.run_import_source(&status, false, |_| {}, |_| {}).await;
        let status = directory
            .import_source_status(&name)
            .await
            .or_gql(None)?
            .ok_or_else(|| indexer::Error::not_found("source", name.clone()))
            .or_gql(Some("name"))?;
        Ok(ImportSourceObject(status))
    }

    /// Cuts a listing loose from the source that keeps it, so it can be edited here; the
    /// source's later changes to it are reported, not applied (admins).
    async fn detach_from_source(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The service's, organisation's or venue's id.")] id: ID,
    ) -> Result<bool> {
        let id = args::uuid("id", &id)?;
        ctx.data_unchecked::<Directory>()
            .detach_from_source(viewer(ctx), id)
            .await
            .or_gql(Some("id"))?;
        Ok(true)
    }
}
