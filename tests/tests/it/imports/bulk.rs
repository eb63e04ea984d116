//! The bulk path of file imports (`indexer::imports::bulk`): a big file lands with bad records
//! reported and everything else written, a chunk that fails in the database falls back to one
//! record at a time, an unchanged file writes nothing, a 1%-changed file changes exactly those
//! services, and what lands has its change-log rows and feed positions (so search, the RPDE
//! feeds and change sync see it).

use indexer::store::db;
use std::collections::HashSet;

use serde_json::Value;

use super::support::*;
use crate::support::seeded;
use indexer::imports::SourceKind;

/// `count` service documents: copies of the seed's export.
fn documents(count: usize) -> Vec<Value> {
    copies(count)
}

fn lines(documents: &[Value]) -> Vec<String> {
    documents.iter().map(Value::to_string).collect()
}

/// Imports `path` as [`import_file`] does; also gives how many new listings went one at a time
/// because their chunk's bulk write failed.
async fn import_counting_one_by_one(
    directory: &indexer::Directory,
    source: &indexer::imports::SourceRef,
    path: &std::path::Path,
) -> (indexer::imports::run::ImportSummary, u64) {
    let mut one_by_one = 0;
    let summary = directory
        .import_oruk_file(
            source,
            path,
            Default::default(),
            |_| {},
            |report| one_by_one += report.one_by_one,
        )
        .await
        .expect("import runs");
    (summary, one_by_one)
}

async fn max_version(directory: &indexer::Directory) -> i64 {
    db::query_scalar("SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT) FROM services")
        .fetch_one(directory.store().pool())
        .await
        .expect("versions")
}

#[tokio::test]
async fn bad_records_in_a_big_file_are_reported_and_everything_else_lands() {
    let test = seeded().await;
    let folder = tempfile::tempdir().expect("temp dir");
    let mut documents = documents(1_200);
    // Rejected by the checks before anything is written.
    documents[10]["name"] = Value::from("   ");
    // Passes the checks, but its schedule has the id of another record's schedule: the chunk's
    // insert fails in the database and its records go one at a time instead.
    let shared = documents[20]["schedules"][0]["id"].clone();
    assert!(shared.is_string(), "the seed's first service has a schedule");
    let mut lines = lines(&documents);
    let mut borrowing = documents[21].clone();
    borrowing["schedules"] = documents[20]["schedules"].clone();
    lines[21] = borrowing.to_string();
    lines.insert(500, "not json".to_string());
    let path = write_ndjson(folder.path(), "big.ndjson", &lines);
    let source = source(&test.directory, "big", SourceKind::OrukNdjson).await;
    let services = rows(&test.directory, "services").await;
    let (summary, one_by_one) = import_counting_one_by_one(&test.directory, &source, &path).await;
    assert_eq!(
        (summary.counts.created, summary.counts.rejected),
        (1_199, 2),
        "{summary}"
    );
    assert_eq!(one_by_one, 1_199, "the chunk's planned listings went one at a time");
    assert_eq!(rows(&test.directory, "services").await, services + 1_199);
    assert!(
        summary.errors.iter().any(|error| error.contains("name")),
        "{:?}",
        summary.errors
    );
    assert!(
        summary.errors.iter().any(|error| error.contains("record 501")),
        "the bad line is named: {:?}",
        summary.errors
    );
}

#[tokio::test]
async fn an_unchanged_file_writes_nothing_and_one_percent_changed_changes_exactly_those() {
    let test = seeded().await;
    let folder = tempfile::tempdir().expect("temp dir");
    let mut documents = documents(1_000);
    let path = write_ndjson(folder.path(), "first.ndjson", &lines(&documents));
    let source = source(&test.directory, "again", SourceKind::OrukNdjson).await;
    let first = import_file(&test.directory, &source, &path).await;
    assert_eq!(first.counts.created, 1_000, "{first}");
    let before = (
        rows(&test.directory, "change_log").await,
        rows(&test.directory, "audit_log").await,
        max_version(&test.directory).await,
    );
    let again = import_file(&test.directory, &source, &path).await;
    assert_eq!(again.counts.unchanged, 1_000, "{again}");
    assert_eq!(again.counts.total(), again.counts.unchanged, "{again}");
    let after = (
        rows(&test.directory, "change_log").await,
        rows(&test.directory, "audit_log").await,
        max_version(&test.directory).await,
    );
    assert_eq!(after, before, "no change-log rows, audit rows or versions");

    let mut changed_ids = HashSet::new();
    for (n, document) in documents.iter_mut().enumerate().filter(|(n, _)| n.is_multiple_of(100)) {
        document["description"] = Value::from(format!("Changed at the source ({n})."));
        changed_ids.insert(document["id"].as_str().expect("id").to_string());
    }
    let path = write_ndjson(folder.path(), "changed.ndjson", &lines(&documents));
    let mut updated = HashSet::new();
    let summary = test
        .directory
        .import_oruk_file(
            &source,
            &path,
            Default::default(),
            |_| {},
            |report| {
                for record in &report.records {
                    if record.outcome == indexer::imports::RecordOutcome::Updated {
                        updated.insert(record.source_record_id.clone().expect("id"));
                    }
                }
            },
        )
        .await
        .expect("import runs");
    assert_eq!(
        (summary.counts.updated, summary.counts.unchanged),
        (10, 990),
        "{summary}"
    );
    assert_eq!(updated, changed_ids);
    assert_eq!(
        rows(&test.directory, "audit_log").await,
        before.1 + 10,
        "an audit entry each"
    );
    assert_eq!(max_version(&test.directory).await, before.2 + 10, "a new version each");
    let changed_services: i64 = db::query_scalar("SELECT COUNT(DISTINCT entity_id) FROM change_log WHERE seq > ?")
        .bind(before.0)
        .fetch_one(test.directory.store().pool())
        .await
        .expect("count");
    assert_eq!(
        changed_services, 10,
        "a change-log row for each changed service and nothing else"
    );
}

