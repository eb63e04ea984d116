//! Spreadsheet imports: header variants, a dry run's per-row report (would create, rejected
//! with the row and the column at fault), bad rows never stopping the rest, importing twice
//! changing nothing, edits and removed rows, and the imported classes in search, signposting
//! and gap reports. The example spreadsheet shipped in `seed/imports/` is the happy path.

use indexer::store::db;
use std::path::PathBuf;

use indexer::imports::spreadsheet::{spreadsheet_source, RowReport, SpreadsheetSummary};
use indexer::imports::{SourceRef, Trust};
use indexer::{Directory, Error};

use super::openactive::{check_found, searchable};
use crate::support::{seeded, workspace_root};

fn example() -> PathBuf {
    workspace_root().join("seed/imports/example_services.csv")
}

fn with_errors() -> PathBuf {
    workspace_root().join("tests/fixtures/imports/spreadsheet_with_errors.csv")
}

async fn import(
    directory: &Directory,
    name: &str,
    path: &std::path::Path,
    dry_run: bool,
) -> (SourceRef, SpreadsheetSummary) {
    let source = directory
        .ensure_source(&spreadsheet_source(name, path, Trust::Publish, None))
        .await
        .expect("source");
    let summary = directory
        .import_spreadsheet(&source, path, dry_run, |_, _| {})
        .await
        .expect("import");
    (source, summary)
}

fn row(summary: &SpreadsheetSummary, number: u64) -> &RowReport {
    summary
        .rows
        .iter()
        .find(|report| report.row == Some(number))
        .unwrap_or_else(|| panic!("no report for row {number}: {:?}", summary.rows))
}

async fn count(directory: &Directory, sql: &str) -> i64 {
    db::query_scalar(sql)
        .fetch_one(directory.store().pool())
        .await
        .expect("count")
}

#[tokio::test]
async fn a_dry_run_reports_each_row_with_the_cell_at_fault_and_writes_nothing() {
    let test = seeded().await;
    let services = count(&test.directory, "SELECT COUNT(*) FROM services").await;
    let (_, summary) = import(&test.directory, "errors", &with_errors(), true).await;
    assert!(summary.summary.dry_run);
    assert_eq!(summary.rows.len(), 8, "{:?}", summary.rows);
    assert_eq!(
        (row(&summary, 2).outcome, row(&summary, 3).outcome),
        ("created", "created")
    );
    let rejected = |number: u64| {
        let report = row(&summary, number);
        assert_eq!(report.outcome, "rejected", "{report}");
        (
            report.column.clone().unwrap_or_default(),
            report.reason.clone().unwrap_or_default(),
        )
    };
    assert_eq!(rejected(4).0, "postcode");
    assert!(rejected(4).1.contains("XX1 XXX"));
    assert_eq!(rejected(5).0, "day");
    assert!(rejected(5).1.contains("Funday"));
    assert_eq!(rejected(6).0, "end", "the end is before the start");
    assert_eq!(rejected(7).0, "needs");
    assert!(rejected(7).1.contains("knitting"));
    assert_eq!(rejected(8).0, "organisation");
    assert_eq!(
        rejected(9).0,
        "postcode",
        "SW1A 1AA is not in the directory's area: {:?}",
        rejected(9)
    );
    assert_eq!(
        row(&summary, 4).line(true),
        format!("row 4: rejected: column \"postcode\": {}", rejected(4).1)
    );
    assert_eq!(row(&summary, 2).line(true), "row 2: would create");
    assert_eq!(
        count(&test.directory, "SELECT COUNT(*) FROM services").await,
        services,
        "a dry run writes nothing"
    );
    assert_eq!(count(&test.directory, "SELECT COUNT(*) FROM import_records").await, 0);
}

#[tokio::test]
async fn bad_rows_never_stop_the_rest_and_importing_twice_changes_nothing() {
    let test = seeded().await;
    let (_, first) = import(&test.directory, "errors", &with_errors(), false).await;
    assert_eq!(
        (first.summary.counts.created, first.summary.counts.rejected),
        (2, 6),
        "{}",
        first.summary
    );
    assert_eq!(first.summary.status, "succeeded");
    let audits = count(&test.directory, "SELECT COUNT(*) FROM audit_log").await;
    let seq = test.directory.store().last_change_seq().await.expect("seq");
    let (_, second) = import(&test.directory, "errors", &with_errors(), false).await;
    assert_eq!(
        (
            second.summary.counts.created,
            second.summary.counts.updated,
            second.summary.counts.unchanged
        ),
        (0, 0, 2),
        "{}",
        second.summary
    );
    assert_eq!(
        count(&test.directory, "SELECT COUNT(*) FROM audit_log").await,
        audits,
        "no audit rows"
    );
    assert_eq!(
        test.directory.store().last_change_seq().await.expect("seq"),
        seq,
        "no changes"
    );
}

