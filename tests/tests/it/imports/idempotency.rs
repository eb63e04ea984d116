//! Importing the same data twice is importing it once: the second run writes nothing (no
//! versions, no audit rows, no change-log rows), whatever the data.

use indexer::store::db;
use proptest::prelude::*;
use serde_json::Value;

use super::support::*;
use crate::support::seeded;
use indexer::imports::SourceKind;

/// A seeded service document, changed in one of a few ways.
fn variant(index: usize, change: u8) -> String {
    let export = seed_export();
    let mut document: Value = serde_json::from_str(&export[index % export.len()]).expect("json");
    match change {
        0 => document["name"] = Value::from(format!("{} (imported)", document["name"].as_str().unwrap_or_default())),
        1 => document["description"] = Value::from("Changed at the source."),
        2 => document["schedules"] = Value::Array(Vec::new()),
        _ => document["minimum_age"] = Value::from(18),
    }
    document.to_string()
}

fn versions_sql() -> &'static str {
    "SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT) FROM services"
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn importing_twice_is_importing_once(picks in proptest::collection::btree_map(0usize..185, 0u8..5, 1..10)) {
        let lines: Vec<String> = picks
            .iter()
            .map(|(index, change)| if *change == 4 { seed_export()[index % seed_export().len()].clone() } else { variant(*index, *change) })
            .collect();
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        runtime.block_on(async {
            let test = seeded().await;
            let folder = tempfile::tempdir().expect("temp dir");
            let path = write_ndjson(folder.path(), "twice.ndjson", &lines);
            let source = source(&test.directory, "twice", SourceKind::OrukNdjson).await;
            let first = import_file(&test.directory, &source, &path).await;
            assert_eq!(first.counts.created as usize, lines.len(), "{first}");
            let before = (
                rows(&test.directory, "change_log").await,
                rows(&test.directory, "audit_log").await,
                rows(&test.directory, "services").await,
                rows(&test.directory, "organizations").await,
                db::query_scalar::<i64>(versions_sql()).fetch_one(test.directory.store().pool()).await.expect("versions"),
            );
            let second = import_file(&test.directory, &source, &path).await;
            assert_eq!(second.counts.unchanged as usize, lines.len(), "{second}");
            assert_eq!(second.counts.total(), second.counts.unchanged, "{second}");
            let after = (
                rows(&test.directory, "change_log").await,
                rows(&test.directory, "audit_log").await,
                rows(&test.directory, "services").await,
                rows(&test.directory, "organizations").await,
                db::query_scalar::<i64>(versions_sql()).fetch_one(test.directory.store().pool()).await.expect("versions"),
            );
            assert_eq!(before, after, "a second import of the same data wrote something");
            test.directory.close().await;
        });
    }
}
