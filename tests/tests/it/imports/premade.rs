//! A big run's search documents made as it writes its listings (issue 19's import speed): the
//! rebuild at its end indexes them without reading the listings back, reads back those changed
//! since, and the index it builds is the one reading everything back builds.

use indexer::domain::{GeoPoint, NeedCode};
use indexer::imports::bulk::BulkLoad;
use indexer::imports::oruk::FileImportOptions;
use indexer::imports::SourceKind;
use indexer::search::document::DocumentBuilder;
use indexer::search::sync::{rebuild, rebuild_with, Premade};
use indexer::search::{AssetKind, Near, SearchOptions, SearchRequest, SortOrder};
use indexer::Directory;
use serde_json::Value;
use uuid::Uuid;

use super::support::*;
use crate::support::seeded;

/// What searches find: a spread of requests (words in every text field, needs, a radius with
/// days and ages, place facets), each with every hit's id, score and distance, total and
/// facets; and every document's place in the index's order. Hits of equal score are in id
/// order: the index's document order among equals depends on which indexing thread took which
/// documents, in any rebuild.
async fn findings(directory: &Directory) -> Vec<String> {
    let index = directory.search_index();
    let point = GeoPoint::new(52.63, 1.29).expect("in Norfolk");
    let near = Some(Near {
        point,
        radius_km: 40.0,
        containing_places: directory.places_at(point).into_iter().map(|p| p.code).collect(),
    });
    let base = SearchRequest {
        limit: 1_000,
        today: chrono::Utc::now().date_naive(),
        ..SearchRequest::default()
    };
    let text = |words: &str| SearchRequest {
        text: Some(words.to_string()),
        ..base.clone()
    };
    let mut requests: Vec<SearchRequest> = [
        "exercise",
        "library",
        "advice",
        "lunch club",
        "norwich",
        "renamed",
        "#2",
        "age uk",
        "tai chi",
    ]
    .into_iter()
    .map(text)
    .collect();
    requests.extend([
        SearchRequest {
            needs: vec![NeedCode::parse("social-connection").expect("need")],
            ..base.clone()
        },
        SearchRequest {
            near: near.clone(),
            days: vec![chrono::Weekday::Tue, chrono::Weekday::Thu],
            age: Some(78),
            sort: SortOrder::Distance,
            ..base.clone()
        },
        SearchRequest {
            near,
            ..text("walking group")
        },
        SearchRequest {
            kinds: vec![AssetKind::Organization],
            ..base.clone()
        },
    ]);
    let mut found = Vec::new();
    for request in &requests {
        let collected = index
            .search(request, SearchOptions::COUNTED_WITH_FACETS)
            .expect("search");
        let mut needs: Vec<_> = collected.need_counts.into_iter().collect();
        let mut districts: Vec<_> = collected.district_counts.into_iter().collect();
        needs.sort();
        districts.sort();
        let mut hits: Vec<_> = collected
            .hits
            .iter()
            .map(|hit| (hit.score.to_bits(), hit.id.clone(), hit.distance_km.map(f64::to_bits)))
            .collect();
        assert!(!collected.has_more, "every match on the page");
        hits.sort();
        found.push(format!(
            "{:?}: {} {hits:?} {needs:?} {districts:?}",
            request.text, collected.total
        ));
    }
    let mut order = index.document_order().expect("order");
    order.sort();
    found.push(format!("{order:?}"));
    found
}

/// Rebuilds `directory`'s index from `premade` and the database.
async fn rebuild_from(directory: &Directory, premade: Premade) {
    let places = directory.places();
    rebuild_with(
        directory.store(),
        &places,
        directory.search_index(),
        Some(premade),
        async {},
        |_| {},
    )
    .await
    .expect("rebuild");
}