#[tokio::test]
async fn edited_rows_update_and_removed_rows_archive_but_rejected_rows_do_not() {
    let test = seeded().await;
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("list.csv");
    let original = std::fs::read_to_string(example()).expect("example");
    std::fs::write(&path, &original).expect("write");
    let (source, first) = import(&test.directory, "list", &path, false).await;
    assert_eq!(first.summary.counts.created, 4, "{} {:?}", first.summary, first.rows);

    let lines: Vec<&str> = original.lines().collect();
    // Row 2 changes its time, row 3 breaks (a bad day), row 5 is gone.
    let edited = [
        lines[0].to_string(),
        lines[1].replace("10:00,11:00", "10:30,11:30"),
        lines[2].replace("Thursday", "Thursdayish"),
        lines[3].to_string(),
    ]
    .join("\n");
    std::fs::write(&path, edited).expect("write");
    let (_, second) = import(&test.directory, "list", &path, false).await;
    let counts = second.summary.counts;
    assert_eq!(
        (counts.updated, counts.rejected, counts.unchanged, counts.archived),
        (1, 1, 1, 1),
        "{} {:?}",
        second.summary,
        second.rows
    );
    let archived = second
        .rows
        .iter()
        .find(|r| r.outcome == "archived")
        .expect("archived row");
    assert!(
        archived
            .record_id
            .as_deref()
            .is_some_and(|id| id.contains("benefits and bills")),
        "{archived:?}"
    );
    assert!(archived.row.is_none());
    let chair: String = db::query_scalar("SELECT entity_id FROM import_records WHERE source_id = ? AND source_record_id LIKE '%chair-based%' AND kind = 'service'")
        .bind(source.id.to_string())
        .fetch_one(test.directory.store().pool())
        .await
        .expect("chair class link");
    let chair = test
        .directory
        .store()
        .service(chair.parse().expect("uuid"))
        .await
        .expect("read")
        .expect("service");
    assert!(chair.state.is_public(), "a rejected row keeps its listing");
}

#[tokio::test]
async fn the_example_spreadsheet_is_found_by_search_signposting_and_gap_reports() {
    let test = seeded().await;
    let gaps = r#"{ gaps(place: "E07000147", need: "strength-and-balance", maxDistanceKm: 2) { coveragePercent } }"#;
    let before = test.data(gaps).await["gaps"]["coveragePercent"]
        .as_f64()
        .expect("coverage");
    let (source, summary) = import(&test.directory, "example", &example(), false).await;
    assert_eq!(summary.summary.counts.created, 4, "{:?}", summary.rows);
    assert!(summary.ignored_columns.is_empty(), "{:?}", summary.ignored_columns);
    searchable(&test.directory).await;
    check_found(&test, "Steady Feet strength and balance class (example)", true).await;
    let after = test.data(gaps).await["gaps"]["coveragePercent"]
        .as_f64()
        .expect("coverage");
    assert!(after > before, "{before} → {after}");

    // The chair class: fortnightly on Thursdays 14:00-15:00, free, strength and balance from
    // its activity; the lunch club on the first Wednesday of the month.
    let id: String = db::query_scalar("SELECT entity_id FROM import_records WHERE source_id = ? AND kind = 'service' AND source_record_id LIKE '%chair-based%'")
        .bind(source.id.to_string())
        .fetch_one(test.directory.store().pool())
        .await
        .expect("link");
    let chair = test
        .directory
        .store()
        .service(id.parse().expect("uuid"))
        .await
        .expect("read")
        .expect("service");
    assert_eq!(chair.free, Some(true));
    assert_eq!(
        chair.last_reviewed_at.map(|at| at.date_naive().to_string()).as_deref(),
        Some("2026-11-20"),
        "the sheet's last reviewed date"
    );
    assert!(chair.needs.iter().any(|n| n.as_str() == "strength-and-balance"));
    assert_eq!(chair.activity_concepts[0].pref_label, "Chair Based Exercise");
    let schedule = &test
        .directory
        .store()
        .schedules_of_service(chair.id)
        .await
        .expect("schedules")[0];
    assert_eq!(
        (
            schedule.byday.as_str(),
            schedule.interval,
            schedule.opens_at.as_str(),
            schedule.closes_at.as_str()
        ),
        ("TH", 2, "14:00", "15:00")
    );
    let provenance = test
        .directory
        .provenance(chair.id)
        .await
        .expect("provenance")
        .expect("kept by the source");
    assert!(format!("{provenance:?}").contains("example"), "{provenance:?}");
}

#[tokio::test]
async fn a_file_without_the_required_columns_is_refused_naming_the_header() {
    let test = seeded().await;
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("wrong.csv");
    std::fs::write(&path, "Title,Postcode\nSomething,NR26 8AA\n").expect("write");
    let source = test
        .directory
        .ensure_source(&spreadsheet_source("wrong", &path, Trust::Publish, None))
        .await
        .expect("source");
    match test
        .directory
        .import_spreadsheet(&source, &path, false, |_, _| {})
        .await
    {
        Err(Error::InvalidInput { field, message }) => {
            assert_eq!(field, "header");
            assert!(message.contains("organisation"), "{message}");
        }
        other => panic!("expected a header error, got {other:?}"),
    }
    let missing = dir.path().join("missing.csv");
    assert!(matches!(
        test.directory.import_spreadsheet(&source, &missing, false, |_, _| {}).await,
        Err(Error::InvalidInput { field, .. }) if field == "file"
    ));
}
