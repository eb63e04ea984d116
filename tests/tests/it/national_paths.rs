//! The paths made fast for national scale (issue 24) give what the slow ones gave: list pages
//! served from the search index equal the SQL pages over the seed (same listings, same order,
//! same counts, every listing once when paging by cursor), and gap reports and matrices read
//! from caches follow every change.

use std::collections::HashSet;

use indexer::domain::{NeedCode, PlaceCode, PlaceLevel, TAXONOMY};
use indexer::gaps::assets::EligibleAssets;
use indexer::gaps::report::{self, ReportInput};
use indexer::gaps::{Demand, GapCriteria, MaxDistanceKm};
use indexer::store::read::{NameKey, Page};
use indexer::Directory;
use uuid::Uuid;

use crate::support::seeded;

/// The (name, id) keys of one page.
fn keys<T>(page: &Page<T>, key: impl Fn(&T) -> (String, Uuid)) -> Vec<(String, Uuid)> {
    page.items.iter().map(key).collect()
}

/// Every service matching the filter, page by page: from the index, and from SQLite.
async fn walk_services(
    directory: &Directory,
    place: Option<&PlaceCode>,
    need: Option<NeedCode>,
    first: i64,
) -> (Vec<(String, Uuid)>, i64) {
    let mut walked = Vec::new();
    let mut after: Option<NameKey> = None;
    let mut total = None;
    loop {
        let fast = directory
            .services_by_name(place, need, first, after.as_ref(), true)
            .await
            .expect("page from the index");
        let uncounted = directory
            .services_by_name(place, need, first, after.as_ref(), false)
            .await
            .expect("page from the index without a count");
        let slow = directory
            .services(place, need, first, after.as_ref())
            .await
            .expect("page from SQLite");
        let key = |s: &indexer::domain::Service| (s.name.clone(), s.id);
        let context = format!("place {place:?} need {need:?} after {after:?}");
        assert_eq!(keys(&fast, key), keys(&slow, key), "{context}");
        assert_eq!(keys(&uncounted, key), keys(&slow, key), "{context}");
        assert_eq!(fast.total_count, slow.total_count, "{context}");
        assert_eq!(fast.has_next_page, slow.has_next_page, "{context}");
        assert_eq!(uncounted.has_next_page, slow.has_next_page, "{context}");
        assert!(total.is_none_or(|total| total == fast.total_count));
        total = Some(fast.total_count);
        walked.extend(keys(&fast, key));
        if !fast.has_next_page {
            return (walked, fast.total_count);
        }
        let (name, id) = walked.last().cloned().expect("a full page");
        after = Some(NameKey { name, id });
    }
}

#[tokio::test]
async fn service_pages_from_the_index_equal_the_sql_pages() {
    let test = seeded().await;
    let directory = &test.directory;
    let places = directory.places();
    let code = |raw: &str| PlaceCode::parse(raw).expect("code");
    let mut filters: Vec<Option<PlaceCode>> = vec![None, Some(code("E10000020")), Some(code("E07000143"))];
    filters.extend(
        places
            .list(Some(PlaceLevel::Ward), Some(&code("E07000148")))
            .first()
            .map(|ward| Some(ward.code.clone())),
    );
    filters.extend(
        places
            .list(Some(PlaceLevel::Lsoa), None)
            .first()
            .map(|lsoa| Some(lsoa.code.clone())),
    );
    let needs = [
        None,
        Some(NeedCode::parse("strength-and-balance").expect("need")),
        Some(NeedCode::parse("social-connection").expect("need")),
    ];
    let mut listed_somewhere = 0;
    for place in &filters {
        for need in needs {
            for first in [7, 100] {
                let (walked, total) = walk_services(directory, place.as_ref(), need, first).await;
                assert_eq!(walked.len() as i64, total, "every listing once: {place:?} {need:?}");
                let distinct: HashSet<Uuid> = walked.iter().map(|(_, id)| *id).collect();
                assert_eq!(distinct.len(), walked.len(), "no listing twice: {place:?} {need:?}");
                listed_somewhere += walked.len();
            }
        }
    }
    assert!(listed_somewhere > 100, "the filters found listings to compare");
}

#[tokio::test]
async fn service_pages_include_services_that_are_not_active() {
    let test = seeded().await;
    let directory = &test.directory;
    let (all, total) = walk_services(directory, None, None, 100).await;
    let not_active = directory
        .store()
        .not_active_service_keys(&Default::default())
        .await
        .expect("not active");
    assert!(!not_active.is_empty(), "the seed has services that are not active");
    for key in &not_active {
        assert!(all.contains(key), "{key:?} listed");
    }
    assert_eq!(all.len() as i64, total);
}

#[tokio::test]
async fn organisation_pages_from_the_index_equal_the_sql_pages() {
    let test = seeded().await;
    let directory = &test.directory;
    let mut after: Option<NameKey> = None;
    let mut walked = Vec::new();
    loop {
        let fast = directory
            .organizations_by_name(9, after.as_ref(), true)
            .await
            .expect("index page");
        let slow = directory
            .store()
            .organizations_page(9, after.as_ref())
            .await
            .expect("sql page");
        let key = |o: &indexer::domain::Organization| (o.name.clone(), o.id);
        assert_eq!(keys(&fast, key), keys(&slow, key));
        assert_eq!(fast.total_count, slow.total_count);
        assert_eq!(fast.has_next_page, slow.has_next_page);
        walked.extend(keys(&fast, key));
        if !fast.has_next_page {
            assert_eq!(walked.len() as i64, fast.total_count);
            break;
        }
        let (name, id) = walked.last().cloned().expect("a full page");
        after = Some(NameKey { name, id });
    }
    assert!(walked.len() > 10);
}