#[tokio::test]
async fn a_load_that_makes_its_documents_as_it_writes_indexes_what_reading_everything_back_does() {
    let test = seeded().await;
    let directory = &test.directory;
    let folder = tempfile::tempdir().expect("temp dir");
    let mut lines: Vec<String> = copies(300).iter().map(Value::to_string).collect();
    // A record listed again at the end, renamed: the document made of its first line is stale
    // by the end of the run.
    let mut again: Value = serde_json::from_str(&lines[5]).expect("json");
    again["name"] = Value::from("Renamed at the end of the run");
    lines.push(again.to_string());
    let path = write_ndjson(folder.path(), "services.ndjson", &lines);
    let source = source(directory, "premade", SourceKind::OrukNdjson).await;
    // Indexes deferred too (SQLite): the rebuild indexes the premade documents while they are
    // built again, and reads the seed's services back once they are.
    let load = BulkLoad {
        premade_documents_bytes: 0,
        rebuild_after: 1,
        defer_indexes_bytes: 0,
    };
    let summary = directory
        .import_oruk_file_bulk_with(&source, &path, FileImportOptions::default(), load, |_| {}, |_| {})
        .await
        .expect("import runs");
    assert_eq!((summary.counts.created, summary.counts.updated), (300, 1), "{summary}");
    assert_eq!(
        directory.search_index().applied_seq(),
        directory.store().last_change_seq().await.expect("seq"),
        "the rebuild took in every change"
    );
    let made = findings(directory).await;
    assert!(
        made.iter().any(|line| line.starts_with("Some(\"renamed\"): 1 ")),
        "the listing renamed after its document was made is found by its new name: {made:#?}"
    );

    rebuild(directory.store(), &directory.places(), directory.search_index(), |_| {})
        .await
        .expect("rebuild");
    let read = findings(directory).await;
    assert_eq!(made.len(), read.len());
    for (made, read) in made.iter().zip(&read) {
        assert_eq!(made, read);
    }
    // The documents set aside went with the rebuild.
    let left: Vec<_> = std::fs::read_dir(test.data_dir.path())
        .expect("list")
        .map(|entry| entry.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("index-rebuild-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test]
async fn a_premade_document_is_indexed_while_its_listing_stays_as_it_was_made_and_read_back_once_it_changes() {
    let test = seeded().await;
    let directory = &test.directory;
    let store = directory.store();
    let public = store.public_service_seqs().await.expect("services");
    let [(kept, kept_seq), (moved, moved_seq)] = [public[0], public[1]];
    let places = directory.places();
    let builder = DocumentBuilder { places: &places };
    let feed = store.service_feed(Some(&[kept, moved])).await.expect("feed");
    let mut documents = builder.services(&feed);
    assert_eq!(documents.len(), 2);
    for document in &mut documents {
        // Made by a writer that does not know the organisation's name: the rebuild fills it in.
        document.name = format!("Zanzibar {}", document.id);
        document.description.clear();
        document.organization.clear();
    }
    let mut premade = Premade::new(directory.search_index()).expect("premade");
    premade.add(&documents[0], kept_seq).expect("add");
    // Made before the listing's last change: stale.
    premade.add(&documents[1], moved_seq - 1).expect("add");
    rebuild_from(directory, premade).await;

    let index = directory.search_index();
    let search = |words: &str| {
        let request = SearchRequest {
            text: Some(words.to_string()),
            limit: 500,
            today: chrono::Utc::now().date_naive(),
            ..SearchRequest::default()
        };
        let hits = index.search(&request, SearchOptions::PAGE).expect("search").hits;
        hits.into_iter().map(|hit| hit.id).collect::<Vec<String>>()
    };
    assert_eq!(
        search("zanzibar"),
        [kept.to_string()],
        "only the document still true is indexed as made"
    );
    let service = |id: Uuid| feed.services.iter().find(|service| service.id == id).expect("read");
    assert!(
        search(&service(moved).name).contains(&moved.to_string()),
        "the stale one was read back"
    );
    let organization = &feed.organization_names[&service(kept).organization_id];
    assert!(
        search(organization).contains(&kept.to_string()),
        "its organisation's name ({organization}) is filled in"
    );
    let indexed = index.num_docs();
    rebuild(store, &places, index, |_| {}).await.expect("rebuild");
    assert_eq!(indexed, index.num_docs(), "every listing indexed once");
}

#[tokio::test]
async fn documents_made_at_a_venue_that_changed_since_it_was_written_are_read_back() {
    use indexer::accounts::Role;
    use indexer::editing::input::LocationInput;

    let test = seeded().await;
    let directory = &test.directory;
    let store = directory.store();
    let (service, seq) = store.public_service_seqs().await.expect("services")[0];
    let venue = store
        .locations_of_service(service)
        .await
        .expect("venues")
        .into_iter()
        .next()
        .expect("a venue");
    assert_eq!(venue.version, 1, "as first written");
    assert_eq!(
        store.services_at_changed_venues(&[venue.id]).await.expect("read"),
        Vec::<Uuid>::new()
    );

    let admin = test.principal(Role::Admin, "Ada Admin", None).await;
    let input = LocationInput {
        city: Some("Elsewhere".into()),
        ..LocationInput::default()
    };
    directory
        .update_location(&admin, venue.id, venue.version, &input)
        .await
        .expect("edit the venue");
    let stale = store.services_at_changed_venues(&[venue.id]).await.expect("read");
    assert!(stale.contains(&service), "{stale:?}");

    // A document made from the venue as it was, at the service's position now (as a listing a
    // later chunk wrote there would have it): forgotten, so the rebuild reads it back.
    let places = directory.places();
    let feed = store.service_feed(Some(&[service])).await.expect("feed");
    let mut document = DocumentBuilder { places: &places }.services(&feed).remove(0);
    document.name = "Zanzibar made before the venue moved".into();
    let (_, seq_now) = store
        .public_service_seqs()
        .await
        .expect("services")
        .into_iter()
        .find(|(id, _)| *id == service)
        .expect("still public");
    assert!(seq_now > seq, "the edit moved the service's position");
    let mut premade = Premade::new(directory.search_index()).expect("premade");
    premade.add(&document, seq_now).expect("add");
    premade.forget(&stale);
    assert_eq!(premade.count(), 0);
    rebuild_from(directory, premade).await;
    let request = SearchRequest {
        text: Some("zanzibar".into()),
        today: chrono::Utc::now().date_naive(),
        ..SearchRequest::default()
    };
    let found = directory
        .search_index()
        .search(&request, SearchOptions::PAGE)
        .expect("search");
    assert!(found.hits.is_empty(), "{:?}", found.hits);
}
