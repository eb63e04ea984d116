//! What every source yields, whatever its format: source-neutral records in the directory's own
//! domain types, and the report the apply path gives back for each.
//!
//! A source module (ORUK, OpenActive, spreadsheet) parses its input into [`ImportItem`]s:
//! a [`ImportedListing`] (one service with its organisation, venues and schedules), an
//! [`ImportedRemoval`] (the source no longer lists a record), or a [`RejectedRecord`] (a record
//! that could not be parsed, reported with its reason and never applied). The apply path
//! ([`crate::Directory::apply_import`]) turns a batch of them into listings and answers one
//! [`RecordReport`] per item.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::{
    AccessibilityFeature, ActivityRef, Contact, CostOption, DeliveryMode, Frequency, NeedCode, OrganizationIdentifier,
    ScheduleException, ServiceArea, ServiceStatus,
};
use crate::error::ParseError;

/// The format a source speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// A live Open Referral UK 3.0 API (`/`, `/services`, `/services/{id}`).
    OrukApi,
    /// ORUK NDJSON: one full `/services/{id}` document a line (what `indexer export` writes).
    OrukNdjson,
    /// A saved ORUK `/services` page (`{"contents": [...]}`) or a JSON array of services.
    OrukJsonPage,
    /// The ORUK / HSDS tabular package: one CSV per table (`services.csv`, `organizations.csv`...).
    OrukCsv,
    /// An OpenActive RPDE feed (or the feeds of a dataset site).
    Openactive,
    /// A spreadsheet saved as CSV, one row per service.
    Spreadsheet,
}

impl SourceKind {
    pub const ALL: [SourceKind; 6] = [
        SourceKind::OrukApi,
        SourceKind::OrukNdjson,
        SourceKind::OrukJsonPage,
        SourceKind::OrukCsv,
        SourceKind::Openactive,
        SourceKind::Spreadsheet,
    ];

    /// The stored name, e.g. `oruk_api`.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::OrukApi => "oruk_api",
            SourceKind::OrukNdjson => "oruk_ndjson",
            SourceKind::OrukJsonPage => "oruk_json_page",
            SourceKind::OrukCsv => "oruk_csv",
            SourceKind::Openactive => "openactive",
            SourceKind::Spreadsheet => "spreadsheet",
        }
    }

    /// Parses a stored or typed name (`oruk_api`, `oruk-api` and `ORUK API` alike).
    pub fn parse(raw: &str) -> Result<SourceKind, ParseError> {
        let wanted = raw.trim().to_lowercase().replace([' ', '-'], "_");
        SourceKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == wanted)
            .ok_or_else(|| {
                ParseError::new(format!(
                    "unknown source kind {raw:?}: one of oruk_api, oruk_ndjson, oruk_json_page, oruk_csv, openactive, spreadsheet"
                ))
            })
    }
}

/// Whether a source's new listings publish at once or wait for a moderator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trust {
    /// New listings are published directly.
    Publish,
    /// New listings start `pending_review` in the moderation queue.
    Moderate,
}

impl Trust {
    pub fn as_str(self) -> &'static str {
        match self {
            Trust::Publish => "publish",
            Trust::Moderate => "moderate",
        }
    }

    pub fn parse(raw: &str) -> Result<Trust, ParseError> {
        match raw.trim().to_lowercase().as_str() {
            "publish" => Ok(Trust::Publish),
            "moderate" => Ok(Trust::Moderate),
            other => Err(ParseError::new(format!("unknown trust {other:?}: publish or moderate"))),
        }
    }
}

/// A registered source, as the apply path needs it (see [`crate::Directory::ensure_source`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRef {
    /// The directory's id of the source; also the namespace of the ids it derives.
    pub id: Uuid,
    /// A short unique name chosen by whoever registered it (`norfolk-council-oruk`).
    pub name: String,
    pub kind: SourceKind,
    pub trust: Trust,
    /// Where it is read from: a URL or a file path.
    pub location: String,
    /// Shown with every listing it brought in (licence and publisher), e.g.
    /// `"Contains data from Norfolk County Council, OGL v3"`.
    pub attribution: Option<String>,
    /// Whether the source's own UUIDs are kept as the directory's ids when they are free (ORUK
    /// publishers give every record a UUID; keeping them makes an export → import round trip
    /// name the same services). Otherwise ids are derived: `v5(source.id, "<kind>:<record id>")`.
    pub keep_ids: bool,
}

impl SourceRef {
    /// How the audit trail names the source: `import:<name>`.
    pub fn actor(&self) -> String {
        format!("import:{}", self.name)
    }
}

