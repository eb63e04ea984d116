//! Finding a publisher's feeds on its OpenActive dataset site: an HTML page with a JSON-LD
//! `Dataset` in a `<script type="application/ld+json">`, whose `distribution` lists each feed
//! as a `DataDownload` with a `contentUrl` (and `additionalType`, the kind of its items).

use serde_json::Value;

/// One feed a dataset site lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetFeed {
    /// The feed's first page.
    pub url: String,
    /// `additionalType` (`https://openactive.io/SessionSeries`) or the name, for reports.
    pub kind: String,
}

/// The feeds a dataset site lists (in its order), or why none could be found.
pub fn feeds_of_dataset_site(site_url: &str, html: &str) -> Result<Vec<DatasetFeed>, String> {
    let base = url::Url::parse(site_url).map_err(|e| format!("dataset site URL {site_url:?}: {e}"))?;
    let mut feeds = Vec::new();
    for block in json_ld_blocks(html) {
        let Ok(json) = serde_json::from_str::<Value>(block.trim()) else {
            continue;
        };
        for dataset in datasets(&json) {
            for download in dataset
                .get("distribution")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let Some(content_url) = download.get("contentUrl").and_then(Value::as_str) else {
                    continue;
                };
                let Ok(url) = base.join(content_url.trim()) else {
                    continue;
                };
                let kind = download
                    .get("additionalType")
                    .or_else(|| download.get("name"))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                feeds.push(DatasetFeed {
                    url: url.to_string(),
                    kind,
                });
            }
        }
    }
    if feeds.is_empty() {
        return Err("the page has no JSON-LD Dataset with a distribution of feeds".into());
    }
    Ok(feeds)
}

/// The `Dataset` objects of a JSON-LD document (top level, in an array, or in `@graph`).
fn datasets(json: &Value) -> Vec<&Value> {
    let is_dataset = |value: &&Value| {
        value.get("@type").and_then(Value::as_str) == Some("Dataset") || value.get("distribution").is_some()
    };
    match json {
        Value::Array(values) => values.iter().filter(is_dataset).collect(),
        Value::Object(object) => match object.get("@graph").and_then(Value::as_array) {
            Some(graph) => graph.iter().filter(is_dataset).collect(),
            None => [json].into_iter().filter(is_dataset).collect(),
        },
        _ => Vec::new(),
    }
}

/// The text of every `<script type="application/ld+json">` element (tag and attribute names
/// in any case, either quote style).
fn json_ld_blocks(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut blocks = Vec::new();
    let mut from = 0;
    while let Some(start) = lower[from..].find("<script").map(|at| at + from) {
        let Some(tag_end) = lower[start..].find('>').map(|at| at + start) else {
            break;
        };
        let tag = &lower[start..tag_end];
        let Some(close) = lower[tag_end..].find("</script").map(|at| at + tag_end) else {
            break;
        };
        if tag.contains("application/ld+json") {
            // The publisher may have escaped `</` as `<\/` inside the JSON; JSON reads it back.
            blocks.push(html[tag_end + 1..close].to_string());
        }
        from = close + "</script".len();
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_distribution_of_the_dataset() {
        let html = r#"<html><head><SCRIPT Type='application/ld+json'>
            {"@context": ["https://schema.org/", "https://openactive.io/"], "@type": "Dataset",
             "distribution": [
               {"@type": "DataDownload", "additionalType": "https://openactive.io/SessionSeries", "contentUrl": "https://a.example/feeds/session-series"},
               {"@type": "DataDownload", "name": "ScheduledSession", "contentUrl": "/feeds/scheduled-sessions"}
             ]}
            </SCRIPT><script>var x = "<script>";</script></head></html>"#;
        let feeds = feeds_of_dataset_site("https://a.example/openactive", html).expect("feeds");
        assert_eq!(
            feeds,
            vec![
                DatasetFeed {
                    url: "https://a.example/feeds/session-series".into(),
                    kind: "https://openactive.io/SessionSeries".into()
                },
                DatasetFeed {
                    url: "https://a.example/feeds/scheduled-sessions".into(),
                    kind: "ScheduledSession".into()
                },
            ]
        );
        assert!(feeds_of_dataset_site("https://a.example/", "<html>no data</html>").is_err());
    }
}
