//! How the bulk path loads fast without changing what lands (issue 19's import speed): a load
//! that builds the indexes at its end writes the same rows as one that keeps them up to date
//! and leaves every index in place; indexes an interrupted load dropped are built when the
//! directory opens; a re-import marks its unchanged records read (once, on the source); and a re-import that changed
//! listings leaves the search index caught up when it returns.

use indexer::store::db;
use serde_json::Value;

use super::support::*;
use crate::support::seeded;
use indexer::imports::bulk::BulkLoad;
use indexer::imports::oruk::FileImportOptions;
use indexer::imports::SourceKind;
use indexer::Directory;

/// `count` service documents, one a line: copies of the seed's export.
fn documents(count: usize) -> Vec<String> {
    copies(count).iter().map(Value::to_string).collect()
}

/// Every index of the database: name and definition.
async fn indexes(directory: &Directory) -> Vec<(String, Option<String>)> {
    db::query_as("SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name")
        .fetch_all(directory.store().pool())
        .await
        .expect("indexes")
}

/// What an import wrote, independent of the source's own id and of clocks: each table's
/// content columns, sorted.
async fn landed(directory: &Directory) -> Vec<Vec<String>> {
    let mut tables = Vec::new();
    for query in [
        "SELECT id || '|' || organization_id || '|' || name || '|' || description || '|' || version || '|' || publication || '|' || feed_seq FROM services",
        "SELECT id || '|' || name || '|' || version || '|' || publication || '|' || feed_seq FROM organizations",
        "SELECT id || '|' || name || '|' || IFNULL(postcode, '') || '|' || latitude || '|' || longitude || '|' || IFNULL(ward_code, '') FROM locations",
        "SELECT service_id || '|' || need_code || '|' || position FROM service_needs",
        "SELECT service_id || '|' || location_id FROM service_at_location",
        "SELECT id || '|' || service_id || '|' || freq || '|' || IFNULL(byday, '') || '|' || IFNULL(opens_at, '') FROM schedules",
        "SELECT kind || '|' || source_record_id || '|' || entity_id || '|' || content_hash || '|' || created_by_source FROM import_records",
        "SELECT resource_type || '|' || resource_id || '|' || last_action_type || '|' || version || '|' || updated_by FROM audit_log",
        "SELECT seq || '|' || kind || '|' || entity_id FROM change_log",
    ] {
        let mut rows: Vec<String> = db::query_scalar(query)
            .fetch_all(directory.store().pool())
            .await
            .expect(query);
        rows.sort();
        tables.push(rows);
    }
    tables
}

async fn import_with(directory: &Directory, path: &std::path::Path, load: BulkLoad) {
    // The same source name in both directories: record links and ids come out the same.
    let source = source(directory, "bulk-load", SourceKind::OrukNdjson).await;
    let summary = directory
        .import_oruk_file_bulk_with(&source, path, FileImportOptions::default(), load, |_| {}, |_| {})
        .await
        .expect("import runs");
    assert_eq!(summary.counts.created, 300, "{summary}");
}

#[tokio::test]
async fn a_load_that_builds_the_indexes_at_its_end_lands_the_same_rows_and_leaves_every_index() {
    let folder = tempfile::tempdir().expect("temp dir");
    let path = write_ndjson(folder.path(), "services.ndjson", &documents(300));
    let deferring = seeded().await;
    if deferring.on_postgres() {
        eprintln!("skipped on PostgreSQL: its indexes are never deferred (a SQLite load's trick)");
        return;
    }
    let keeping = seeded().await;
    let before = indexes(&deferring.directory).await;
    import_with(
        &deferring.directory,
        &path,
        BulkLoad {
            defer_indexes_bytes: 0,
            ..BulkLoad::default()
        },
    )
    .await;
    import_with(
        &keeping.directory,
        &path,
        BulkLoad {
            defer_indexes_bytes: u64::MAX,
            ..BulkLoad::default()
        },
    )
    .await;
    assert_eq!(
        indexes(&deferring.directory).await,
        before,
        "every index is built again"
    );
    assert_eq!(
        deferring
            .directory
            .store()
            .meta("bulk_deferred_indexes")
            .await
            .expect("meta"),
        None,
        "nothing left to build"
    );
    assert_eq!(landed(&deferring.directory).await, landed(&keeping.directory).await);

    // And the indexes are used again: a query by organisation plans on its index.
    let plan: Vec<(i64, i64, i64, String)> =
        db::query_as("EXPLAIN QUERY PLAN SELECT id FROM services WHERE organization_id = 'x'")
            .fetch_all(deferring.directory.store().pool())
            .await
            .expect("plan");
    assert!(
        plan.iter()
            .any(|(_, _, _, detail)| detail.contains("services_by_organization")),
        "{plan:?}"
    );
}

