//! Tests of the collector's passes against each other.

use super::*;
use crate::domain::{GeoPoint, NeedCode, PlaceCode};
use crate::search::{AssetDocument, Near, SearchIndex, SearchOptions, SearchRequest};

/// Counting facets a word (64 documents) at a time, by the needs' bits and by words of one
/// district, gives the counts of tallying match by match, and of counting listing by listing:
/// over runs of listings in one district (in curve order, as indexed), mixed runs, listings
/// in two districts or none; near a point with and without words.
#[test]
fn facets_counted_by_words_are_those_counted_by_match() {
    let place = |code: &str| PlaceCode::parse(code).expect("code");
    let districts = [place("E07000148"), place("E07000149"), place("E07000145")];
    let needs = [
        "strength-and-balance",
        "social-connection",
        "money-advice",
        "carers",
        "food",
    ];
    let centre = GeoPoint::new(52.63, 1.29).expect("point");
    let mut next = crate::search::random(0x2545_f491_4f6c_dd1d);
    let mut documents: Vec<AssetDocument> = (0..6_000)
        .map(|i| {
            let (north, east) = (next(2_000), next(2_000));
            let venue = GeoPoint::new(
                52.63 + (north as f64 - 1_000.0) * 0.0001,
                1.29 + (east as f64 - 1_000.0) * 0.00016,
            )
            .expect("venue");
            // Three bands from west to east each in one district (the curve order keeps
            // their listings together; a few in the first are also in the second), the
            // east mixed.
            let districts = match (east / 600, next(10)) {
                (0, 0) => districts[..2].to_vec(),
                (band @ 0..=2, _) => vec![districts[band].clone()],
                (_, 0) => Vec::new(),
                (_, 1) => districts[..2].to_vec(),
                (_, pick) => vec![districts[pick % 3].clone()],
            };
            AssetDocument {
                kind: Some(AssetKind::Service),
                id: uuid::Uuid::new_v4(),
                // One in three with a word (no need's synonym), found beside the radius.
                name: format!("example {i}{}", if i % 3 == 0 { " pottery" } else { "" }),
                // Picked with replacement: a need may be listed twice.
                needs: (0..1 + next(3))
                    .map(|_| NeedCode::parse(needs[next(needs.len())]).expect("need"))
                    .collect(),
                venues: vec![venue],
                districts: districts.into_iter().collect(),
                ..AssetDocument::default()
            }
        })
        .collect();
    documents.sort_by_key(|document| document.curve_position());
    let index = SearchIndex::in_memory(15_000_000).expect("index");
    index.replace_all(documents.clone(), 1, |_| {}).expect("build");
    // What the facets should be, listing by listing.
    let expected = |radius_km: f64, word: Option<&str>| {
        let mut needs: HashMap<String, u64> = HashMap::new();
        let mut districts: HashMap<String, u64> = HashMap::new();
        let mut total = 0;
        for document in &documents {
            if document
                .venues
                .iter()
                .all(|venue| centre.distance_km(venue) > radius_km)
                || word.is_some_and(|word| !document.name.contains(word))
            {
                continue;
            }
            total += 1;
            let distinct: std::collections::BTreeSet<&str> = document.needs.iter().map(|n| n.as_str()).collect();
            for need in distinct {
                *needs.entry(need.to_string()).or_default() += 1;
            }
            for district in &document.districts {
                *districts.entry(district.as_str().to_string()).or_default() += 1;
            }
        }
        (total, needs, districts)
    };

    let searcher = index.index().reader().expect("reader").searcher();
    let columns = SegmentColumns::open(searcher.segment_reader(0)).expect("columns");
    assert!(
        columns.word_district.iter().any(|&ord| ord != MIXED),
        "words of one district"
    );
    assert!(columns.word_district.contains(&MIXED), "mixed words");

    for (radius_km, word) in [
        (2.0, None),
        (5.0, None),
        (9.0, None),
        (30.0, None),
        (3.0, Some("pottery")),
        (30.0, Some("pottery")),
    ] {
        let request = SearchRequest {
            text: word.map(str::to_string),
            near: Some(Near {
                point: centre,
                radius_km,
                containing_places: Vec::new(),
            }),
            limit: 10,
            ..SearchRequest::default()
        };
        let counted = index
            .search(&request, SearchOptions::COUNTED_WITH_FACETS)
            .expect("search");
        let every = index
            .search_exhaustively(&request, SearchOptions::COUNTED_WITH_FACETS)
            .expect("every match");
        assert!(counted.total > 50, "{radius_km} km: {} matches", counted.total);
        assert_eq!(counted.total, every.total, "{radius_km} km");
        assert_eq!(counted.need_counts, every.need_counts, "{radius_km} km");
        assert_eq!(counted.district_counts, every.district_counts, "{radius_km} km");
        let (total, needs, districts) = expected(radius_km, word);
        assert_eq!(
            (counted.total, counted.need_counts, counted.district_counts),
            (total, needs, districts),
            "{radius_km} km, {word:?}: listing by listing"
        );
    }
}