#[tokio::test]
async fn imported_services_are_in_the_change_log_feeds_and_search() {
    let test = seeded().await;
    let folder = tempfile::tempdir().expect("temp dir");
    let documents = documents(300);
    let path = write_ndjson(folder.path(), "feeds.ndjson", &lines(&documents));
    let source = source(&test.directory, "feeds", SourceKind::OrukNdjson).await;
    let seq = test.directory.store().last_change_seq().await.expect("seq");
    let summary = import_file(&test.directory, &source, &path).await;
    assert_eq!(summary.counts.created, 300, "{summary}");
    // Every service the run created has its own change-log row, and its feed position is it.
    let (services, positioned, logged): (i64, i64, i64) = db::query_as(
        "SELECT COUNT(*), COUNT(*) FILTER (WHERE s.feed_seq > ?1),
                COUNT(*) FILTER (WHERE EXISTS (SELECT 1 FROM change_log c
                                               WHERE c.kind = 'service' AND c.entity_id = s.id AND c.seq = s.feed_seq))
         FROM services s JOIN import_records r ON r.entity_id = s.id AND r.kind = 'service'
         WHERE r.source_id = ?2",
    )
    .bind(seq)
    .bind(source.id.to_string())
    .fetch_one(test.directory.store().pool())
    .await
    .expect("positions");
    assert_eq!((services, positioned, logged), (300, 300, 300));
    // The RPDE feeds and change sync read services in feed order after a position: every
    // imported service is there, after where the feed stood before the run.
    let request = indexer::publish::rpde::PageRequest {
        after: None,
        limit: 5_000,
        explicit_limit: true,
    };
    let entries = test.directory.service_feed_entries(&request).await.expect("feed");
    let fed = entries
        .iter()
        .filter(|entry| entry.modified > seq && entry.is_public)
        .count();
    assert_eq!(fed, 300);
    // Searchable once the index has followed the change log.
    test.directory.wait_until_searchable().await.expect("searchable");
    let name = documents[7]["name"].as_str().expect("name").to_string();
    let hits = test
        .data(&format!(
            "{{ search(text: {}, kinds: [SERVICE]) {{ totalCount }} }}",
            serde_json::to_string(&name).expect("quoted")
        ))
        .await;
    assert!(
        hits["search"]["totalCount"].as_i64().unwrap_or(0) >= 1,
        "{name} is found: {hits}"
    );
}

/// The organisation record ids the documents name or, with `venues`, their venues' record ids.
fn record_ids(documents: &[Value], venues: bool) -> HashSet<String> {
    documents
        .iter()
        .flat_map(|document| match venues {
            false => vec![document["organization"]["id"].clone()],
            true => document["service_at_locations"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|at| at["location"]["id"].clone())
                .collect(),
        })
        .filter_map(|id| id.as_str().map(str::to_string))
        .collect()
}

/// A chunk's new listings are written a few hundred at a time while the next ones are planned,
/// all in the chunk's one transaction. Listings late in the chunk name organisations and venues
/// that listings early in it brought (a copy of the seed's export spans the 500th), and the
/// chunk still lands whole by the bulk path, each organisation and venue record once.
#[tokio::test]
async fn a_chunk_written_while_it_is_planned_lands_whole_naming_each_record_once() {
    let test = seeded().await;
    let folder = tempfile::tempdir().expect("temp dir");
    let documents = documents(1_100);
    for venues in [false, true] {
        let (early, late) = (
            record_ids(&documents[..500], venues),
            record_ids(&documents[500..], venues),
        );
        assert!(
            early.intersection(&late).next().is_some(),
            "records named on both sides"
        );
    }
    let path = write_ndjson(folder.path(), "whole.ndjson", &lines(&documents));
    let source = source(&test.directory, "whole", SourceKind::OrukNdjson).await;
    let (summary, one_by_one) = import_counting_one_by_one(&test.directory, &source, &path).await;
    assert_eq!(
        (summary.counts.created, summary.counts.rejected),
        (1_100, 0),
        "{summary}"
    );
    assert_eq!(one_by_one, 0, "written by the bulk path");
    let links = |kind: &'static str| {
        db::query_scalar::<i64>("SELECT COUNT(*) FROM import_records WHERE source_id = ? AND kind = ?")
            .bind(source.id.to_string())
            .bind(kind)
            .fetch_one(test.directory.store().pool())
    };
    assert_eq!(links("service").await.expect("count"), 1_100);
    for (kind, venues) in [("organization", false), ("location", true)] {
        let named = record_ids(&documents, venues).len() as i64;
        assert_eq!(links(kind).await.expect("count"), named, "one link per {kind} record");
    }
    // Every imported service is at the venues its document names.
    let unplaced: i64 = db::query_scalar(
        "SELECT COUNT(*) FROM import_records r WHERE r.source_id = ? AND r.kind = 'service'
         AND NOT EXISTS (SELECT 1 FROM service_at_location sal WHERE sal.service_id = r.entity_id)",
    )
    .bind(source.id.to_string())
    .fetch_one(test.directory.store().pool())
    .await
    .expect("count");
    let without_venues = documents
        .iter()
        .filter(|document| document["service_at_locations"].as_array().is_none_or(Vec::is_empty))
        .count() as i64;
    assert_eq!(unplaced, without_venues);
}
