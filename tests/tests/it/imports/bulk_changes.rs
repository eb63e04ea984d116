//! A bulk run's changed listings (issue 19's 1%-changed re-import): written set-wise, they land
//! exactly as the per-record path writes them (rows, schedules kept and archived, versions, audit
//! entries, links); and a line the run read before is skipped unparsed only while its record is
//! still what that line made it.

use indexer::imports::oruk::mapping::item_from_json;
use indexer::store::db;
use serde_json::Value;

use super::support::*;
use crate::support::seeded;
use indexer::imports::SourceKind;
use indexer::Directory;

fn lines(documents: &[Value]) -> Vec<String> {
    documents.iter().map(Value::to_string).collect()
}

/// A change's values as stored (in either form, see `audit::stored_changes`, and saying which),
/// with the times (which differ from one directory to the other) left out.
fn untimed(changes: &str) -> Value {
    let untime = |name: &str, value: &mut Value| {
        if name.ends_with("_at") {
            *value = Value::Null;
        }
    };
    match serde_json::from_str(changes).expect("changes") {
        Value::Object(mut created) => {
            for (name, value) in created.iter_mut() {
                untime(name, value);
            }
            serde_json::json!({ "created": created })
        }
        mut list => {
            for change in list.as_array_mut().expect("a list") {
                let name = change["field_name"].as_str().unwrap_or_default().to_string();
                untime(&name, &mut change["previous_value"]);
                untime(&name, &mut change["replacement_value"]);
            }
            list
        }
    }
}

