//! OpenActive's data models (`tests/fixtures/openactive`) as JSON Schemas, so documents are
//! checked by the `jsonschema` crate rather than by hand.
//!
//! The models are OpenActive's own format, which its data-model-validator reads; this turns
//! each into a JSON Schema with the same rules: `requiredFields` (required), `requiredContent`
//! (const), `options` (enum), `requiredType` (JSON types, with patterns for dates, times,
//! durations, URLs and schema.org days), `model` (a nested model, `ArrayOf#` an array of them,
//! non-empty as OpenActive forbids empty arrays), `alternativeTypes`/`alternativeModels` (any
//! of), `allowReferencing` (a URL instead of the object), `subClassOf` (the parent's fields),
//! `requiredOptions` (one of the options present) and `shallNotInclude` (absent). JSON-LD
//! models name `type` and `id` as `@type` and `@id`, as OpenActive's examples do.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{json, Map, Value};

use crate::support::workspace_root;

/// Every model in the fixtures, by type name.
pub struct Models {
    models: HashMap<String, Value>,
}

const URL_PATTERN: &str = "^https?://[^\\s]+$";
const DATE_PATTERN: &str = "^\\d{4}-\\d{2}-\\d{2}$";
const DATE_TIME_PATTERN: &str = "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2})$";
const TIME_PATTERN: &str = "^\\d{2}:\\d{2}(:\\d{2})?$";
const DURATION_PATTERN: &str = "^P(\\d+Y)?(\\d+M)?(\\d+W)?(\\d+D)?(T(\\d+H)?(\\d+M)?(\\d+(\\.\\d+)?S)?)?$";
const DAY_PATTERN: &str =
    "^https?://schema\\.org/(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|PublicHolidays)$";

impl Models {
    pub fn load() -> Models {
        let root = workspace_root().join("tests/fixtures/openactive");
        let mut models = HashMap::new();
        for folder in ["models", "rpde"] {
            load_folder(&root.join(folder), &mut models);
        }
        Models { models }
    }

    /// A validator for documents of model `name` (e.g. `SessionSeries`).
    pub fn validator(&self, name: &str) -> jsonschema::Validator {
        self.validator_with(name, |_| {})
    }

    /// A validator for `name` after `adjust` changes its schema (for the RPDE envelope, whose
    /// `data` is checked against the feed's own model instead of `Event`).
    pub fn validator_with(&self, name: &str, adjust: impl FnOnce(&mut Value)) -> jsonschema::Validator {
        let mut defs = Map::new();
        for model in self.models.keys() {
            defs.insert(model.clone(), self.model_schema(model));
        }
        let mut root = defs.get(name).cloned().unwrap_or_else(|| panic!("no model {name}"));
        adjust(&mut root);
        if let Value::Object(object) = &mut root {
            object.insert("$defs".into(), Value::Object(defs));
        }
        jsonschema::validator_for(&root).expect("the generated schema compiles")
    }

    fn model(&self, name: &str) -> &Value {
        self.models.get(name).unwrap_or_else(|| panic!("no model {name}"))
    }

    /// A model's fields merged with its ancestors' (the nearest wins).
    fn fields(&self, name: &str) -> Map<String, Value> {
        let model = self.model(name);
        let mut fields = match model["subClassOf"].as_str().and_then(|parent| parent.strip_prefix('#')) {
            Some(parent) => self.fields(parent),
            None => Map::new(),
        };
        if let Some(own) = model["fields"].as_object() {
            for (field, spec) in own {
                fields.insert(field.clone(), spec.clone());
            }
        }
        fields
    }

