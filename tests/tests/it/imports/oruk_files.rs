//! ORUK files into the directory: the export → import round trip, and the rules every source
//! shares (removals, dry runs, local edits, duplicate organisations, trust, bad records).

use std::collections::HashMap;

use indexer::accounts::{Role, Viewer};
use indexer::editing::input::ServiceInput;
use indexer::imports::oruk::FileImportOptions;
use indexer::imports::{RecordOutcome, SourceKind, SourceSpec, Trust};
use indexer::Error;
use serde_json::Value;
use uuid::Uuid;

use super::support::*;
use crate::support::seeded;

/// Imports `path`, returning the summary and each record's service id by its source id.
async fn import_collecting(
    directory: &indexer::Directory,
    source: &indexer::imports::SourceRef,
    path: &std::path::Path,
    options: FileImportOptions,
) -> (
    indexer::imports::run::ImportSummary,
    HashMap<String, Uuid>,
    Vec<RecordOutcome>,
) {
    let mut ids = HashMap::new();
    let mut outcomes = Vec::new();
    let summary = directory
        .import_oruk_file(
            source,
            path,
            options,
            |_| {},
            |report| {
                for record in &report.records {
                    if let (Some(record_id), Some(service_id)) = (&record.source_record_id, record.service_id) {
                        ids.insert(record_id.clone(), service_id);
                    }
                    outcomes.push(record.outcome.clone());
                }
            },
        )
        .await
        .expect("import runs");
    (summary, ids, outcomes)
}