/// An organisation as a source describes it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ImportedOrganization {
    /// The source's own id of the organisation (its name when the source has none).
    pub source_record_id: String,
    /// The source's UUID of the organisation (kept when [`SourceRef::keep_ids`] and free).
    pub preferred_id: Option<Uuid>,
    pub name: String,
    pub description: String,
    pub url: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Register numbers: `GB-CHC` charity, `GB-COH` company (used to link duplicates).
    pub identifiers: Vec<OrganizationIdentifier>,
    /// The organisation's own postcode, when the source gives one (used to link duplicates).
    pub postcode: Option<String>,
}

/// The service's own fields, as [`crate::domain::Service`] has them (without ids, versions or
/// moderation state, which are the directory's).
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedService {
    pub name: String,
    pub description: String,
    pub url: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub status: ServiceStatus,
    pub minimum_age: Option<i64>,
    pub maximum_age: Option<i64>,
    pub eligibility_description: Option<String>,
    pub delivery_modes: Vec<DeliveryMode>,
    /// Free (`Some(true)`), costs something (`Some(false)`), or the source did not say (`None`).
    pub free: Option<bool>,
    pub cost_options: Vec<CostOption>,
    pub languages: Vec<String>,
    pub contacts: Vec<Contact>,
    pub how_to_join: Option<String>,
    /// The directory's needs (the first is the primary need).
    pub needs: Vec<NeedCode>,
    /// OpenActive Activity List concepts, kept as given.
    pub activity_concepts: Vec<ActivityRef>,
}

impl Default for ImportedService {
    fn default() -> Self {
        ImportedService {
            name: String::new(),
            description: String::new(),
            url: None,
            email: None,
            phone: None,
            status: ServiceStatus::Active,
            minimum_age: None,
            maximum_age: None,
            eligibility_description: None,
            delivery_modes: Vec::new(),
            free: None,
            cost_options: Vec::new(),
            languages: Vec::new(),
            contacts: Vec::new(),
            how_to_join: None,
            needs: Vec::new(),
            activity_concepts: Vec::new(),
        }
    }
}

/// A venue as a source describes it. With no point, the venue is placed at its postcode's
/// centre (from the directory's postcode table); a venue with neither is rejected.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ImportedVenue {
    /// The source's own id of the venue; venues shared by several services share it.
    pub source_record_id: String,
    /// The source's UUID of the venue (kept when [`SourceRef::keep_ids`] and free).
    pub preferred_id: Option<Uuid>,
    pub name: String,
    pub address_1: Option<String>,
    pub city: Option<String>,
    pub postcode: Option<String>,
    /// WGS84 latitude and longitude.
    pub point: Option<(f64, f64)>,
    pub accessibility: Vec<AccessibilityFeature>,
}

/// When a service runs (as [`crate::domain::Schedule`], without ids).
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedSchedule {
    /// The source's own id of the schedule, when it has one (else its position is used).
    pub source_record_id: Option<String>,
    /// The source's UUID of the schedule (kept when [`SourceRef::keep_ids`]).
    pub preferred_id: Option<Uuid>,
    /// The venue it is held at: a [`ImportedVenue::source_record_id`] of the same listing.
    pub venue_record_id: Option<String>,
    pub freq: Frequency,
    pub interval: i64,
    /// iCal BYDAY (`TU`, `MO,TH`, `1TU`).
    pub byday: String,
    /// Local (Europe/London) `HH:MM`.
    pub opens_at: String,
    pub closes_at: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub description: Option<String>,
    /// Dates it does not run (OpenActive `exceptDate`, cancelled sessions).
    pub exceptions: Vec<ScheduleException>,
}

impl ImportedSchedule {
    /// The directory's schedule for this one, at `version`, once its `BYDAY` parses (an error
    /// names `field("byday")`). The per-record and the bulk import paths both build it here.
    pub fn to_schedule(
        &self,
        id: Uuid,
        service_id: Uuid,
        location_id: Option<Uuid>,
        version: i64,
        field: impl Fn(&str) -> String,
    ) -> crate::error::Result<crate::domain::Schedule> {
        crate::domain::schedule::parse_byday(&self.byday).map_err(|e| e.for_field(field("byday")))?;
        Ok(crate::domain::Schedule {
            id,
            service_id,
            location_id,
            freq: self.freq,
            interval: self.interval.max(1),
            byday: self.byday.clone(),
            opens_at: self.opens_at.clone(),
            closes_at: self.closes_at.clone(),
            valid_from: self.valid_from,
            valid_to: self.valid_to,
            description: self.description.clone(),
            exceptions: crate::domain::schedule::sort_exceptions(self.exceptions.clone()),
            archived_at: None,
            version,
        })
    }
}

/// One service a source lists, with everything it nests.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedListing {
    /// The source's own id of the service (unique within the source).
    pub source_record_id: String,
    /// Where the record sits in the input (line or row number), for reports.
    pub position: Option<u64>,
    /// The id the source gives the service when it is a UUID (kept when
    /// [`SourceRef::keep_ids`] and free).
    pub preferred_id: Option<Uuid>,
    /// When the source says the record last changed.
    pub modified_at: Option<DateTime<Utc>>,
    /// When a person at the source last confirmed the listing (ORUK `assured_date`).
    pub last_reviewed_at: Option<DateTime<Utc>>,
    pub organization: ImportedOrganization,
    pub service: ImportedService,
    pub venues: Vec<ImportedVenue>,
    pub schedules: Vec<ImportedSchedule>,
    pub service_areas: Vec<ServiceArea>,
}

