//! RPDE 1.0 pages as a consumer reads them: parsing a page, and the rules for walking a feed.
//!
//! A consumer follows `next` from page to page. Both ordering strategies (`afterTimestamp` +
//! `afterId`, and `afterChangeNumber`) put the whole cursor in `next`, so the `next` URL is the
//! cursor a consumer persists. The last page has no items and a `next` equal to its own URL;
//! a page with items whose `next` is its own URL would be read for ever, so it is refused.
//! Ids may be strings or numbers, `modified` integers or strings: both are kept as text.

use serde_json::Value;

/// Whether an item is current or removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemState {
    Updated,
    Deleted,
}

/// One item as the feed gave it.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub state: ItemState,
    pub kind: String,
    pub id: String,
    pub modified: String,
    /// The item's data (`updated` items only).
    pub data: Option<Value>,
}

/// An item that could not be read, with its position on the page and why.
#[derive(Debug, Clone, PartialEq)]
pub struct BadItem {
    pub position: usize,
    pub id: Option<String>,
    pub reason: String,
}

/// One page of a feed.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub next: String,
    pub items: Vec<Item>,
    /// Items that were not well-formed RPDE items (reported, never applied).
    pub bad_items: Vec<BadItem>,
    pub license: Option<String>,
}

/// A page that is not an RPDE page at all (the run stops at it and resumes from it later).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PageError(pub String);

impl Page {
    /// Parses a page's JSON; `url` is the page's own URL, against which a relative `next` is
    /// resolved.
    pub fn parse(url: &str, body: &Value) -> Result<Page, PageError> {
        let object = body
            .as_object()
            .ok_or_else(|| PageError("the page is not a JSON object".into()))?;
        let next = object
            .get("next")
            .and_then(Value::as_str)
            .filter(|next| !next.trim().is_empty())
            .ok_or_else(|| PageError("the page has no next URL".into()))?;
        let next = resolve(url, next.trim())?;
        let raw_items = object
            .get("items")
            .and_then(Value::as_array)
            .ok_or_else(|| PageError("the page has no items array".into()))?;
        let mut items = Vec::with_capacity(raw_items.len());
        let mut bad_items = Vec::new();
        for (position, raw) in raw_items.iter().enumerate() {
            match Item::parse(raw) {
                Ok(item) => items.push(item),
                Err(reason) => bad_items.push(BadItem {
                    position,
                    id: raw.get("id").and_then(text_of),
                    reason,
                }),
            }
        }
        let page = Page {
            next,
            items,
            bad_items,
            license: object.get("license").and_then(Value::as_str).map(str::to_string),
        };
        if page.has_items() && same_url(&page.next, url) {
            return Err(PageError(
                "a page with items points at itself as next (the feed would never advance)".into(),
            ));
        }
        Ok(page)
    }

    fn has_items(&self) -> bool {
        !self.items.is_empty() || !self.bad_items.is_empty()
    }

    /// The last-page rule: no items, and `next` is this page's own URL.
    pub fn is_last(&self, url: &str) -> bool {
        !self.has_items() && same_url(&self.next, url)
    }
}

impl Item {
    fn parse(raw: &Value) -> Result<Item, String> {
        let state = match raw.get("state").and_then(Value::as_str) {
            Some("updated") => ItemState::Updated,
            Some("deleted") => ItemState::Deleted,
            Some(other) => return Err(format!("state {other:?} is neither updated nor deleted")),
            None => return Err("no state".into()),
        };
        let id = raw.get("id").and_then(text_of).ok_or("no id")?;
        let modified = raw.get("modified").and_then(text_of).ok_or("no modified")?;
        let kind = raw.get("kind").and_then(Value::as_str).unwrap_or_default().to_string();
        let data = match state {
            ItemState::Deleted => None,
            ItemState::Updated => Some(
                raw.get("data")
                    .filter(|data| data.is_object())
                    .cloned()
                    .ok_or("an updated item without data")?,
            ),
        };
        Ok(Item {
            state,
            kind,
            id,
            modified,
            data,
        })
    }
}

/// A string or a number as text (RPDE allows both for `id` and `modified`).
pub(crate) fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(text) if !text.trim().is_empty() => Some(text.trim().to_string()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// `next` resolved against the page URL (publishers should give absolute URLs; some give a
/// path).
fn resolve(base: &str, next: &str) -> Result<String, PageError> {
    let base = url::Url::parse(base).map_err(|e| PageError(format!("page URL {base:?}: {e}")))?;
    base.join(next)
        .map(|url| url.to_string())
        .map_err(|e| PageError(format!("next URL {next:?}: {e}")))
}

/// Two URLs are the same page when they parse to the same URL (so `?a=1` and an encoded
/// equivalent match); unparsable ones compare as text.
fn same_url(a: &str, b: &str) -> bool {
    match (url::Url::parse(a), url::Url::parse(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const URL: &str = "https://feeds.example.org/session-series?afterTimestamp=3&afterId=a";

    #[test]
    fn reads_items_and_keeps_bad_ones_apart() {
        let page = Page::parse(
            URL,
            &json!({
                "next": "/session-series?afterTimestamp=5&afterId=c",
                "items": [
                    {"state": "updated", "kind": "SessionSeries", "id": 7, "modified": 4, "data": {"name": "x"}},
                    {"state": "deleted", "kind": "SessionSeries", "id": "b", "modified": "5"},
                    {"state": "updated", "kind": "SessionSeries", "id": "c", "modified": 5},
                    {"state": "gone", "id": "d", "modified": 5}
                ]
            }),
        )
        .expect("page");
        assert_eq!(
            page.next,
            "https://feeds.example.org/session-series?afterTimestamp=5&afterId=c"
        );
        assert_eq!(page.items.len(), 2);
        assert_eq!(page.items[0].id, "7");
        assert_eq!(page.items[1].state, ItemState::Deleted);
        assert_eq!(page.bad_items.len(), 2);
        assert_eq!(page.bad_items[0].reason, "an updated item without data");
        assert!(!page.is_last(URL));
    }

    #[test]
    fn the_last_page_is_empty_and_points_at_itself() {
        let last = Page::parse(URL, &json!({"next": URL, "items": []})).expect("page");
        assert!(last.is_last(URL));
        let moving_on =
            Page::parse(URL, &json!({"next": "https://feeds.example.org/other", "items": []})).expect("page");
        assert!(!moving_on.is_last(URL));
        let stuck = Page::parse(
            URL,
            &json!({"next": URL, "items": [{"state": "deleted", "id": "a", "modified": 1}]}),
        );
        assert!(stuck.is_err());
        assert!(Page::parse(URL, &json!({"items": []})).is_err());
    }
}