    fn model_schema(&self, name: &str) -> Value {
        let model = self.model(name);
        let json_ld = model["isJsonLd"].as_bool() != Some(false);
        let key = |field: &str| match (json_ld, field) {
            (true, "type") => "@type".to_string(),
            (true, "id") => "@id".to_string(),
            _ => field.to_string(),
        };
        let mut properties = Map::new();
        for (field, spec) in self.fields(name) {
            properties.insert(key(&field), self.field_schema(&spec));
        }
        let names = |list: &Value| -> Vec<Value> {
            list.as_array()
                .map(|fields| {
                    fields
                        .iter()
                        .filter_map(Value::as_str)
                        .map(|f| Value::from(key(f)))
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut all_of = Vec::new();
        for option in model["requiredOptions"].as_array().into_iter().flatten() {
            let any: Vec<Value> = names(&option["options"])
                .into_iter()
                .map(|field| json!({ "required": [field] }))
                .collect();
            all_of.push(json!({ "anyOf": any }));
        }
        for field in names(&model["shallNotInclude"]) {
            all_of.push(json!({ "not": { "required": [field] } }));
        }
        let mut schema = json!({
            "type": "object",
            "required": names(&model["requiredFields"]),
            "properties": properties,
        });
        if !all_of.is_empty() {
            schema["allOf"] = Value::Array(all_of);
        }
        schema
    }

    fn field_schema(&self, spec: &Value) -> Value {
        let mut choices: Vec<Value> = Vec::new();
        if let Some(required_type) = spec["requiredType"].as_str() {
            choices.push(type_schema(required_type));
        }
        for alternative in spec["alternativeTypes"].as_array().into_iter().flatten() {
            choices.extend(alternative.as_str().map(type_schema));
        }
        for model in spec["model"].as_str().into_iter().chain(
            spec["alternativeModels"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str),
        ) {
            choices.push(self.reference(model));
        }
        if spec["allowReferencing"].as_bool() == Some(true) {
            choices.push(json!({ "type": "string", "pattern": URL_PATTERN }));
        }
        let mut schema = match choices.len() {
            0 => json!({}),
            1 => choices.remove(0),
            _ => json!({ "anyOf": choices }),
        };
        if let Some(content) = spec.get("requiredContent") {
            schema = json!({ "const": content });
        }
        if let Some(options) = spec.get("options") {
            schema = json!({ "enum": options });
        }
        schema
    }

    /// `#Place` or `ArrayOf#Concept`: a reference to the model when it is in the fixtures, any
    /// object otherwise.
    fn reference(&self, model: &str) -> Value {
        if let Some(item) = model.strip_prefix("ArrayOf") {
            return json!({ "type": "array", "minItems": 1, "items": self.reference(item) });
        }
        let name = model.trim_start_matches('#');
        if !self.models.contains_key(name) {
            return json!({ "type": "object" });
        }
        // A value may be of the model or of a subclass (a PartialSchedule where a Schedule is
        // expected), told apart by its `@type`, as the data-model-validator does.
        let mut family = vec![json!({ "$ref": format!("#/$defs/{name}") })];
        let parent = format!("#{name}");
        let mut subclasses: Vec<&String> = self
            .models
            .iter()
            .filter(|(_, model)| model["subClassOf"].as_str() == Some(parent.as_str()))
            .map(|(subclass, _)| subclass)
            .collect();
        subclasses.sort();
        family.extend(
            subclasses
                .into_iter()
                .map(|subclass| json!({ "$ref": format!("#/$defs/{subclass}") })),
        );
        if family.len() == 1 {
            family.remove(0)
        } else {
            json!({ "anyOf": family })
        }
    }
}

/// The JSON Schema of a `requiredType`.
fn type_schema(required_type: &str) -> Value {
    if let Some(item) = required_type.strip_prefix("ArrayOf#") {
        return json!({ "type": "array", "minItems": 1, "items": type_schema(item) });
    }
    let name = required_type.rsplit(['/', '#']).next().unwrap_or(required_type);
    match name {
        "Text" => json!({ "type": "string", "minLength": 1 }),
        "Integer" => json!({ "type": "integer" }),
        "Number" | "Float" => json!({ "type": "number" }),
        "Boolean" => json!({ "type": "boolean" }),
        "Date" => json!({ "type": "string", "pattern": DATE_PATTERN }),
        "DateTime" => json!({ "type": "string", "pattern": DATE_TIME_PATTERN }),
        "Time" => json!({ "type": "string", "pattern": TIME_PATTERN }),
        "Duration" => json!({ "type": "string", "pattern": DURATION_PATTERN }),
        "DayOfWeek" => json!({ "type": "string", "pattern": DAY_PATTERN }),
        // URL, and enumerations whose values are URLs (EventStatusType, ...).
        _ => json!({ "type": "string", "pattern": URL_PATTERN }),
    }
}

fn load_folder(folder: &Path, models: &mut HashMap<String, Value>) {
    for entry in std::fs::read_dir(folder).expect("fixtures folder") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let model: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read model")).expect("model json");
        let name = model["type"].as_str().expect("model type").to_string();
        models.insert(name, model);
    }
}

/// Panics with every error when `document` is not valid.
pub fn assert_valid(validator: &jsonschema::Validator, document: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(document)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} is not valid:\n{}\n{document:#}",
        errors.join("\n")
    );
}
