//! `schema.graphql` is the published contract: it must equal the SDL generated from the code,
//! and every type, field, argument and enum value in it must have a description.
//! Regenerate with `UPDATE_SCHEMA=1 cargo test -p directory-tests schema`.

use serde_json::Value;

use crate::support::{seeded, workspace_root};

#[test]
fn committed_schema_matches_the_code() {
    let path = workspace_root().join("schema.graphql");
    let generated = api::graphql::sdl();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).expect("write schema.graphql");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "schema.graphql is out of date: run `UPDATE_SCHEMA=1 cargo test -p directory-tests schema` and commit it"
    );
}

const INTROSPECTION: &str = "{ __schema { types { name kind description
    fields { name description args { name description } }
    inputFields { name description }
    enumValues { name description } } } }";

fn described(item: &Value) -> bool {
    item["description"].as_str().is_some_and(|d| !d.trim().is_empty())
}

#[tokio::test]
async fn every_type_field_argument_and_value_is_described() {
    let test = seeded().await;
    let data = test.data(INTROSPECTION).await;
    let built_in = ["String", "Int", "Float", "Boolean", "ID"];
    let mut missing = Vec::new();
    for ty in data["__schema"]["types"].as_array().expect("types") {
        let name = ty["name"].as_str().expect("name");
        if name.starts_with("__") || built_in.contains(&name) {
            continue;
        }
        if !described(ty) {
            missing.push(name.to_string());
        }
        for field in ty["fields"].as_array().into_iter().flatten() {
            let field_name = format!("{name}.{}", field["name"].as_str().unwrap_or_default());
            if !described(field) {
                missing.push(field_name.clone());
            }
            for arg in field["args"].as_array().into_iter().flatten() {
                if !described(arg) {
                    missing.push(format!("{field_name}({})", arg["name"].as_str().unwrap_or_default()));
                }
            }
        }
        for item in ty["inputFields"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(ty["enumValues"].as_array().into_iter().flatten())
        {
            if !described(item) {
                missing.push(format!("{name}.{}", item["name"].as_str().unwrap_or_default()));
            }
        }
    }
    assert!(missing.is_empty(), "undescribed in the schema: {missing:#?}");
}