/// id, version, live, BYDAY, opens, closes, venue.
type ScheduleRow = (
    String,
    i64,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// Everything the source's services are in a directory, times left out, in a stable order.
async fn services_state(directory: &Directory) -> Vec<String> {
    let pool = directory.store().pool();
    let mut state = Vec::new();
    let services: Vec<(String, String, String, String, i64, String, i64)> = db::query_as(
        "SELECT s.id, s.organization_id, s.name, s.description, s.version, s.publication,
                CAST(CASE WHEN s.archived_at IS NULL THEN 1 ELSE 0 END AS BIGINT)
         FROM services s JOIN import_records r ON r.entity_id = s.id AND r.kind = 'service'
         ORDER BY s.id",
    )
    .fetch_all(pool)
    .await
    .expect("services");
    for service in services {
        let id = service.0.clone();
        state.push(format!("{service:?}"));
        let children: Vec<(String, String)> = db::query_as(
            "SELECT 'need', need_code || '@' || position FROM service_needs WHERE service_id = ?1
             UNION ALL SELECT 'area', place_code FROM service_areas WHERE service_id = ?1
             UNION ALL SELECT 'venue', id || ':' || location_id FROM service_at_location WHERE service_id = ?1
             ORDER BY 1, 2",
        )
        .bind(&id)
        .fetch_all(pool)
        .await
        .expect("children");
        state.push(format!("{children:?}"));
        let schedules: Vec<ScheduleRow> = db::query_as(
            "SELECT id, version, CAST(CASE WHEN archived_at IS NULL THEN 1 ELSE 0 END AS BIGINT), byday, opens_at, closes_at, location_id
                 FROM schedules WHERE service_id = ? ORDER BY id",
        )
        .bind(&id)
        .fetch_all(pool)
        .await
        .expect("schedules");
        state.push(format!("{schedules:?}"));
        let audit: Vec<(String, Option<i64>, String, String)> = db::query_as(
            "SELECT last_action_type, version, updated_by, changes FROM audit_log WHERE resource_id = ? ORDER BY id",
        )
        .bind(&id)
        .fetch_all(pool)
        .await
        .expect("audit");
        for (action, version, by, changes) in audit {
            state.push(format!("{action} {version:?} {by} {}", untimed(&changes)));
        }
        let changes: i64 = db::query_scalar("SELECT COUNT(*) FROM change_log WHERE entity_id = ?")
            .bind(&id)
            .fetch_one(pool)
            .await
            .expect("changes");
        state.push(format!("{changes} change-log rows"));
    }
    let links: Vec<(String, String, String, String, i64, i64)> = db::query_as(
        "SELECT kind, source_record_id, entity_id, content_hash, created_by_source, archived_by_source
         FROM import_records ORDER BY kind, source_record_id",
    )
    .fetch_all(pool)
    .await
    .expect("links");
    state.extend(links.iter().map(|link| format!("{link:?}")));
    state
}

#[tokio::test]
async fn changed_listings_written_set_wise_land_as_the_per_record_path_writes_them() {
    let (bulk, one_by_one) = (seeded().await, seeded().await);
    let folder = tempfile::tempdir().expect("temp dir");
    let mut documents = copies(120);
    let first = write_ndjson(folder.path(), "first.ndjson", &lines(&documents));
    let mut sources = Vec::new();
    for test in [&bulk, &one_by_one] {
        let source = source(&test.directory, "council", SourceKind::OrukNdjson).await;
        assert_eq!(import_file(&test.directory, &source, &first).await.counts.created, 120);
        sources.push(source);
    }
    assert_eq!(
        services_state(&bulk.directory).await,
        services_state(&one_by_one.directory).await,
        "the same start"
    );

    // Descriptions, a schedule the source no longer lists, a class moved to another time.
    let mut changed = std::collections::BTreeSet::new();
    for n in (0..documents.len()).step_by(9) {
        documents[n]["description"] = Value::from(format!("Changed at the source ({n})."));
        changed.insert(n);
    }
    let dropped = (0..documents.len())
        .find(|n| {
            !changed.contains(n)
                && documents[*n]["schedules"]
                    .as_array()
                    .is_some_and(|list| list.len() >= 2)
        })
        .expect("a service with two schedules");
    documents[dropped]["schedules"].as_array_mut().expect("list").pop();
    changed.insert(dropped);
    let moved = (0..documents.len())
        .find(|n| {
            !changed.contains(n)
                && documents[*n]["schedules"]
                    .as_array()
                    .is_some_and(|list| !list.is_empty())
        })
        .expect("a service with a schedule");
    documents[moved]["schedules"][0]["opens_at"] = Value::from("07:15:00");
    documents[moved]["schedules"][0]["closes_at"] = Value::from("08:05:00");
    changed.insert(moved);
    let again = lines(&documents);

    let summary = import_file(
        &bulk.directory,
        &sources[0],
        &write_ndjson(folder.path(), "again.ndjson", &again),
    )
    .await;
    assert_eq!(
        (
            summary.counts.updated,
            summary.counts.unchanged,
            summary.counts.rejected
        ),
        (changed.len() as u64, (120 - changed.len()) as u64, 0),
        "{summary}"
    );
    let items = again
        .iter()
        .enumerate()
        .map(|(n, line)| item_from_json(line, Some(n as u64 + 1)))
        .collect();
    let report = one_by_one
        .directory
        .apply_import(&sources[1], items)
        .await
        .expect("applied");
    assert_eq!(report.counts.updated, changed.len() as u64);

    let (set_wise, per_record) = (
        services_state(&bulk.directory).await,
        services_state(&one_by_one.directory).await,
    );
    for (a, b) in set_wise.iter().zip(&per_record) {
        assert_eq!(a, b, "set-wise (left) and per-record (right) differ");
    }
    assert_eq!(set_wise.len(), per_record.len());
    let archived: i64 =
        db::query_scalar("SELECT COUNT(*) FROM schedules WHERE service_id = ? AND archived_at IS NOT NULL")
            .bind(documents[dropped]["id"].as_str().expect("id"))
            .fetch_one(bulk.directory.store().pool())
            .await
            .expect("count");
    assert_eq!(archived, 1, "the schedule the source dropped is archived");
}

async fn description(directory: &Directory, id: &str) -> String {
    db::query_scalar("SELECT description FROM services WHERE id = ?")
        .bind(id)
        .fetch_one(directory.store().pool())
        .await
        .expect("service")
}

#[tokio::test]
async fn a_line_read_before_is_skipped_only_while_its_record_is_what_that_line_made_it() {
    let test = seeded().await;
    let folder = tempfile::tempdir().expect("temp dir");
    let documents = copies(50);
    let path = write_ndjson(folder.path(), "list.ndjson", &lines(&documents));
    let source = source(&test.directory, "council", SourceKind::OrukNdjson).await;
    assert_eq!(import_file(&test.directory, &source, &path).await.counts.created, 50);
    let id = documents[3]["id"].as_str().expect("id");
    let original = description(&test.directory, id).await;

    // Another run of the source (its API, one record at a time) changes one listing.
    let mut newer = documents[3].clone();
    newer["description"] = Value::from("Changed by a later run of the source.");
    let report = test
        .directory
        .apply_import(&source, vec![item_from_json(&newer.to_string(), Some(1))])
        .await
        .expect("applied");
    assert_eq!(report.counts.updated, 1);

    // The file again: its line for that record is the very line read before, but the record
    // has changed since, so the line is read and the listing put back.
    let summary = import_file(&test.directory, &source, &path).await;
    assert_eq!((summary.counts.updated, summary.counts.unchanged), (1, 49), "{summary}");
    assert_eq!(description(&test.directory, id).await, original);

    // Once more: every line is as read, and nothing is written.
    let changes = rows(&test.directory, "change_log").await;
    let summary = import_file(&test.directory, &source, &path).await;
    assert_eq!(summary.counts.unchanged, 50, "{summary}");
    assert_eq!(rows(&test.directory, "change_log").await, changes);

    // The same records written out differently (keys in another order): unchanged, and the
    // links now hold the new lines, so the next run skips them unparsed.
    let reordered: Vec<String> = documents
        .iter()
        .map(|document| {
            let mut fields: Vec<(&String, &Value)> = document.as_object().expect("object").iter().collect();
            fields.reverse();
            let body: Vec<String> = fields
                .into_iter()
                .map(|(key, value)| format!("{}:{value}", Value::from(key.as_str())))
                .collect();
            format!("{{{}}}", body.join(","))
        })
        .collect();
    let path = write_ndjson(folder.path(), "reordered.ndjson", &reordered);
    let summary = import_file(&test.directory, &source, &path).await;
    assert_eq!(summary.counts.unchanged, 50, "{summary}");
    assert_eq!(rows(&test.directory, "change_log").await, changes);
    for (document, line) in documents.iter().zip(&reordered) {
        let kept: Option<String> =
            db::query_scalar("SELECT line_hash FROM import_records WHERE kind = 'service' AND source_record_id = ?")
                .bind(document["id"].as_str().expect("id"))
                .fetch_one(test.directory.store().pool())
                .await
                .expect("link");
        let expected: String = indexer::store::bulk::line_hash(line)
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        assert_eq!(kept.as_deref(), Some(expected.as_str()), "the new line is kept");
    }
}

#[tokio::test]
async fn a_record_listed_twice_in_a_file_ends_as_its_last_line_says() {
    let test = seeded().await;
    let folder = tempfile::tempdir().expect("temp dir");
    // More than a chunk (5,000 records), so the record's two lines are read in different chunks.
    let documents = copies(5_010);
    let first = lines(&documents);
    let path = write_ndjson(folder.path(), "list.ndjson", &first);
    let source = source(&test.directory, "council", SourceKind::OrukNdjson).await;
    assert_eq!(import_file(&test.directory, &source, &path).await.counts.created, 5_010);
    let id = documents[0]["id"].as_str().expect("id");
    let original = description(&test.directory, id).await;

    // The record first with a new description, and again at the end as it was: the line read
    // before, which the first line's write has since made stale.
    let mut changed = documents[0].clone();
    changed["description"] = Value::from("Briefly changed at the top of the file.");
    let mut again = first.clone();
    again[0] = changed.to_string();
    again.push(first[0].clone());
    let path = write_ndjson(folder.path(), "twice.ndjson", &again);
    let summary = import_file(&test.directory, &source, &path).await;
    assert_eq!(
        (summary.counts.updated, summary.counts.unchanged),
        (2, 5_009),
        "{summary}"
    );
    assert_eq!(description(&test.directory, id).await, original, "the last line wins");
}

/// A record listed twice in one chunk (a spreadsheet's row pasted twice, an export re-run into
/// the same file): one listing, as the later line says, whether the record is new to the
/// directory or already there, and each line counted.
#[tokio::test]
async fn a_record_listed_twice_in_one_chunk_is_one_listing_as_its_later_line_says() {
    let test = seeded().await;
    let folder = tempfile::tempdir().expect("temp dir");
    let documents = copies(20);
    let id = documents[2]["id"].as_str().expect("id");
    let with_description = |text: &str| {
        let mut document = documents[2].clone();
        document["description"] = Value::from(text);
        document.to_string()
    };
    // New to the directory: listed with one description, and again further down with another.
    let mut first = lines(&documents);
    first.insert(10, with_description("Listed again further down the file."));
    let path = write_ndjson(folder.path(), "list.ndjson", &first);
    let source = source(&test.directory, "council", SourceKind::OrukNdjson).await;
    let summary = import_file(&test.directory, &source, &path).await;
    let counts = &summary.counts;
    assert_eq!(
        (counts.created, counts.updated, counts.rejected),
        (20, 1, 0),
        "{summary}"
    );
    let services: i64 =
        db::query_scalar("SELECT COUNT(*) FROM import_records WHERE kind = 'service' AND source_record_id = ?")
            .bind(id)
            .fetch_one(test.directory.store().pool())
            .await
            .expect("links");
    assert_eq!(services, 1, "{summary}");
    assert_eq!(
        description(&test.directory, id).await,
        "Listed again further down the file.",
        "{summary}"
    );
    let linked: i64 = db::query_scalar("SELECT COUNT(*) FROM import_records WHERE kind = 'service'")
        .fetch_one(test.directory.store().pool())
        .await
        .expect("links");
    assert_eq!(linked, 20, "{summary}");

    // Already there: changed twice in the same file, the later change wins.
    let mut second = lines(&documents);
    second[2] = with_description("First change in the file.");
    second.push(with_description("Second change, at the end of the file."));
    let path = write_ndjson(folder.path(), "twice.ndjson", &second);
    let summary = import_file(&test.directory, &source, &path).await;
    let counts = &summary.counts;
    assert_eq!(
        (counts.updated, counts.unchanged, counts.rejected),
        (2, 19, 0),
        "{summary}"
    );
    assert_eq!(
        description(&test.directory, id).await,
        "Second change, at the end of the file.",
        "{summary}"
    );
}
