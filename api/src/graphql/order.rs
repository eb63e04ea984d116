//! A schema extension that answers fields in the order they were selected, as the GraphQL
//! specification requires ("Field Collection": the response map is ordered as the selection).
//!
//! async-graphql resolves an object's fields concurrently and writes each into the answer as it
//! completes, so `{ name locations { name } schedules { byday } id }` could come back as `name,
//! id, schedules, locations`. Clients that compare answers as text, or show them as they are,
//! trip over that. This extension keeps the parsed document of the request and, after
//! execution, puts every object's keys back in selection order (fragments expanded in place;
//! a key selected twice takes its first place).

use std::sync::{Arc, Mutex};

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery};
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Response, ServerResult, Value, Variables};

/// Fragment nesting followed at most (validation already refuses cycles).
const MAX_FRAGMENT_DEPTH: usize = 32;

/// Installs [`SelectionOrder`] on a schema.
pub struct SelectionOrderFactory;

impl ExtensionFactory for SelectionOrderFactory {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(SelectionOrder::default())
    }
}

/// Per request: the document parsed for it.
#[derive(Default)]
struct SelectionOrder {
    document: Mutex<Option<ExecutableDocument>>,
}

#[async_graphql::async_trait::async_trait]
impl Extension for SelectionOrder {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        if let Ok(mut kept) = self.document.lock() {
            *kept = Some(document.clone());
        }
        Ok(document)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut response = next.run(ctx, operation_name).await;
        let document = self.document.lock().ok().and_then(|mut kept| kept.take());
        if let Some(document) = document {
            let operation = match &document.operations {
                DocumentOperations::Single(operation) => Some(operation),
                DocumentOperations::Multiple(operations) => match operation_name {
                    Some(name) => operations.get(name),
                    None if operations.len() == 1 => operations.values().next(),
                    None => None,
                },
            };
            if let Some(operation) = operation {
                reorder(&mut response.data, &[&operation.node.selection_set.node], &document);
            }
        }
        response
    }
}

/// Puts the keys of `value` (an object, or a list of them at any depth) in the order of
/// `sets`, the selection sets that chose them, recursively.
fn reorder(value: &mut Value, sets: &[&SelectionSet], document: &ExecutableDocument) {
    match value {
        Value::List(items) => {
            for item in items {
                reorder(item, sets, document);
            }
        }
        Value::Object(map) => {
            let mut order: Vec<(&str, Vec<&SelectionSet>)> = Vec::new();
            for set in sets {
                collect(set, document, &mut order, 0);
            }
            let mut unordered = std::mem::take(map);
            for (key, subsets) in order {
                if let Some((name, mut child)) = unordered.shift_remove_entry(key) {
                    reorder(&mut child, &subsets, document);
                    map.insert(name, child);
                }
            }
            map.extend(unordered);
        }
        _ => {}
    }
}

/// Appends the response keys `set` selects, in order, each with the selection sets beneath it.
fn collect<'a>(
    set: &'a SelectionSet,
    document: &'a ExecutableDocument,
    order: &mut Vec<(&'a str, Vec<&'a SelectionSet>)>,
    depth: usize,
) {
    if depth > MAX_FRAGMENT_DEPTH {
        return;
    }
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => {
                let key = field.node.response_key().node.as_str();
                let below = &field.node.selection_set.node;
                match order.iter_mut().find(|(known, _)| *known == key) {
                    Some((_, sets)) => sets.push(below),
                    None => order.push((key, vec![below])),
                }
            }
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = document.fragments.get(&spread.node.fragment_name.node) {
                    collect(&fragment.node.selection_set.node, document, order, depth + 1);
                }
            }
            Selection::InlineFragment(inline) => collect(&inline.node.selection_set.node, document, order, depth + 1),
        }
    }
}