/// The source no longer lists a record it brought in (an RPDE tombstone, a service missing
/// from a full file): the listing is archived, never deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedRemoval {
    pub source_record_id: String,
    pub position: Option<u64>,
}

/// A record that could not be read, reported and skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRecord {
    /// The source's id of the record, when it could be read.
    pub source_record_id: Option<String>,
    pub position: Option<u64>,
    pub reason: String,
    /// The field (or CSV column) at fault.
    pub field: Option<String>,
}

/// One item of a batch.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportItem {
    Listing(Box<ImportedListing>),
    Removal(ImportedRemoval),
    Rejected(RejectedRecord),
}

impl ImportItem {
    /// The record's position in its input, when known.
    pub fn position(&self) -> Option<u64> {
        match self {
            ImportItem::Listing(listing) => listing.position,
            ImportItem::Removal(removal) => removal.position,
            ImportItem::Rejected(rejected) => rejected.position,
        }
    }
}

/// What happened to one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordOutcome {
    /// A new listing (and organisation, venues, schedules as needed).
    Created,
    /// The listing existed and its content changed.
    Updated,
    /// The record is exactly what was imported last time: nothing was written.
    Unchanged,
    /// A removal archived the listing the source had brought in.
    Archived,
    /// Not applied: why, and the field at fault.
    Rejected { reason: String, field: Option<String> },
}

impl RecordOutcome {
    /// `created`, `updated`, `unchanged`, `archived` or `rejected`.
    pub fn as_str(&self) -> &'static str {
        match self {
            RecordOutcome::Created => "created",
            RecordOutcome::Updated => "updated",
            RecordOutcome::Unchanged => "unchanged",
            RecordOutcome::Archived => "archived",
            RecordOutcome::Rejected { .. } => "rejected",
        }
    }
}

/// One record's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordReport {
    pub source_record_id: Option<String>,
    pub position: Option<u64>,
    pub outcome: RecordOutcome,
    /// The directory's service, when there is one.
    pub service_id: Option<Uuid>,
    /// The directory's organisation the service belongs to; `linked` says it already existed
    /// (same register number, or a very similar name at the same postcode) rather than being
    /// created or imported before by this source.
    pub organization_id: Option<Uuid>,
    pub organization_linked: bool,
}

/// Counts of outcomes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportCounts {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub archived: u64,
    pub rejected: u64,
}

impl ImportCounts {
    /// Counts one outcome.
    pub fn add(&mut self, outcome: &RecordOutcome) {
        match outcome {
            RecordOutcome::Created => self.created += 1,
            RecordOutcome::Updated => self.updated += 1,
            RecordOutcome::Unchanged => self.unchanged += 1,
            RecordOutcome::Archived => self.archived += 1,
            RecordOutcome::Rejected { .. } => self.rejected += 1,
        }
    }

    /// Adds another batch's counts.
    pub fn merge(&mut self, other: ImportCounts) {
        self.created += other.created;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.archived += other.archived;
        self.rejected += other.rejected;
    }

    /// Every record counted.
    pub fn total(&self) -> u64 {
        self.created + self.updated + self.unchanged + self.archived + self.rejected
    }
}

/// The report of one applied (or previewed) batch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchReport {
    /// One report per item, in batch order.
    pub records: Vec<RecordReport>,
    pub counts: ImportCounts,
    /// Whether this was a dry run (nothing written).
    pub dry_run: bool,
    /// New listings of this batch written one at a time, each in a savepoint of its own, because
    /// the batch's bulk write failed in the database (0 when it was written whole): a run with
    /// many is slower, not wrong.
    pub one_by_one: u64,
}

impl BatchReport {
    pub(crate) fn push(&mut self, record: RecordReport) {
        self.counts.add(&record.outcome);
        self.records.push(record);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_kinds_parse_loosely_and_round_trip() {
        for kind in SourceKind::ALL {
            assert_eq!(SourceKind::parse(kind.as_str()), Ok(kind));
        }
        assert_eq!(SourceKind::parse("ORUK-API"), Ok(SourceKind::OrukApi));
        assert!(SourceKind::parse("rss").is_err());
    }

    #[test]
    fn counts_add_up() {
        let mut counts = ImportCounts::default();
        counts.add(&RecordOutcome::Created);
        counts.add(&RecordOutcome::Rejected {
            reason: "no name".into(),
            field: Some("name".into()),
        });
        assert_eq!((counts.created, counts.rejected, counts.total()), (1, 1, 2));
    }
}
