//! The two vocabularies the ORUK API publishes and filters by: the directory's needs
//! ([`crate::domain::TAXONOMY`]) and the OpenActive Activity List (768 concepts, bundled in
//! `seed/reference/openactive_activity_list.csv`).
//!
//! Ids: the needs vocabulary and its terms have UUIDv5 ids in [`NAMESPACE`]
//! (`v5(NAMESPACE, "taxonomy:needs")`, `v5(NAMESPACE, "need:<code>")`); the Activity List
//! vocabulary is `v5(NAMESPACE, "taxonomy:openactive-activity-list")` and each of its terms
//! keeps its concept's own UUID, with the concept's URI as `term_uri` and its first broader
//! concept (when the list names one it holds) as `parent_id`.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;
use uuid::Uuid;

use super::documents::{Taxonomy, TaxonomyTerm};
use crate::domain::{ActivityRef, NeedCode, TAXONOMY};

/// The namespace of the ORUK ids the directory derives (taxonomies, need terms).
pub const NAMESPACE: Uuid = Uuid::from_u128(0x6f1c_2d57_3a4e_4b8f_9c11_0a2b_7d3e_5f60);

/// The bundled Activity List.
const ACTIVITY_LIST: &str = include_str!("../../../../seed/reference/openactive_activity_list.csv");
/// The Activity List's home.
const ACTIVITY_LIST_URI: &str = "https://openactive.io/activity-list";

/// Which vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Vocabulary {
    Needs,
    Activities,
}

/// Both vocabularies, built once.
#[derive(Debug)]
pub struct Vocabularies {
    pub needs: Taxonomy,
    pub need_terms: Vec<TaxonomyTerm>,
    pub activities: Taxonomy,
    pub activity_terms: Vec<TaxonomyTerm>,
    /// Term id → (vocabulary, position in its terms).
    terms_by_id: HashMap<Uuid, (Vocabulary, usize)>,
}

/// Both vocabularies (the Activity List is parsed on first use).
pub fn vocabularies() -> &'static Vocabularies {
    static VOCABULARIES: OnceLock<Vocabularies> = OnceLock::new();
    VOCABULARIES.get_or_init(Vocabularies::build)
}

/// The id of a need's term.
pub fn need_term_id(code: NeedCode) -> Uuid {
    Uuid::new_v5(&NAMESPACE, format!("need:{}", code.as_str()).as_bytes())
}

impl Vocabularies {
    fn build() -> Vocabularies {
        let needs = Taxonomy {
            id: Uuid::new_v5(&NAMESPACE, b"taxonomy:needs"),
            name: "Community asset directory needs".into(),
            description: "What a resident is looking for help with, as the directory and social prescribing link workers name it (strength and balance, loneliness, money advice...).".into(),
            uri: "urn:community-asset-directory:taxonomy:needs".into(),
            version: Some("1".into()),
        };
        let need_terms = TAXONOMY
            .iter()
            .filter_map(|need| NeedCode::parse(need.code).ok())
            .map(|code| {
                let need = code.need();
                TaxonomyTerm {
                    id: need_term_id(code),
                    name: need.label.into(),
                    description: need.description.into(),
                    parent_id: None,
                    taxonomy: needs.name.clone(),
                    taxonomy_id: needs.id,
                    term_uri: format!("urn:community-asset-directory:need:{}", need.code),
                    term: need.code.into(),
                }
            })
            .collect::<Vec<_>>();
        let activities = Taxonomy {
            id: Uuid::new_v5(&NAMESPACE, b"taxonomy:openactive-activity-list"),
            name: "OpenActive Activity List".into(),
            description: "The OpenActive Activity List: a SKOS vocabulary of physical activities, used by OpenActive opportunity data.".into(),
            uri: ACTIVITY_LIST_URI.into(),
            version: None,
        };
        let activity_terms = activity_terms(&activities);
        let mut terms_by_id = HashMap::new();
        for (at, term) in need_terms.iter().enumerate() {
            terms_by_id.insert(term.id, (Vocabulary::Needs, at));
        }
        for (at, term) in activity_terms.iter().enumerate() {
            terms_by_id.insert(term.id, (Vocabulary::Activities, at));
        }
        Vocabularies {
            needs,
            need_terms,
            activities,
            activity_terms,
            terms_by_id,
        }
    }

    /// Both taxonomies, needs first.
    pub fn taxonomies(&self) -> [&Taxonomy; 2] {
        [&self.needs, &self.activities]
    }

    /// Which vocabulary a taxonomy id names.
    pub fn vocabulary(&self, taxonomy_id: Uuid) -> Option<Vocabulary> {
        if taxonomy_id == self.needs.id {
            Some(Vocabulary::Needs)
        } else if taxonomy_id == self.activities.id {
            Some(Vocabulary::Activities)
        } else {
            None
        }
    }

    pub fn taxonomy(&self, vocabulary: Vocabulary) -> &Taxonomy {
        match vocabulary {
            Vocabulary::Needs => &self.needs,
            Vocabulary::Activities => &self.activities,
        }
    }

