//! Shared helpers of the import tests: an export of the seed as ORUK NDJSON, sources, counts.

use indexer::store::db;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use indexer::imports::oruk::FileImportOptions;
use indexer::imports::run::ImportSummary;
use indexer::imports::{SourceKind, SourceRef, SourceSpec, Trust};
use indexer::Directory;
use serde_json::Value;

use crate::support::{seeded, workspace_root};

/// The seed's public services as `indexer export` writes them, one document a line (written
/// once per test binary).
pub fn seed_export() -> &'static Vec<String> {
    static EXPORT: OnceLock<Vec<String>> = OnceLock::new();
    EXPORT.get_or_init(|| {
        std::thread::spawn(|| {
            let runtime = tokio::runtime::Runtime::new().expect("runtime");
            runtime.block_on(async {
                let test = seeded().await;
                let folder = tempfile::tempdir().expect("temp dir");
                let path = folder.path().join("seed.ndjson");
                let file = std::fs::File::create(&path).expect("create export");
                test.directory.export_oruk_ndjson(file, |_| {}).await.expect("export");
                test.directory.close().await;
                std::fs::read_to_string(&path)
                    .expect("read export")
                    .lines()
                    .map(str::to_string)
                    .collect()
            })
        })
        .join()
        .expect("export thread")
    })
}

/// Writes `lines` as an NDJSON file in `folder`.
pub fn write_ndjson(folder: &Path, name: &str, lines: &[String]) -> PathBuf {
    let path = folder.join(name);
    std::fs::write(&path, lines.join("\n") + "\n").expect("write ndjson");
    path
}

/// Registers a source that publishes directly.
pub async fn source(directory: &Directory, name: &str, kind: SourceKind) -> SourceRef {
    directory
        .ensure_source(&SourceSpec::new(name, kind, "test", Trust::Publish))
        .await
        .expect("register source")
}

/// Imports a file with the default options (archiving what it no longer lists).
pub async fn import_file(directory: &Directory, source: &SourceRef, path: &Path) -> ImportSummary {
    directory
        .import_oruk_file(source, path, FileImportOptions::default(), |_| {}, |_| {})
        .await
        .expect("import runs")
}

/// `count` service documents: copies of the seed's export, each with every UUID and name made
/// new (every UUID `v5(uuid, copy)`, names suffixed with the copy), so each copy is a new set of
/// services, venues and organisations.
pub fn copies(count: usize) -> Vec<Value> {
    let export = seed_export();
    (0..count)
        .map(|n| {
            let mut document: Value = serde_json::from_str(&export[n % export.len()]).expect("json");
            renew(&mut document, (n / export.len()) as u64 + 1);
            document
        })
        .collect()
}

fn renew(value: &mut Value, copy: u64) {
    match value {
        Value::String(text) => {
            if let Ok(id) = uuid::Uuid::parse_str(text) {
                *text = uuid::Uuid::new_v5(&id, &copy.to_le_bytes()).to_string();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| renew(item, copy)),
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                match item {
                    Value::String(name) if key == "name" => name.push_str(&format!(" #{copy}")),
                    _ => renew(item, copy),
                }
            }
        }
        _ => {}
    }
}

/// Rows in a table (the change log, the audit log...).
pub async fn rows(directory: &Directory, table: &str) -> i64 {
    db::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(directory.store().pool())
        .await
        .expect("count")
}

/// The ORUK 3.0 `service.json` schema, compiled.
pub fn service_schema() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let path = workspace_root().join("tests/fixtures/oruk3/service.json");
        let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json");
        jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .expect("schema compiles")
    })
}

/// A service document with every id, link and timestamp the directory chooses left out, and
/// runs of spaces in text collapsed (imports clean text as editing does: the seed has a venue
/// named "Opp   No. 55"): what a round trip must keep.
pub fn content_of(document: &Value) -> Value {
    match document {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(key, _)| !(key.as_str() == "id" || key.ends_with("_id") || key.as_str() == "last_modified"))
                .map(|(key, value)| (key.clone(), content_of(value)))
                .collect(),
        ),
        Value::Array(items) => {
            // Order by content: venues are listed by id, and ids are the directory's choice.
            let mut items: Vec<Value> = items.iter().map(content_of).collect();
            items.sort_by_cached_key(|item| item.to_string());
            Value::Array(items)
        }
        Value::String(text) => Value::String(
            text.split(' ')
                .filter(|part| !part.is_empty())
                .collect::<Vec<_>>()
                .join(" "),
        ),
        other => other.clone(),
    }
}
