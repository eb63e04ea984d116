//! Relay-style connections with opaque keyset cursors over (name, id).

use async_graphql::{Error as GqlError, SimpleObject};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use indexer::store::read::{NameKey, Page};
use uuid::Uuid;

use super::error::bad_input;
use super::listings::{OrganizationObject, ServiceObject};

/// Where a page sits in the whole list.
#[derive(Debug, Clone, SimpleObject)]
pub struct PageInfo {
    /// Whether another page follows this one.
    pub has_next_page: bool,
    /// Whether this page was asked for with `after` (so earlier items exist).
    pub has_previous_page: bool,
    /// Cursor of the first edge, if any.
    pub start_cursor: Option<String>,
    /// Cursor of the last edge; pass it as `after` for the next page.
    pub end_cursor: Option<String>,
}

/// Declares a Relay connection and edge type for one node type.
macro_rules! connection_types {
    ($connection:ident, $edge:ident, $node:ty, $what:literal) => {
        #[doc = concat!("One ", $what, " of a connection, with its cursor.")]
        #[derive(SimpleObject)]
        pub struct $edge {
            #[doc = concat!("The ", $what, ".")]
            pub node: $node,
            /// Opaque position of this item; pass it as `after` to continue from here.
            pub cursor: String,
        }

        #[doc = concat!("A page of ", $what, "s, Relay style.")]
        #[derive(SimpleObject)]
        pub struct $connection {
            /// The items of this page with their cursors.
            pub edges: Vec<$edge>,
            /// Where this page sits in the whole list.
            pub page_info: PageInfo,
            /// How many items the whole list holds, over all pages.
            pub total_count: i64,
        }

        impl From<(Vec<($node, String)>, PageInfo, i64)> for $connection {
            fn from((items, page_info, total_count): (Vec<($node, String)>, PageInfo, i64)) -> Self {
                let edges = items
                    .into_iter()
                    .map(|(node, cursor)| $edge { node, cursor })
                    .collect();
                $connection {
                    edges,
                    page_info,
                    total_count,
                }
            }
        }
    };
}

connection_types!(ServiceConnection, ServiceEdge, ServiceObject, "service");
connection_types!(
    OrganizationConnection,
    OrganizationEdge,
    OrganizationObject,
    "organisation"
);

pub fn encode_cursor(name: &str, id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::json!([name, id]).to_string())
}

pub fn decode_cursor(cursor: &str) -> Result<NameKey, GqlError> {
    let invalid = || bad_input("after", "after: not a cursor returned by this list");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let (name, id): (String, Uuid) = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    Ok(NameKey { name, id })
}

/// Builds a connection from a page of engine items ordered by (name, id).
pub fn connection<I, T, C>(
    page: Page<I>,
    had_cursor: bool,
    key: impl Fn(&I) -> (&str, Uuid),
    wrap: impl Fn(I) -> T,
) -> C
where
    C: From<(Vec<(T, String)>, PageInfo, i64)>,
{
    let items: Vec<(T, String)> = page
        .items
        .into_iter()
        .map(|item| {
            let (name, id) = key(&item);
            let cursor = encode_cursor(name, id);
            (wrap(item), cursor)
        })
        .collect();
    let page_info = PageInfo {
        has_next_page: page.has_next_page,
        has_previous_page: had_cursor,
        start_cursor: items.first().map(|(_, cursor)| cursor.clone()),
        end_cursor: items.last().map(|(_, cursor)| cursor.clone()),
    };
    C::from((items, page_info, page.total_count))
}
