//! Search: what residents type over the seed. Stop words are no words in any field (place names
//! included), one-letter slips of words the listings have find what the word finds, and a typo
//! match says which word was read as which (issue 22, part 7).

use serde_json::Value;

use crate::support::{seeded, TestDirectory};

/// Runs `search(args)` and returns the connection (total, ids and reasons).
async fn search(test: &TestDirectory, args: &str) -> Value {
    let query = format!("{{ search({args}) {{ totalCount edges {{ score matchReasons node {{ id }} }} }} }}");
    test.data(&query).await["search"].clone()
}

fn edges(connection: &Value) -> Vec<Value> {
    connection["edges"].as_array().cloned().unwrap_or_default()
}

fn ids(connection: &Value) -> Vec<String> {
    edges(connection)
        .iter()
        .map(|edge| edge["node"]["id"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Every match's id, page by page, in rank order, and the total.
async fn every_id(test: &TestDirectory, text: &str) -> (Vec<String>, u64) {
    let mut found = Vec::new();
    let mut after = String::new();
    loop {
        let query = format!(
            r#"{{ search(text: "{text}" first: 100 {after}) {{ totalCount pageInfo {{ hasNextPage endCursor }} edges {{ node {{ id }} }} }} }}"#
        );
        let connection = test.data(&query).await["search"].clone();
        found.extend(ids(&connection));
        if connection["pageInfo"]["hasNextPage"] != Value::Bool(true) {
            return (found, total(&connection));
        }
        after = format!(
            r#"after: "{}""#,
            connection["pageInfo"]["endCursor"].as_str().expect("cursor")
        );
    }
}

fn reasons(edge: &Value) -> Vec<String> {
    edge["matchReasons"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|reason| reason.as_str().map(str::to_string))
        .collect()
}

fn total(connection: &Value) -> u64 {
    connection["totalCount"].as_u64().expect("totalCount")
}

/// Regression: "and" matched 43 listings by place names ("in or serving \"and\""), and "the" 9.
#[tokio::test]
async fn stop_words_match_nothing_in_any_field() {
    let test = seeded().await;
    for word in ["and", "the", "for", "with", "of"] {
        let connection = search(&test, &format!(r#"text: "{word}" first: 50"#)).await;
        assert_eq!(total(&connection), 0, "{word}: {connection}");
    }
}

/// Regression: "tai and chi" gave 103 results against 69 for "tai chi".
#[tokio::test]
async fn stop_words_between_words_change_nothing() {
    let test = seeded().await;
    for (plain, padded) in [
        ("tai chi", "tai and chi"),
        ("lunch club", "the lunch club"),
        ("chair exercise", "chair exercise for the"),
        ("memory cafe dementia carers", "a memory cafe for dementia and carers"),
    ] {
        let expected = every_id(&test, plain).await;
        assert!(expected.1 > 0, "{plain}");
        assert_eq!(every_id(&test, padded).await, expected, "{padded} against {plain}");
        let found = search(&test, &format!(r#"text: "{padded}" first: 100"#)).await;
        for edge in edges(&found) {
            let reasons = reasons(&edge);
            assert!(
                !reasons.iter().any(|r| r.contains(r#""and""#) || r.contains(r#""the""#)),
                "{padded}: {reasons:?}"
            );
        }
    }
}

/// Regression: `exercize` and `lonley` found nothing while `excercise` and `balence` worked.
/// A one-letter slip (changed, dropped, added or swapped) of a word the listings have finds
/// listings with that word, and says which word it was read as.
#[tokio::test]
async fn one_letter_slips_find_the_word_and_say_so() {
    let test = seeded().await;
    for (typo, word) in [
        ("exercize", "exercise"),
        ("lonley", "lonely"),
        ("excercise", "exercise"),
        ("balence", "balance"),
        ("dementa", "dementia"),
        ("walkng", "walking"),
        ("befreinding", "befriending"),
    ] {
        let connection = search(&test, &format!(r#"text: "{typo}" first: 10"#)).await;
        let found = edges(&connection);
        assert!(!found.is_empty(), "{typo} finds nothing");
        let reading = format!(r#""{typo}" read as "{word}""#);
        for edge in &found {
            let reasons = reasons(edge);
            assert!(
                reasons.contains(&reading),
                "{typo}: every hit says it was read as {word}: {reasons:?}"
            );
        }
        // What the word itself finds, the typo finds too (it may find more, by other readings).
        let (exact, _) = every_id(&test, word).await;
        let (with_typo, _) = every_id(&test, typo).await;
        for id in &exact {
            assert!(with_typo.contains(id), "{typo}: misses a listing {word} finds");
        }
    }
}

/// A typo among other words counts as its word towards the half of the words a listing needs,
/// and a word the listings have is never read as another.
#[tokio::test]
async fn typos_in_longer_queries_count_as_their_words() {
    let test = seeded().await;
    let (exact, exact_total) = every_id(&test, "exercise class for older people").await;
    let (typed, typed_total) = every_id(&test, "exercize class for older poeple").await;
    assert!(exact_total > 0);
    assert!(typed_total >= exact_total, "{typed_total} against {exact_total}");
    for id in &exact {
        assert!(typed.contains(id), "the typed words miss a listing the words find");
    }
    let connection = search(&test, r#"text: "class" first: 20"#).await;
    for edge in edges(&connection) {
        assert!(
            !reasons(&edge).iter().any(|r| r.contains("read as")),
            "{:?}",
            reasons(&edge)
        );
    }
}
