//! A spreadsheet saved as CSV, one row per service, into the directory: the import a VCSE
//! network or a council team runs on the list it keeps in Excel.
//!
//! The header row names the columns ([`columns::COLUMNS`]: `organisation` and `name` are
//! required, the rest optional, common variants accepted in any case). Each row is parsed on
//! its own ([`row`]); a row that cannot be read is rejected with its row number (the header is
//! row 1), the column at fault and the reason, and the rest land. A row's identity is its `id`
//! cell, else its organisation, name and postcode, so importing the same file again changes
//! nothing. The file is the whole source: a row gone from it archives the listing it made
//! (rows rejected this time are kept, so a typo never archives a listing).
//!
//! A dry run reports what each row would do (create, update, unchanged, rejected) and writes
//! nothing.

pub mod columns;
pub mod row;

use std::path::Path;

use self::columns::{Column, HeaderMap};
use self::row::Row;
use super::openactive::activities::ActivityList;
use super::record::*;
use super::run::{ImportRun, ImportSummary};
use super::SourceSpec;
use crate::error::{Error, Result};
use crate::Directory;

/// Rows applied per batch (one transaction each).
const BATCH_ROWS: usize = 500;

/// The registration of a spreadsheet source reading `path`. Its ids are derived (never kept
/// from the file).
pub fn spreadsheet_source(name: &str, path: &Path, trust: Trust, attribution: Option<String>) -> SourceSpec {
    let mut spec = SourceSpec::new(name, SourceKind::Spreadsheet, &path.to_string_lossy(), trust);
    spec.attribution = attribution;
    spec.keep_ids = false;
    spec
}

/// A source name for a file: `spreadsheet:<file name>`.
pub fn default_source_name(path: &Path) -> String {
    path.file_name()
        .map(|name| format!("spreadsheet:{}", name.to_string_lossy()))
        .unwrap_or_else(|| "spreadsheet".into())
}

/// What happened (or would happen) to one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowReport {
    /// The spreadsheet's row number (the header is row 1); `None` for a listing archived
    /// because its row is gone.
    pub row: Option<u64>,
    pub record_id: Option<String>,
    /// `created`, `updated`, `unchanged`, `archived` or `rejected`.
    pub outcome: &'static str,
    /// For a rejection: the column at fault (its documented header, or the field the directory
    /// refused) and why.
    pub column: Option<String>,
    pub reason: Option<String>,
}

impl RowReport {
    /// One line of a report: `row 2: created`, or on a dry run `row 2: would create`;
    /// `row 4: rejected: column "postcode": "XX1 XXX" is not a UK postcode`.
    pub fn line(&self, dry_run: bool) -> String {
        let place = match self.row {
            Some(row) => format!("row {row}"),
            None => format!("record {}", self.record_id.as_deref().unwrap_or("?")),
        };
        let outcome = match (dry_run, self.outcome) {
            (true, "created") => "would create",
            (true, "updated") => "would update",
            (true, "archived") => "would archive",
            (_, outcome) => outcome,
        };
        match (&self.column, &self.reason) {
            (Some(column), Some(reason)) => format!("{place}: {outcome}: column {column:?}: {reason}"),
            (None, Some(reason)) => format!("{place}: {outcome}: {reason}"),
            _ => format!("{place}: {outcome}"),
        }
    }
}

impl std::fmt::Display for RowReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.line(false))
    }
}

/// How an import ended.
#[derive(Debug, Clone)]
pub struct SpreadsheetSummary {
    pub summary: ImportSummary,
    /// One report per data row, in file order, then the archived listings.
    pub rows: Vec<RowReport>,
    /// Headers that name no column (ignored).
    pub ignored_columns: Vec<String>,
}

