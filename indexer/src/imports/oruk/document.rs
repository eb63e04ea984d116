//! An Open Referral UK 3.0 service as publishers actually send it, read leniently: every field
//! but the service's `id` and `name` may be missing, numbers may arrive as strings (the CSV
//! package has only text), unknown fields are ignored. Strictness comes after, in `mapping`,
//! which says which field is at fault.

use serde::{Deserialize, Deserializer};

/// A number or a numeric string (`""` and `null` are none).
fn lenient_f64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Number(f64),
        Text(String),
        Other(serde::de::IgnoredAny),
    }
    Ok(match Option::<Raw>::deserialize(deserializer)? {
        Some(Raw::Number(n)) => Some(n),
        Some(Raw::Text(text)) => text.trim().parse().ok(),
        _ => None,
    })
}

fn lenient_i64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    Ok(lenient_f64(deserializer)?
        .filter(|n| n.fract() == 0.0)
        .map(|n| n as i64))
}

/// Text, or a number / boolean written as text (ids are sometimes integers).
fn lenient_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(deserializer)? {
        Some(serde_json::Value::String(text)) => Some(text),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        Some(serde_json::Value::Bool(b)) => Some(b.to_string()),
        _ => None,
    })
}

/// A list that may be missing or `null`.
fn list<'de, D: Deserializer<'de>, T: Deserialize<'de>>(deserializer: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

/// A service (`compiled/service.json`, or the list form without the nested arrays).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OrukService {
    #[serde(default, deserialize_with = "lenient_text")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub organization_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub url: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub fees: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub fees_description: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub eligibility_description: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub application_process: Option<String>,
    #[serde(default, deserialize_with = "lenient_i64")]
    pub minimum_age: Option<i64>,
    #[serde(default, deserialize_with = "lenient_i64")]
    pub maximum_age: Option<i64>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub assured_date: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub last_modified: Option<String>,
    #[serde(default)]
    pub organization: Option<OrukOrganization>,
    /// `None` when the document is a list item (not fully nested): fetch `/services/{id}`.
    #[serde(default)]
    pub service_at_locations: Option<Vec<OrukServiceAtLocation>>,
    #[serde(default, deserialize_with = "list")]
    pub schedules: Vec<OrukSchedule>,
    #[serde(default, deserialize_with = "list")]
    pub service_areas: Vec<OrukServiceArea>,
    #[serde(default, deserialize_with = "list")]
    pub languages: Vec<OrukLanguage>,
    #[serde(default, deserialize_with = "list")]
    pub cost_options: Vec<OrukCostOption>,
    #[serde(default, deserialize_with = "list")]
    pub contacts: Vec<OrukContact>,
    #[serde(default, deserialize_with = "list")]
    pub phones: Vec<OrukPhone>,
    #[serde(default, deserialize_with = "list")]
    pub attributes: Vec<OrukAttribute>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct OrukOrganization {
    #[serde(default, deserialize_with = "lenient_text")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub website: Option<String>,
    #[serde(default, deserialize_with = "list")]
    pub organization_identifiers: Vec<OrukOrganizationIdentifier>,
    #[serde(default, deserialize_with = "list")]
    pub phones: Vec<OrukPhone>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct OrukOrganizationIdentifier {
    #[serde(default, deserialize_with = "lenient_text")]
    pub identifier_scheme: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub identifier_type: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub identifier: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct OrukServiceAtLocation {
    #[serde(default, deserialize_with = "lenient_text")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub location_id: Option<String>,
    #[serde(default)]
    pub location: Option<OrukLocation>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct OrukLocation {
    #[serde(default, deserialize_with = "lenient_text")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub location_type: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient_f64")]
    pub latitude: Option<f64>,
    #[serde(default, deserialize_with = "lenient_f64")]
    pub longitude: Option<f64>,
    #[serde(default, deserialize_with = "list")]
    pub addresses: Vec<OrukAddress>,
    #[serde(default, deserialize_with = "list")]
    pub accessibility: Vec<OrukAccessibility>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct OrukAddress {
    #[serde(default, deserialize_with = "lenient_text")]
    pub address_1: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub city: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub postal_code: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct OrukAccessibility {
    #[serde(default, deserialize_with = "lenient_text")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub accessibility: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct OrukSchedule {
    #[serde(default, deserialize_with = "lenient_text")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub service_at_location_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub valid_from: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub valid_to: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub freq: Option<String>,
    #[serde(default, deserialize_with = "lenient_i64")]
    pub interval: Option<i64>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub byday: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub opens_at: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub closes_at: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct OrukServiceArea {
    #[serde(default, deserialize_with = "lenient_text")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub uri: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub service_area: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct OrukLanguage {
    #[serde(default, deserialize_with = "lenient_text")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub code: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub language: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct OrukCostOption {
    #[serde(default, deserialize_with = "lenient_text")]
    pub option: Option<String>,
    #[serde(default, deserialize_with = "lenient_f64")]
    pub amount: Option<f64>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub currency: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub amount_description: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct OrukContact {
    #[serde(default, deserialize_with = "lenient_text")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "list")]
    pub phones: Vec<OrukPhone>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct OrukPhone {
    #[serde(default, deserialize_with = "lenient_text")]
    pub number: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct OrukAttribute {
    #[serde(default, deserialize_with = "lenient_text")]
    pub taxonomy_term_id: Option<String>,
    #[serde(default)]
    pub taxonomy_term: Option<OrukTaxonomyTerm>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct OrukTaxonomyTerm {
    #[serde(default, deserialize_with = "lenient_text")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub taxonomy: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub taxonomy_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub term_uri: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub term: Option<String>,
}

/// A `/services` page (`contents`) with its paging fields.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OrukPage {
    #[serde(default, deserialize_with = "lenient_i64")]
    pub total_pages: Option<i64>,
    #[serde(default, deserialize_with = "lenient_i64")]
    pub page_number: Option<i64>,
    #[serde(default)]
    pub last_page: Option<bool>,
    #[serde(default, deserialize_with = "list")]
    pub contents: Vec<serde_json::Value>,
}
