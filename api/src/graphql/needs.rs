//! The need taxonomy.

use async_graphql::{Object, SimpleObject};
use indexer::domain::{Need, TAXONOMY};

/// An OpenActive Activity List concept.
#[derive(SimpleObject)]
#[graphql(name = "ActivityConcept")]
pub struct ActivityConceptObject {
    /// The concept's identifier in the OpenActive Activity List.
    pub id: String,
    /// The concept's preferred label, e.g. `Chair Based Exercise`.
    pub pref_label: String,
}

/// Something a resident may need, with a stable code.
pub struct NeedObject(pub &'static Need);

#[Object(name = "Need")]
/// Something a resident may need, with a stable code.
impl NeedObject {
    /// Stable code, e.g. `strength-and-balance`.
    async fn code(&self) -> &str {
        self.0.code
    }
    /// Short human label.
    async fn label(&self) -> &str {
        self.0.label
    }
    /// What the need covers.
    async fn description(&self) -> &str {
        self.0.description
    }
    /// OpenActive Activity List concepts that count as meeting this need.
    async fn activity_concepts(&self) -> Vec<ActivityConceptObject> {
        self.0
            .activity_concepts
            .iter()
            .map(|c| ActivityConceptObject {
                id: c.id.to_string(),
                pref_label: c.pref_label.to_string(),
            })
            .collect()
    }
}

/// Root fields for the taxonomy.
#[derive(Default)]
pub struct NeedQuery;

#[Object]
impl NeedQuery {
    /// The need taxonomy, falls-prevention areas first.
    async fn needs(&self) -> Vec<NeedObject> {
        TAXONOMY.iter().map(NeedObject).collect()
    }
}