impl Directory {
    /// Imports (or with `dry_run` previews) the spreadsheet at `path` as `source`. `progress`
    /// is called with (rows done, rows in the file). A file that cannot be read, or lacks a
    /// required column, is an `InvalidInput` error naming `file` or `header`.
    pub async fn import_spreadsheet(
        &self,
        source: &SourceRef,
        path: &Path,
        dry_run: bool,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<SpreadsheetSummary> {
        let directory = self;
        let (header, records) = read_file(path)?;
        let mut run = ImportRun::start(directory, source, dry_run).await?;
        let activities = ActivityList::bundled();
        let total = records.len() as u64;
        let mut rows: Vec<RowReport> = Vec::with_capacity(records.len());
        let mut listed: std::collections::HashSet<String> = std::collections::HashSet::new();
        for (chunk_index, chunk) in records.chunks(BATCH_ROWS).enumerate() {
            let batch: Vec<ImportItem> = chunk
                .iter()
                .enumerate()
                .map(|(offset, record)| {
                    let row_number = (chunk_index * BATCH_ROWS + offset) as u64 + 2;
                    let row = Row {
                        header: &header,
                        record,
                    };
                    let record_id = row.record_id();
                    if let Some(id) = &record_id {
                        listed.insert(id.clone());
                    }
                    match row.listing(row_number, activities) {
                        Ok(listing) => ImportItem::Listing(Box::new(listing)),
                        Err(cell) => ImportItem::Rejected(RejectedRecord {
                            source_record_id: record_id,
                            position: Some(row_number),
                            reason: cell.reason,
                            field: Some(cell.column.header().to_string()),
                        }),
                    }
                })
                .collect();
            let report = run.apply(directory, batch, None).await?;
            rows.extend(report.records.iter().map(row_report));
            progress(rows.len() as u64, total);
        }
        let archived = run.archive_unlisted(directory, &listed).await?;
        rows.extend(archived.records.iter().map(row_report));
        Ok(SpreadsheetSummary {
            summary: run.finish(directory, None).await?,
            rows,
            ignored_columns: header.ignored,
        })
    }
}

/// The header and every data row. Rows the CSV reader cannot read (bad UTF-8) become empty
/// records, which are rejected with their row number rather than dropped.
fn read_file(path: &Path) -> Result<(HeaderMap, Vec<csv::StringRecord>)> {
    let file_error = |reason: String| Error::invalid("file", format!("{}: {reason}", path.display()));
    let bytes = std::fs::read(path).map_err(|e| file_error(e.to_string()))?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes.as_slice());
    let header = HeaderMap::read(
        reader
            .headers()
            .map_err(|e| file_error(format!("no header row: {e}")))?,
    );
    let missing = header.missing_required();
    if !missing.is_empty() {
        return Err(Error::invalid(
            "header",
            format!(
                "{}: the header row has no {} column (the first row names the columns: {})",
                path.display(),
                missing.join(" or "),
                columns::COLUMNS
                    .iter()
                    .map(|(_, header, _)| *header)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let records = reader
        .records()
        .map(|record| record.unwrap_or_default())
        .filter(|record| record.iter().any(|cell| !cell.trim().is_empty()) || record.is_empty())
        .collect();
    Ok((header, records))
}

fn row_report(record: &RecordReport) -> RowReport {
    let (column, reason) = match &record.outcome {
        RecordOutcome::Rejected { reason, field } => (field.as_deref().map(column_of_field), Some(reason.clone())),
        _ => (None, None),
    };
    RowReport {
        row: record.position,
        record_id: record.source_record_id.clone(),
        outcome: record.outcome.as_str(),
        column,
        reason,
    }
}

/// The spreadsheet column a field the directory refused comes from (`venues[0].postcode` →
/// `postcode`), else the field as the directory names it.
fn column_of_field(field: &str) -> String {
    if let Some(column) = Column::of_header(field) {
        return column.header().to_string();
    }
    let last = field.rsplit(['.', '/']).next().unwrap_or(field);
    let last = last.split('[').next().unwrap_or(last);
    let column = match last {
        "postcode" | "point" | "latitude" | "longitude" => Some(Column::Postcode),
        "opens_at" | "opensAt" => Some(Column::Start),
        "closes_at" | "closesAt" => Some(Column::End),
        "byday" => Some(Column::Day),
        "needs" => Some(Column::Needs),
        "url" => Some(Column::Website),
        "email" => Some(Column::Email),
        "phone" => Some(Column::Phone),
        "description" => Some(Column::Description),
        "name" if field.contains("organization") => Some(Column::Organisation),
        "name" if field.contains("venue") || field.contains("location") => Some(Column::Venue),
        "name" => Some(Column::Name),
        _ => None,
    };
    column
        .map(|column| column.header().to_string())
        .unwrap_or_else(|| field.to_string())
}