/// A list read right after a write shows it: the index catches up before it answers.
#[tokio::test]
async fn a_renamed_service_moves_in_the_list_at_once() {
    let test = seeded().await;
    let first = test
        .data(r#"{ services(first: 1) { totalCount edges { node { id name version } } } }"#)
        .await;
    let node = &first["services"]["edges"][0]["node"];
    let (id, version) = (
        node["id"].as_str().expect("id"),
        node["version"].as_i64().expect("version"),
    );
    let moderator = test
        .principal(indexer::accounts::Role::Moderator, "Moderator", None)
        .await;
    test.data_as(
        &moderator,
        &format!(r#"mutation {{ updateService(id: "{id}", version: {version}, input: {{ name: "zzz last of all" }}) {{ id }} }}"#),
    )
    .await;
    let after = test
        .data(r#"{ services(first: 1) { totalCount edges { node { id } } } }"#)
        .await;
    assert_ne!(after["services"]["edges"][0]["node"]["id"], id, "no longer first");
    assert_eq!(after["services"]["totalCount"], first["services"]["totalCount"]);
}

/// Without `totalCount` selected a page still answers (the count is not worked out).
#[tokio::test]
async fn a_page_without_total_count_lists_the_same_services() {
    let test = seeded().await;
    let query = |fields: &str| {
        format!(
            r#"{{ services(place: "E07000143", need: "strength-and-balance", first: 5) {{ {fields} edges {{ node {{ id }} }} }} }}"#
        )
    };
    let with = test.data(&query("totalCount")).await;
    let without = test.data(&query("")).await;
    assert_eq!(with["services"]["edges"], without["services"]["edges"]);
    assert!(with["services"]["totalCount"].as_i64().expect("count") > 0);
}

/// The gap report as the engine gave it before caching: every candidate read afresh, every
/// venue tested against the Place's boundary.
async fn fresh_report(
    directory: &Directory,
    place: &PlaceCode,
    need: NeedCode,
    criteria: &GapCriteria,
) -> indexer::gaps::GapReport {
    let geography = directory.geography();
    let place = directory.place(place).expect("place");
    let areas = report::areas_of(&geography, &place, "place").expect("areas");
    let candidates = directory.store().gap_candidates().await.expect("candidates");
    let assets = EligibleAssets::select(&candidates, need, criteria, chrono::Utc::now());
    report::build(&ReportInput {
        geography: &geography,
        place: &place,
        need,
        criteria,
        demand: Demand::default(),
        areas: &areas,
        assets: &assets,
        location_places: None,
    })
}

/// The matrix row of a child and need.
fn cell(matrix: &indexer::gaps::GapMatrix, child: &PlaceCode, need: NeedCode) -> indexer::gaps::GapSummary {
    matrix
        .rows
        .iter()
        .find(|row| &row.place.code == child && row.need == need)
        .expect("a row")
        .summary
}

#[tokio::test]
async fn cached_gap_reports_and_matrix_cells_follow_every_change() {
    let test = seeded().await;
    let directory = &test.directory;
    let breckland = PlaceCode::parse("E07000143").expect("code");
    let norfolk = PlaceCode::parse("E10000020").expect("code");
    let need = NeedCode::parse("strength-and-balance").expect("need");
    let criteria = GapCriteria::new(MaxDistanceKm::parse(5.0).expect("reach"));
    let gaps = || async {
        directory
            .gaps(&breckland, need, &criteria, Demand::default())
            .await
            .expect("report")
    };
    let matrix = || async {
        directory
            .gap_matrix(
                &norfolk,
                &TAXONOMY
                    .iter()
                    .map(|n| NeedCode::parse(n.code).expect("need"))
                    .collect::<Vec<_>>(),
                &criteria,
            )
            .await
            .expect("matrix")
    };

    let before = gaps().await;
    assert_eq!(before, fresh_report(directory, &breckland, need, &criteria).await);
    assert_eq!(gaps().await, before, "the cached report is the same report");
    assert_eq!(cell(&matrix().await, &breckland, need), before.summary);
    for child in ["E07000148", "E07000146"] {
        let child = PlaceCode::parse(child).expect("code");
        let report = fresh_report(directory, &child, need, &criteria).await;
        assert_eq!(cell(&matrix().await, &child, need), report.summary, "{child}");
    }

    // A service with a venue in Breckland stops offering the need.
    let inside = before
        .assets
        .iter()
        .find(|asset| asset.in_place)
        .expect("an asset inside");
    let service = directory
        .store()
        .service(inside.service_id)
        .await
        .expect("read")
        .expect("service");
    let moderator = test
        .principal(indexer::accounts::Role::Moderator, "Moderator", None)
        .await;
    test.data_as(
        &moderator,
        &format!(
            r#"mutation {{ updateService(id: "{}", version: {}, input: {{ needs: ["information-and-advice"] }}) {{ version }} }}"#,
            service.id, service.version
        ),
    )
    .await;

    let after = gaps().await;
    assert_eq!(after, fresh_report(directory, &breckland, need, &criteria).await);
    assert!(
        after.summary.asset_count < before.summary.asset_count,
        "the venue no longer counts"
    );
    assert!(!after.assets.iter().any(|asset| asset.service_id == service.id));
    assert_eq!(cell(&matrix().await, &breckland, need), after.summary);
    let advice = NeedCode::parse("information-and-advice").expect("need");
    assert_eq!(
        cell(&matrix().await, &breckland, advice),
        fresh_report(directory, &breckland, advice, &criteria).await.summary,
        "the need it gained counts it"
    );
}