#[tokio::test]
async fn export_then_import_gives_the_same_services_by_the_oruk_schema() {
    let export = seed_export();
    let test = seeded().await;
    let folder = tempfile::tempdir().expect("temp dir");
    let path = write_ndjson(folder.path(), "seed.ndjson", export);
    let source = source(&test.directory, "round-trip", SourceKind::OrukNdjson).await;
    let (summary, ids, _) = import_collecting(&test.directory, &source, &path, FileImportOptions::default()).await;
    assert_eq!(summary.counts.created as usize, export.len(), "{summary}");
    assert_eq!(summary.counts.rejected, 0, "{:?}", summary.errors);
    for line in export {
        let original: Value = serde_json::from_str(line).expect("export line is JSON");
        let record_id = original["id"].as_str().expect("id");
        let imported = test
            .directory
            .oruk_service(ids[record_id])
            .await
            .expect("the imported service is public");
        let imported = serde_json::to_value(&imported).expect("serialises");
        let errors: Vec<String> = service_schema()
            .iter_errors(&imported)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{record_id}: {errors:#?}");
        let (imported, original) = (content_of(&imported), content_of(&original));
        let differing: Vec<String> = original
            .as_object()
            .expect("object")
            .iter()
            .filter(|(key, value)| imported.get(key.as_str()) != Some(*value))
            .map(|(key, value)| {
                format!(
                    "{key}: {} ≠ {}",
                    value.to_string().chars().take(300).collect::<String>(),
                    imported[key.as_str()].to_string().chars().take(300).collect::<String>()
                )
            })
            .collect();
        assert!(
            differing.is_empty(),
            "service {record_id} changed in the round trip: {differing:#?}"
        );
        let provenance = test
            .directory
            .provenance(ids[record_id])
            .await
            .expect("provenance")
            .expect("an imported service has provenance");
        assert_eq!(
            (provenance.source_name.as_str(), provenance.source_record_id.as_str()),
            ("round-trip", record_id)
        );
    }
    // Searchable at the end: the index has followed every change.
    test.directory.wait_until_searchable().await.expect("index follows");
    let index = test.directory.search_index();
    assert_eq!(
        index.applied_seq(),
        test.directory.store().last_change_seq().await.expect("seq")
    );
}

#[tokio::test]
async fn a_removed_record_is_archived_by_its_source_and_comes_back_when_listed_again() {
    let export = seed_export();
    let test = seeded().await;
    let folder = tempfile::tempdir().expect("temp dir");
    let all = write_ndjson(folder.path(), "all.ndjson", &export[..20]);
    let fewer = write_ndjson(folder.path(), "fewer.ndjson", &export[..15]);
    let source = source(&test.directory, "removals", SourceKind::OrukNdjson).await;
    let (_, ids, _) = import_collecting(&test.directory, &source, &all, FileImportOptions::default()).await;
    let summary = import_file(&test.directory, &source, &fewer).await;
    assert_eq!(
        (summary.counts.archived, summary.counts.unchanged),
        (5, 15),
        "{summary}"
    );
    let gone: Value = serde_json::from_str(&export[17]).expect("json");
    let gone_id = ids[gone["id"].as_str().expect("id")];
    let anonymous = Viewer::anonymous();
    assert!(matches!(
        test.directory.service(&anonymous, gone_id).await,
        Err(Error::NotFound { .. })
    ));
    let admin = test.principal(Role::Admin, "Ada", None).await;
    let history = test.directory.history(&admin, gone_id).await.expect("history");
    let last = history.last().expect("entries");
    assert_eq!(
        (last.action.as_str(), last.updated_by.as_str()),
        ("archive", "import:removals")
    );
    // A service the source did not bring in is never archived by it.
    let seeded_service: Value = serde_json::from_str(&export[0]).expect("json");
    let seeded_id = Uuid::parse_str(seeded_service["id"].as_str().expect("id")).expect("uuid");
    assert!(test.directory.service(&anonymous, seeded_id).await.is_ok());
    let summary = import_file(&test.directory, &source, &all).await;
    assert_eq!((summary.counts.updated, summary.counts.unchanged), (5, 15), "{summary}");
    assert!(test.directory.service(&anonymous, gone_id).await.is_ok());
}

#[tokio::test]
async fn a_dry_run_reports_each_record_and_writes_nothing() {
    let export = seed_export();
    let test = seeded().await;
    let folder = tempfile::tempdir().expect("temp dir");
    let mut lines: Vec<String> = export[..5].to_vec();
    let mut nameless: Value = serde_json::from_str(&export[5]).expect("json");
    nameless["name"] = Value::from("  ");
    lines.push(nameless.to_string());
    lines.push("{\"id\": \"x\", \"name\": \"No venue\", \"service_at_locations\": [{\"location\": {\"id\": \"v\", \"name\": \"Hall\"}}]}".into());
    lines.push("not json".into());
    let path = write_ndjson(folder.path(), "dry.ndjson", &lines);
    let source = source(&test.directory, "dry", SourceKind::OrukNdjson).await;
    let (changes, audits, services) = (
        rows(&test.directory, "change_log").await,
        rows(&test.directory, "audit_log").await,
        rows(&test.directory, "services").await,
    );
    let options = FileImportOptions {
        dry_run: true,
        ..FileImportOptions::default()
    };
    let (summary, _, outcomes) = import_collecting(&test.directory, &source, &path, options).await;
    assert_eq!((summary.counts.created, summary.counts.rejected), (5, 3), "{summary}");
    assert!(summary.dry_run);
    let fields: Vec<Option<String>> = outcomes
        .iter()
        .filter_map(|outcome| match outcome {
            RecordOutcome::Rejected { field, .. } => Some(field.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        fields,
        vec![
            Some("name".to_string()),
            Some("locations[0].postcode".to_string()),
            None
        ]
    );
    assert_eq!(rows(&test.directory, "change_log").await, changes);
    assert_eq!(rows(&test.directory, "audit_log").await, audits);
    assert_eq!(rows(&test.directory, "services").await, services);
    // The same file for real: the good records land, the bad ones are reported.
    let summary = import_file(&test.directory, &source, &path).await;
    assert_eq!((summary.counts.created, summary.counts.rejected), (5, 3), "{summary}");
    assert_eq!(rows(&test.directory, "services").await, services + 5);
}

#[tokio::test]
async fn an_imported_listing_is_read_only_until_an_admin_detaches_it() {
    let export = seed_export();
    let test = seeded().await;
    let folder = tempfile::tempdir().expect("temp dir");
    let path = write_ndjson(folder.path(), "one.ndjson", &export[..1]);
    let source = source(&test.directory, "kept", SourceKind::OrukNdjson).await;
    let (_, ids, _) = import_collecting(&test.directory, &source, &path, FileImportOptions::default()).await;
    let id = *ids.values().next().expect("one service");
    let moderator = test.principal(Role::Moderator, "Mo", None).await;
    let admin = test.principal(Role::Admin, "Ada", None).await;
    let rename = ServiceInput {
        name: Some("Renamed here".into()),
        ..ServiceInput::default()
    };
    let version = test
        .directory
        .store()
        .service(id)
        .await
        .expect("read")
        .expect("stored")
        .version;
    let refused = test.directory.update_service(&moderator, id, version, &rename).await;
    assert!(
        matches!(refused, Err(Error::Forbidden(ref message)) if message.contains("\"kept\"")),
        "{refused:?}"
    );
    test.directory
        .detach_from_source(&admin, id)
        .await
        .expect("admins detach");
    test.directory
        .update_service(&moderator, id, version, &rename)
        .await
        .expect("a detached listing is edited here");
    let mut changed: Value = serde_json::from_str(&export[0]).expect("json");
    changed["name"] = Value::from("Changed at the source");
    let path = write_ndjson(folder.path(), "one.ndjson", &[changed.to_string()]);
    let (summary, _, outcomes) = import_collecting(&test.directory, &source, &path, FileImportOptions::default()).await;
    assert_eq!(summary.counts.rejected, 1, "{summary}");
    assert!(matches!(&outcomes[0], RecordOutcome::Rejected { reason, .. } if reason.contains("detached")));
    let stored = test.directory.store().service(id).await.expect("read").expect("stored");
    assert_eq!(stored.name, "Renamed here", "the local edit is kept");
}

#[tokio::test]
async fn an_organisation_with_a_known_charity_number_is_linked_not_created_twice() {
    let export = seed_export();
    let test = seeded().await;
    let mut document: Value = export
        .iter()
        .map(|line| serde_json::from_str::<Value>(line).expect("json"))
        .find(|doc| {
            doc["organization"]["organization_identifiers"]
                .as_array()
                .is_some_and(|ids| !ids.is_empty())
        })
        .expect("a seeded organisation with a register number");
    let seeded_organization = document["organization"]["id"].as_str().expect("id").to_string();
    document["id"] = Value::from(Uuid::new_v4().to_string());
    document["organization"]["id"] = Value::from(Uuid::new_v4().to_string());
    document["organization"]["name"] = Value::from("A Different Name For The Same Charity");
    let folder = tempfile::tempdir().expect("temp dir");
    let path = write_ndjson(folder.path(), "dup.ndjson", &[document.to_string()]);
    let organizations = rows(&test.directory, "organizations").await;
    let source = source(&test.directory, "dups", SourceKind::OrukNdjson).await;
    let mut linked = Vec::new();
    test.directory
        .import_oruk_file(
            &source,
            &path,
            FileImportOptions::default(),
            |_| {},
            |report| {
                linked.extend(
                    report
                        .records
                        .iter()
                        .map(|r| (r.organization_linked, r.organization_id)),
                );
            },
        )
        .await
        .expect("import");
    assert_eq!(
        linked,
        vec![(true, Some(Uuid::parse_str(&seeded_organization).expect("uuid")))]
    );
    assert_eq!(rows(&test.directory, "organizations").await, organizations);
    // The linked organisation is not the source's to change.
    let stored = test
        .directory
        .store()
        .organization(Uuid::parse_str(&seeded_organization).expect("uuid"))
        .await
        .expect("read")
        .expect("stored");
    assert_ne!(stored.name, "A Different Name For The Same Charity");
}

#[tokio::test]
async fn a_moderated_source_sends_new_listings_to_the_queue() {
    let export = seed_export();
    let test = seeded().await;
    let mut document: Value = serde_json::from_str(&export[3]).expect("json");
    document["id"] = Value::from("svc-moderated-1");
    document["organization"]["id"] = Value::from("org-moderated-1");
    document["organization"]["name"] = Value::from("Brand New Walking Group");
    document["organization"]["organization_identifiers"] = Value::Array(Vec::new());
    let folder = tempfile::tempdir().expect("temp dir");
    let path = write_ndjson(folder.path(), "moderated.ndjson", &[document.to_string()]);
    let source = test
        .directory
        .ensure_source(&SourceSpec::new(
            "moderated",
            SourceKind::OrukNdjson,
            "test",
            Trust::Moderate,
        ))
        .await
        .expect("register");
    let (_, ids, _) = import_collecting(&test.directory, &source, &path, FileImportOptions::default()).await;
    let id = ids["svc-moderated-1"];
    let moderator = test.principal(Role::Moderator, "Mo", None).await;
    let queue = test.directory.moderation_queue(&moderator, false).await.expect("queue");
    assert!(
        queue.iter().any(|item| item.id == id),
        "the imported service waits for review"
    );
    assert!(test.directory.service(&Viewer::anonymous(), id).await.is_err());
}

#[tokio::test]
async fn a_saved_page_and_a_csv_package_import() {
    let export = seed_export();
    let test = seeded().await;
    let folder = tempfile::tempdir().expect("temp dir");
    let contents: Vec<Value> = export[..3]
        .iter()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let page = serde_json::json!({"total_items": 3, "total_pages": 1, "page_number": 1, "size": 3,
        "first_page": true, "last_page": true, "empty": false, "contents": contents});
    let page_path = folder.path().join("page.json");
    std::fs::write(&page_path, page.to_string()).expect("write");
    let source_page = source(&test.directory, "page", SourceKind::OrukJsonPage).await;
    let summary = import_file(&test.directory, &source_page, &page_path).await;
    assert_eq!(summary.counts.created, 3, "{summary}");

    let package = folder.path().join("package");
    std::fs::create_dir(&package).expect("mkdir");
    let tables = [
        ("organizations.csv", "id,name,description,website\norg-1,Wymondham Walkers,Weekly walks,https://example.org\n"),
        ("services.csv", "id,organization_id,name,description,status,fees,minimum_age\nsvc-1,org-1,Tuesday health walk,A gentle walk,active,Free,50\n"),
        ("locations.csv", "id,name,latitude,longitude\nloc-1,Wymondham Abbey,52.5706,1.1093\n"),
        ("addresses.csv", "id,location_id,address_1,city,postal_code,country\nadr-1,loc-1,Church Street,Wymondham,NR18 0PH,GB\n"),
        ("service_at_locations.csv", "id,service_id,location_id\nsal-1,svc-1,loc-1\n"),
        ("schedules.csv", "id,service_id,service_at_location_id,freq,interval,byday,opens_at,closes_at\nsch-1,svc-1,sal-1,WEEKLY,1,TU,10:00:00,11:00:00\n"),
        ("phones.csv", "id,service_id,number\nph-1,svc-1,01953 600000\n"),
    ];
    for (name, text) in tables {
        std::fs::write(package.join(name), text).expect("write table");
    }
    let source_csv = source(&test.directory, "csv-package", SourceKind::OrukCsv).await;
    let (summary, ids, _) =
        import_collecting(&test.directory, &source_csv, &package, FileImportOptions::default()).await;
    assert_eq!(summary.counts.created, 1, "{summary} {:?}", summary.errors);
    let id = ids["svc-1"];
    let service = test.directory.store().service(id).await.expect("read").expect("stored");
    assert_eq!(
        (service.name.as_str(), service.free, service.minimum_age),
        ("Tuesday health walk", Some(true), Some(50))
    );
    assert_eq!(service.phone.as_deref(), Some("01953 600000"));
    let venues = test.directory.store().locations_of_service(id).await.expect("venues");
    assert_eq!(venues.len(), 1);
    assert_eq!(venues[0].postcode.as_deref(), Some("NR18 0PH"));
    let schedules = test
        .directory
        .store()
        .schedules_of_service(id)
        .await
        .expect("schedules");
    assert_eq!(
        (schedules[0].byday.as_str(), schedules[0].opens_at.as_str()),
        ("TU", "10:00")
    );
    assert_eq!(schedules[0].location_id, Some(venues[0].id));
}
