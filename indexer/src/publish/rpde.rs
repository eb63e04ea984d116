//! Realtime Paged Data Exchange (RPDE) 1.0 pages, ordered by (modified, id), generic over the
//! item data so every feed (OpenActive SessionSeries and ScheduledSession, the ORUK change
//! sync) pages the same way.
//!
//! The "Modified Timestamp and ID" ordering strategy: items come in ascending (modified, id);
//! a consumer asks for the items after the last one it saw with `afterTimestamp` + `afterId`;
//! a page with no items carries its own URL as `next`, so polling it waits for new changes.
//! `modified` is an integer that only grows (a change-log `seq`, or the sessions' counter),
//! and ids are UUIDs, compared as the lowercase hyphenated text SQLite orders them by.
//!
//! A feed is built in three steps: [`PageRequest::parse`] the query parameters (a 400 naming
//! the parameter for bad ones), read at most `limit` entries after the cursor in (modified,
//! id) order from the store, turn each into a [`FeedItem`] ([`FeedItem::updated`] or
//! [`FeedItem::deleted`]) and call [`FeedPage::new`] with the feed's [`FeedUrl`].

use serde::Serialize;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::store::rpde::FeedEntry;
use crate::Directory;

/// Items a page holds when the consumer does not ask for another number.
pub const DEFAULT_PAGE_SIZE: i64 = 500;
/// The most items a page may hold (`limit` above this is refused).
pub const MAX_PAGE_SIZE: i64 = 500;

/// Query parameter names, as RPDE 1.0 spells them.
pub const AFTER_TIMESTAMP: &str = "afterTimestamp";
pub const AFTER_ID: &str = "afterId";
pub const LIMIT: &str = "limit";

/// Whether an item is current or removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemState {
    Updated,
    Deleted,
}

/// One RPDE item: `data` only when `state` is `updated` (deleted items carry none).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeedItem<T> {
    pub state: ItemState,
    pub kind: String,
    pub id: Uuid,
    pub modified: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<T>,
}

impl<T> FeedItem<T> {
    /// A current item with its data.
    pub fn updated(kind: &str, id: Uuid, modified: i64, data: T) -> FeedItem<T> {
        FeedItem {
            state: ItemState::Updated,
            kind: kind.to_string(),
            id,
            modified,
            data: Some(data),
        }
    }

    /// A tombstone: the item was removed (or is no longer published in this feed).
    pub fn deleted(kind: &str, id: Uuid, modified: i64) -> FeedItem<T> {
        FeedItem {
            state: ItemState::Deleted,
            kind: kind.to_string(),
            id,
            modified,
            data: None,
        }
    }

    /// The item's place in the ordering.
    pub fn cursor(&self) -> Cursor {
        Cursor {
            modified: self.modified,
            id: self.id,
        }
    }
}

/// A position in a feed: the (modified, id) of the last item a consumer has seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cursor {
    pub modified: i64,
    pub id: Uuid,
}

impl Cursor {
    /// As the store's readers take it.
    pub fn as_pair(self) -> (i64, Uuid) {
        (self.modified, self.id)
    }
}

/// What a consumer asked for: the items after `after` (from the start if `None`), at most
/// `limit` of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub after: Option<Cursor>,
    pub limit: i64,
    /// Whether `limit` was given (then `next` repeats it).
    pub explicit_limit: bool,
}

impl PageRequest {
    /// Parses RPDE's query parameters. `afterTimestamp` and `afterId` come together or not at
    /// all; `afterTimestamp` is an integer, `afterId` a UUID, `limit` 1 to [`MAX_PAGE_SIZE`].
    /// Errors name the parameter at fault.
    pub fn parse(after_timestamp: Option<&str>, after_id: Option<&str>, limit: Option<&str>) -> Result<PageRequest> {
        let after = match (after_timestamp, after_id) {
            (None, None) => None,
            (Some(_), None) => {
                return Err(Error::invalid(
                    AFTER_ID,
                    "afterId is required with afterTimestamp (use the next URL of the previous page)",
                ))
            }
            (None, Some(_)) => {
                return Err(Error::invalid(
                    AFTER_TIMESTAMP,
                    "afterTimestamp is required with afterId (use the next URL of the previous page)",
                ))
            }
            (Some(timestamp), Some(id)) => Some(Cursor {
                modified: timestamp.trim().parse::<i64>().map_err(|_| {
                    Error::invalid(
                        AFTER_TIMESTAMP,
                        format!("{timestamp:?} is not an integer (the modified value of the last item seen)"),
                    )
                })?,
                id: Uuid::parse_str(id.trim()).map_err(|_| {
                    Error::invalid(AFTER_ID, format!("{id:?} is not a UUID (the id of the last item seen)"))
                })?,
            }),
        };
        let (limit, explicit_limit) = match limit {
            None => (DEFAULT_PAGE_SIZE, false),
            Some(raw) => match raw.trim().parse::<i64>() {
                Ok(limit) if (1..=MAX_PAGE_SIZE).contains(&limit) => (limit, true),
                _ => {
                    return Err(Error::invalid(
                        LIMIT,
                        format!("{raw:?} is not a page size from 1 to {MAX_PAGE_SIZE}"),
                    ))
                }
            },
        };
        Ok(PageRequest {
            after,
            limit,
            explicit_limit,
        })
    }