#[tokio::test]
async fn indexes_an_interrupted_load_dropped_are_built_when_the_directory_opens() {
    let test = seeded().await;
    if test.on_postgres() {
        eprintln!("skipped on PostgreSQL: its indexes are never deferred (a SQLite load's trick)");
        return;
    }
    let before = indexes(&test.directory).await;
    let dropped = {
        let mut conn = test.directory.store().pool().acquire().await.expect("connection");
        indexer::store::bulk::defer_indexes(&mut conn).await.expect("defer")
    };
    assert!(
        dropped >= 10,
        "the loaded tables' secondary indexes are dropped ({dropped})"
    );
    assert_eq!(indexes(&test.directory).await.len(), before.len() - dropped);
    test.directory.close().await;

    let reopened = Directory::open_with_options(test.data_dir.path(), test.options())
        .await
        .expect("reopen");
    assert_eq!(indexes(&reopened).await, before);
    assert_eq!(
        reopened.store().meta("bulk_deferred_indexes").await.expect("meta"),
        None
    );
    reopened.close().await;
}

/// When provenance says each service was last read by its source.
async fn last_reads(directory: &Directory, services: &[String]) -> Vec<chrono::DateTime<chrono::Utc>> {
    let mut reads = Vec::new();
    for id in services {
        let provenance = directory
            .store()
            .provenance(id.parse().expect("uuid"))
            .await
            .expect("read");
        reads.push(provenance.expect("imported").last_read_at);
    }
    reads
}

#[tokio::test]
async fn a_reimport_marks_its_unchanged_records_read_and_leaves_search_caught_up() {
    let test = seeded().await;
    let folder = tempfile::tempdir().expect("temp dir");
    let mut lines = documents(300);
    let path = write_ndjson(folder.path(), "first.ndjson", &lines);
    let source = source(&test.directory, "again", SourceKind::OrukNdjson).await;
    assert_eq!(import_file(&test.directory, &source, &path).await.counts.created, 300);
    let services: Vec<String> = db::query_scalar("SELECT entity_id FROM import_records WHERE kind = 'service'")
        .fetch_all(test.directory.store().pool())
        .await
        .expect("services");
    let first_read = last_reads(&test.directory, &services).await;
    let stored_before: String = db::query_scalar("SELECT MAX(last_read_at) FROM import_records WHERE kind = 'service'")
        .fetch_one(test.directory.store().pool())
        .await
        .expect("last read");

    for (n, line) in lines.iter_mut().enumerate().filter(|(n, _)| n % 30 == 0) {
        let mut document: Value = serde_json::from_str(line).expect("json");
        document["description"] = Value::from(format!("Refreshed at the source ({n})."));
        *line = document.to_string();
    }
    let path = write_ndjson(folder.path(), "changed.ndjson", &lines);
    let summary = import_file(&test.directory, &source, &path).await;
    assert_eq!(
        (summary.counts.updated, summary.counts.unchanged),
        (10, 290),
        "{summary}"
    );

    // No follower tick has to pass: the run fed the index its changes before returning.
    assert_eq!(
        test.directory.search_index().applied_seq(),
        test.directory.store().last_change_seq().await.expect("seq"),
        "the index has applied every change"
    );
    // Every record reads as read again, the unchanged ones included...
    let read_again = last_reads(&test.directory, &services).await;
    for ((id, before), after) in services.iter().zip(&first_read).zip(&read_again) {
        assert!(after > before, "{id} read again: {before} then {after}");
    }
    // ...while only the changed ones had their record rewritten: the run read the whole list,
    // and its time is kept once, on the source.
    let rewritten: i64 =
        db::query_scalar("SELECT COUNT(*) FROM import_records WHERE kind = 'service' AND last_read_at > ?")
            .bind(&stored_before)
            .fetch_one(test.directory.store().pool())
            .await
            .expect("count");
    assert_eq!(rewritten, 10, "the changed records' links alone were written");
}
