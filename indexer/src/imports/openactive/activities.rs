//! The OpenActive Activity List, read from the seed's copy, for turning a feed's `activity`
//! concepts into the directory's needs while keeping the concepts themselves.
//!
//! A concept is looked up by its `@id` (the list's URL with the identifier after `#`), else by
//! its `prefLabel`. Its need comes from the taxonomy ([`need_for_activity_concept`]), looked up
//! for the concept and then up its `broader` chain: "Sit N B Fit" is narrower than "Chair Based
//! Exercise", so it is strength and balance too. Every activity is physical activity.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::domain::need::need_for_activity_concept;
use crate::domain::{ActivityRef, NeedCode};

const ACTIVITY_LIST_CSV: &str = include_str!("../../../../seed/reference/openactive_activity_list.csv");

/// The need every OpenActive activity meets.
pub const PHYSICAL_ACTIVITY: &str = "physical-activity";

/// How many `broader` steps to climb before giving up (the list is a few levels deep; this
/// guards against a cycle).
const MAX_BROADER_STEPS: usize = 8;

#[derive(Debug, Deserialize)]
struct Row {
    identifier: String,
    pref_label: String,
    #[serde(default)]
    alt_labels: String,
    #[serde(default)]
    broader_labels: String,
}

#[derive(Debug)]
struct Entry {
    concept: ActivityRef,
    broader: Vec<String>,
}

/// The Activity List indexed by identifier and by label (lower case).
#[derive(Debug)]
pub struct ActivityList {
    by_identifier: HashMap<String, usize>,
    by_label: HashMap<String, usize>,
    entries: Vec<Entry>,
}

impl ActivityList {
    /// The list bundled with the seed, parsed once.
    pub fn bundled() -> &'static ActivityList {
        static LIST: OnceLock<ActivityList> = OnceLock::new();
        LIST.get_or_init(|| ActivityList::parse(ACTIVITY_LIST_CSV))
    }

    /// Parses the list's CSV (`identifier,pref_label,alt_labels,broader_labels`, labels split
    /// by `;`); rows that do not parse are skipped.
    pub fn parse(csv_text: &str) -> ActivityList {
        let mut list = ActivityList {
            by_identifier: HashMap::new(),
            by_label: HashMap::new(),
            entries: Vec::new(),
        };
        let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
        for row in reader.deserialize::<Row>().flatten() {
            let position = list.entries.len();
            list.by_identifier.insert(row.identifier.to_lowercase(), position);
            list.by_label.insert(row.pref_label.to_lowercase(), position);
            for alt in row.alt_labels.split(';').map(str::trim).filter(|alt| !alt.is_empty()) {
                list.by_label.entry(alt.to_lowercase()).or_insert(position);
            }
            list.entries.push(Entry {
                concept: ActivityRef {
                    id: row.identifier,
                    pref_label: row.pref_label,
                },
                broader: split_labels(&row.broader_labels),
            });
        }
        list
    }

    /// The concept a feed names by `@id` (a list URL, or a bare identifier) or by label.
    pub fn find(&self, id: Option<&str>, label: Option<&str>) -> Option<&ActivityRef> {
        let by_id = id
            .map(|id| id.rsplit('#').next().unwrap_or(id).trim().to_lowercase())
            .and_then(|identifier| self.by_identifier.get(&identifier));
        let by_label = || label.and_then(|label| self.by_label.get(&label.trim().to_lowercase()));
        by_id.or_else(by_label).map(|&position| &self.entries[position].concept)
    }

    /// The needs of a concept: strength and balance when it or a broader concept is one of the
    /// taxonomy's strength-and-balance activities, and physical activity always.
    pub fn needs_of(&self, concept: &ActivityRef) -> Vec<NeedCode> {
        let mut needs = Vec::new();
        if let Some(need) = self.taxonomy_need(&concept.pref_label) {
            needs.push(need);
        }
        if let Ok(physical) = NeedCode::parse(PHYSICAL_ACTIVITY) {
            if !needs.contains(&physical) {
                needs.push(physical);
            }
        }
        needs
    }

    /// The taxonomy need of a label or of the first broader label that has one.
    fn taxonomy_need(&self, label: &str) -> Option<NeedCode> {
        let mut frontier = vec![label.to_string()];
        for _ in 0..MAX_BROADER_STEPS {
            if frontier.is_empty() {
                return None;
            }
            if let Some(need) = frontier.iter().find_map(|label| need_for_activity_concept(label)) {
                return Some(need);
            }
            frontier = frontier
                .iter()
                .filter_map(|label| self.by_label.get(&label.to_lowercase()))
                .flat_map(|&position| self.entries[position].broader.clone())
                .collect();
        }
        None
    }
}

fn split_labels(raw: &str) -> Vec<String> {
    raw.split(';')
        .map(str::trim)
        .filter(|label| !label.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn need_codes(list: &ActivityList, label: &str) -> Vec<&'static str> {
        let concept = list.find(None, Some(label)).expect("in the list");
        list.needs_of(concept).iter().map(NeedCode::as_str).collect()
    }

    #[test]
    fn falls_prevention_concepts_are_strength_and_balance() {
        let list = ActivityList::bundled();
        for label in [
            "Falls and Exercise Management",
            "Otago",
            "Postural Stability Instruction",
            "Chair Based Exercise",
            "Tai Chi",
            "General Fitness for Older Adults",
        ] {
            assert_eq!(
                need_codes(list, label),
                ["strength-and-balance", "physical-activity"],
                "{label}"
            );
        }
    }

    #[test]
    fn narrower_concepts_inherit_and_others_are_physical_activity() {
        let list = ActivityList::bundled();
        assert_eq!(
            need_codes(list, "Sit N B Fit"),
            ["strength-and-balance", "physical-activity"]
        );
        assert_eq!(need_codes(list, "5-a-side"), ["physical-activity"]);
    }

    #[test]
    fn finds_by_url_identifier_or_label() {
        let list = ActivityList::bundled();
        let otago = list
            .find(
                Some("https://openactive.io/activity-list#72871f24-fdcd-4a88-9400-9cb08b911e70"),
                None,
            )
            .expect("otago");
        assert_eq!(otago.pref_label, "Otago");
        assert_eq!(otago.id, "72871f24-fdcd-4a88-9400-9cb08b911e70");
        assert_eq!(
            list.find(None, Some("fame")).map(|c| c.pref_label.as_str()),
            Some("Falls and Exercise Management")
        );
        assert!(list
            .find(
                Some("https://example.org/activities#x"),
                Some("Underwater hockey on Mars")
            )
            .is_none());
    }
}