    pub fn terms(&self, vocabulary: Vocabulary) -> &[TaxonomyTerm] {
        match vocabulary {
            Vocabulary::Needs => &self.need_terms,
            Vocabulary::Activities => &self.activity_terms,
        }
    }

    /// Every term of both vocabularies, needs first.
    pub fn all_terms(&self) -> impl Iterator<Item = &TaxonomyTerm> {
        self.need_terms.iter().chain(&self.activity_terms)
    }

    /// A term by id, with its vocabulary.
    pub fn term(&self, id: Uuid) -> Option<(Vocabulary, &TaxonomyTerm)> {
        let (vocabulary, at) = *self.terms_by_id.get(&id)?;
        Some((vocabulary, self.terms(vocabulary).get(at)?))
    }

    /// A need's term.
    pub fn need_term(&self, code: NeedCode) -> Option<&TaxonomyTerm> {
        self.term(need_term_id(code)).map(|(_, term)| term)
    }

    /// An activity's term: the Activity List's, or one made from the listing's own reference
    /// when the concept is not in the bundled list.
    pub fn activity_term(&self, activity: &ActivityRef) -> TaxonomyTerm {
        let id = Uuid::parse_str(&activity.id)
            .unwrap_or_else(|_| Uuid::new_v5(&NAMESPACE, format!("activity:{}", activity.id).as_bytes()));
        if let Some((Vocabulary::Activities, term)) = self.term(id) {
            return term.clone();
        }
        TaxonomyTerm {
            id,
            name: activity.pref_label.clone(),
            description: activity.pref_label.clone(),
            parent_id: None,
            taxonomy: self.activities.name.clone(),
            taxonomy_id: self.activities.id,
            term_uri: format!("{ACTIVITY_LIST_URI}#{}", activity.id),
            term: activity.id.clone(),
        }
    }
}

/// One row of the Activity List CSV.
#[derive(Deserialize)]
struct ActivityRow {
    identifier: String,
    pref_label: String,
    broader_labels: String,
    definition: String,
}

/// The Activity List's concepts as terms, in the list's order. Rows that do not parse are
/// skipped (the list is bundled and checked by a test).
fn activity_terms(taxonomy: &Taxonomy) -> Vec<TaxonomyTerm> {
    let rows: Vec<(Uuid, ActivityRow)> = csv::Reader::from_reader(ACTIVITY_LIST.as_bytes())
        .deserialize::<ActivityRow>()
        .filter_map(|row| row.ok())
        .filter_map(|row| Some((Uuid::parse_str(&row.identifier).ok()?, row)))
        .collect();
    let by_label: HashMap<String, Uuid> = rows
        .iter()
        .map(|(id, row)| (row.pref_label.to_lowercase(), *id))
        .collect();
    rows.into_iter()
        .map(|(id, row)| TaxonomyTerm {
            id,
            parent_id: row
                .broader_labels
                .split(';')
                .find_map(|label| by_label.get(&label.trim().to_lowercase()).copied())
                .filter(|parent| *parent != id),
            description: if row.definition.trim().is_empty() {
                row.pref_label.clone()
            } else {
                row.definition
            },
            name: row.pref_label,
            taxonomy: taxonomy.name.clone(),
            taxonomy_id: taxonomy.id,
            term_uri: format!("{ACTIVITY_LIST_URI}#{}", row.identifier),
            term: row.identifier,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_activity_list_is_read_whole_with_real_uris_and_parents() {
        let vocabularies = vocabularies();
        assert_eq!(vocabularies.activity_terms.len(), 768);
        let otago = vocabularies
            .activity_terms
            .iter()
            .find(|term| term.name == "Otago")
            .expect("otago is in the list");
        assert_eq!(otago.id.to_string(), "72871f24-fdcd-4a88-9400-9cb08b911e70");
        assert_eq!(
            otago.term_uri,
            "https://openactive.io/activity-list#72871f24-fdcd-4a88-9400-9cb08b911e70"
        );
        let with_parents = vocabularies
            .activity_terms
            .iter()
            .filter(|t| t.parent_id.is_some())
            .count();
        assert!(with_parents > 500, "most concepts have a broader one: {with_parents}");
        for term in vocabularies.activity_terms.iter().filter_map(|t| t.parent_id) {
            assert!(matches!(vocabularies.term(term), Some((Vocabulary::Activities, _))));
        }
    }

    #[test]
    fn every_need_is_a_term_with_a_stable_id() {
        let vocabularies = vocabularies();
        assert_eq!(vocabularies.need_terms.len(), TAXONOMY.len());
        let code = NeedCode::parse("strength-and-balance").expect("a need");
        let term = vocabularies.need_term(code).expect("its term");
        assert_eq!(term.term, "strength-and-balance");
        assert_eq!(term.id, Uuid::new_v5(&NAMESPACE, b"need:strength-and-balance"));
        assert_eq!(vocabularies.vocabulary(term.taxonomy_id), Some(Vocabulary::Needs));
    }
}