    /// The first page with the default size.
    pub fn first() -> PageRequest {
        PageRequest {
            after: None,
            limit: DEFAULT_PAGE_SIZE,
            explicit_limit: false,
        }
    }
}

/// The absolute URL of a feed endpoint (no query), from which page URLs are built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedUrl(String);

impl FeedUrl {
    /// `base` is the public origin (`https://directory.example.org`, no trailing slash needed),
    /// `path` the feed's path (`/openactive/session-series`).
    pub fn new(base: &str, path: &str) -> FeedUrl {
        FeedUrl(format!("{}{path}", base.trim_end_matches('/')))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The URL of the page after `after` (the feed's start if `None`), keeping an explicit
    /// `limit`.
    pub fn page(&self, after: Option<Cursor>, request: &PageRequest) -> String {
        let mut parameters = Vec::new();
        if let Some(cursor) = after {
            parameters.push(format!("{AFTER_TIMESTAMP}={}", cursor.modified));
            parameters.push(format!("{AFTER_ID}={}", cursor.id));
        }
        if request.explicit_limit {
            parameters.push(format!("{LIMIT}={}", request.limit));
        }
        if parameters.is_empty() {
            self.0.clone()
        } else {
            format!("{}?{}", self.0, parameters.join("&"))
        }
    }
}

/// One RPDE page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeedPage<T> {
    pub next: String,
    pub items: Vec<FeedItem<T>>,
    pub license: String,
}

impl<T> FeedPage<T> {
    /// A page of `items`, which must be the entries read after `request.after` in (modified,
    /// id) order. `next` continues from the last item; a page without items points at itself,
    /// the last-page rule that tells a consumer it has caught up.
    pub fn new(url: &FeedUrl, request: &PageRequest, items: Vec<FeedItem<T>>, license: &str) -> FeedPage<T> {
        debug_assert!(
            items.windows(2).all(|pair| pair[0].cursor() < pair[1].cursor()),
            "feed items out of (modified, id) order"
        );
        debug_assert!(
            items
                .first()
                .is_none_or(|first| request.after.is_none_or(|after| after < first.cursor())),
            "feed items not after the cursor"
        );
        let next_after = items.last().map(FeedItem::cursor).or(request.after);
        FeedPage {
            next: url.page(next_after, request),
            items,
            license: license.to_string(),
        }
    }
}

impl Directory {
    /// The services after `request.after` in change-log order, at most `request.limit`: each
    /// one's id, `modified` (its `feed_seq`) and whether it is public. A feed of services (the
    /// ORUK change sync, OpenActive's SessionSeries) turns the public ones into items with data
    /// and the others into deleted items, then calls [`FeedPage::new`].
    pub async fn service_feed_entries(&self, request: &PageRequest) -> Result<Vec<FeedEntry>> {
        self.store()
            .services_after(request.after.map(Cursor::as_pair), request.limit)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn parses_the_cursor_and_names_the_bad_parameter() {
        let request = PageRequest::parse(Some("12"), Some(&id(5).to_string()), None).expect("valid");
        assert_eq!(
            request.after,
            Some(Cursor {
                modified: 12,
                id: id(5)
            })
        );
        assert_eq!(request.limit, DEFAULT_PAGE_SIZE);
        let field = |result: Result<PageRequest>| match result {
            Err(Error::InvalidInput { field, .. }) => field,
            other => panic!("expected invalid input, got {other:?}"),
        };
        assert_eq!(
            field(PageRequest::parse(Some("x"), Some(&id(1).to_string()), None)),
            "afterTimestamp"
        );
        assert_eq!(field(PageRequest::parse(Some("1"), Some("nope"), None)), "afterId");
        assert_eq!(field(PageRequest::parse(Some("1"), None, None)), "afterId");
        assert_eq!(
            field(PageRequest::parse(None, Some(&id(1).to_string()), None)),
            "afterTimestamp"
        );
        assert_eq!(field(PageRequest::parse(None, None, Some("0"))), "limit");
        assert_eq!(field(PageRequest::parse(None, None, Some("501"))), "limit");
    }

    #[test]
    fn next_follows_the_last_item_and_an_empty_page_points_at_itself() {
        let url = FeedUrl::new("https://example.org/", "/feed");
        let first = PageRequest::first();
        let page = FeedPage::new(
            &url,
            &first,
            vec![
                FeedItem::updated("K", id(1), 3, 1),
                FeedItem::<i32>::deleted("K", id(2), 3),
            ],
            "L",
        );
        let expected = format!("https://example.org/feed?afterTimestamp=3&afterId={}", id(2));
        assert_eq!(page.next, expected);
        let json = serde_json::to_value(&page).expect("serialises");
        assert_eq!(
            json["items"][1],
            serde_json::json!({"state": "deleted", "kind": "K", "id": id(2), "modified": 3})
        );
        let last = PageRequest::parse(Some("3"), Some(&id(2).to_string()), Some("10")).expect("valid");
        let empty = FeedPage::<i32>::new(&url, &last, Vec::new(), "L");
        assert_eq!(empty.next, format!("{expected}&limit=10"));
        assert_eq!(
            FeedPage::<i32>::new(&url, &first, Vec::new(), "L").next,
            "https://example.org/feed"
        );
    }
}
