//! The OpenActive dataset site: a human-readable page about the open data with a JSON-LD
//! `Dataset` embedded, whose `distribution` lists each feed as a `DataDownload`. OpenActive's
//! data catalogue finds feeds by reading this JSON-LD.

use serde::Serialize;

use super::{LICENSE, SCHEDULED_SESSIONS_PATH, SESSION_SERIES_PATH};

/// The dataset's name.
pub const DATASET_NAME: &str = "Norfolk community asset directory: sessions and classes";
/// The publisher named on the dataset.
pub const PUBLISHER_NAME: &str = "Norfolk community asset directory";
/// OpenActive's standard documentation for open data users.
pub const DOCUMENTATION: &str = "https://permalink.openactive.io/dataset-site/open-data-documentation";
/// The version of the data model the items follow.
pub const SCHEMA_VERSION: &str = "https://openactive.io/modelling-opportunity-data/2.0/";
/// The media type of an RPDE 1.0 feed.
pub const RPDE_ENCODING: &str = "application/vnd.openactive.rpde+json; version=1";

/// The dataset's JSON-LD.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Dataset {
    #[serde(rename = "@context")]
    pub context: [&'static str; 2],
    #[serde(rename = "@type")]
    pub kind: &'static str,
    #[serde(rename = "@id")]
    pub id: String,
    pub url: String,
    pub name: &'static str,
    pub description: &'static str,
    pub keywords: Vec<&'static str>,
    pub license: &'static str,
    pub discussion_url: String,
    pub documentation: &'static str,
    pub in_language: Vec<&'static str>,
    pub schema_version: &'static str,
    pub publisher: Publisher,
    pub distribution: Vec<DataDownload>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Publisher {
    #[serde(rename = "@type")]
    pub kind: &'static str,
    pub name: &'static str,
    pub url: String,
}

/// One feed of the dataset.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DataDownload {
    #[serde(rename = "@type")]
    pub kind: &'static str,
    pub name: &'static str,
    pub additional_type: &'static str,
    pub encoding_format: &'static str,
    pub content_url: String,
}

/// The dataset at `base` (the public origin) with its site at `site_url`.
pub fn dataset(base: &str, site_url: &str) -> Dataset {
    let base = base.trim_end_matches('/');
    let download = |name, additional_type, path: &str| DataDownload {
        kind: "DataDownload",
        name,
        additional_type,
        encoding_format: RPDE_ENCODING,
        content_url: format!("{base}{path}"),
    };
    Dataset {
        context: ["https://schema.org/", "https://openactive.io/"],
        kind: "Dataset",
        id: site_url.to_string(),
        url: site_url.to_string(),
        name: DATASET_NAME,
        description: "Regular sessions and classes listed in the Norfolk community asset directory \
            (strength and balance, walking groups, chair-based exercise and more), published using \
            the OpenActive Modelling Specification 2.0 in Realtime Paged Data Exchange 1.0 feeds.",
        keywords: vec![
            "Sessions",
            "Activities",
            "Physical Activity",
            "Social prescribing",
            "OpenActive",
        ],
        license: LICENSE,
        discussion_url: site_url.to_string(),
        documentation: DOCUMENTATION,
        in_language: vec!["en-GB"],
        schema_version: SCHEMA_VERSION,
        publisher: Publisher {
            kind: "Organization",
            name: PUBLISHER_NAME,
            url: base.to_string(),
        },
        distribution: vec![
            download(
                "SessionSeries",
                "https://openactive.io/SessionSeries",
                SESSION_SERIES_PATH,
            ),
            download(
                "ScheduledSession",
                "https://openactive.io/ScheduledSession",
                SCHEDULED_SESSIONS_PATH,
            ),
        ],
    }
}

/// The dataset site page: the dataset in words and links, with its JSON-LD in a script tag.
pub fn dataset_site_html(base: &str, site_url: &str) -> String {
    let dataset = dataset(base, site_url);
    // `</` inside the script would end it early; JSON allows `<\/` for the same text.
    let json_ld = serde_json::to_string_pretty(&dataset)
        .unwrap_or_default()
        .replace("</", "<\\/");
    let text = |raw: &str| html_escape::encode_text(raw).into_owned();
    let attribute = |raw: &str| html_escape::encode_double_quoted_attribute(raw).into_owned();
    let feeds: String = dataset
        .distribution
        .iter()
        .map(|feed| {
            format!(
                "      <li><a href=\"{}\">{}</a> ({})</li>\n",
                attribute(&feed.content_url),
                text(feed.name),
                text(feed.encoding_format)
            )
        })
        .collect();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n  <meta charset=\"utf-8\">\n  <title>{title}</title>\n  \
         <script type=\"application/ld+json\">\n{json_ld}\n  </script>\n</head>\n<body>\n  <h1>{title}</h1>\n  \
         <p>{description}</p>\n  <h2>Feeds</h2>\n  <ul>\n{feeds}  </ul>\n  <p>Licence: <a href=\"{license}\">{license_text}</a>. \
         Documentation: <a href=\"{documentation}\">{documentation_text}</a>.</p>\n</body>\n</html>\n",
        title = text(dataset.name),
        description = text(dataset.description),
        license = attribute(dataset.license),
        license_text = text(dataset.license),
        documentation = attribute(dataset.documentation),
        documentation_text = text(dataset.documentation),
    )
}
