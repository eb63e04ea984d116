//! The need taxonomy: stable codes for what a resident needs, which signposting, search and gap
//! detection all speak. The three falls-risk intervention areas of the Norfolk falls-prevention
//! specification come first.

use serde::Serialize;

use crate::error::ParseError;

/// An OpenActive Activity List concept (https://openactive.io/activity-list) mapped to a need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ActivityConcept {
    /// The concept's identifier in the Activity List.
    pub id: &'static str,
    pub pref_label: &'static str,
}

impl ActivityConcept {
    pub fn uri(&self) -> String {
        format!("https://openactive.io/activity-list#{}", self.id)
    }
}

/// One entry of the taxonomy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Need {
    pub code: &'static str,
    pub label: &'static str,
    pub description: &'static str,
    /// OpenActive concepts that count as this need.
    pub activity_concepts: &'static [ActivityConcept],
    /// Words residents and link workers use for this need (lower case, unstemmed): search
    /// synonyms, and the vocabulary of the signposting classifier.
    pub keywords: &'static [&'static str],
}

const STRENGTH_AND_BALANCE_CONCEPTS: &[ActivityConcept] = &[
    ActivityConcept {
        id: "35f999ac-8ed5-46fa-87d0-1c7721aca77e",
        pref_label: "Falls and Exercise Management",
    },
    ActivityConcept {
        id: "72871f24-fdcd-4a88-9400-9cb08b911e70",
        pref_label: "Otago",
    },
    ActivityConcept {
        id: "22368ce1-56d0-4ce9-ad45-bbb7e89ebb00",
        pref_label: "Postural Stability Instruction",
    },
    ActivityConcept {
        id: "ee3cf3ee-082e-4f53-9cb2-3ef0589497ed",
        pref_label: "Chair Based Exercise",
    },
    ActivityConcept {
        id: "c16df6ed-a4a0-4275-a8c3-1c8cff56856f",
        pref_label: "Tai Chi",
    },
    ActivityConcept {
        id: "808e1337-0ab2-4db3-b269-0ee3565c3ac9",
        pref_label: "General Fitness for Older Adults",
    },
];

/// The whole taxonomy, in display order. Codes are stable: never rename one, add a new one.
pub const TAXONOMY: &[Need] = &[
    Need {
        code: "strength-and-balance",
        label: "Strength and balance",
        description: "Exercise that builds leg strength and balance to prevent falls: FaME, Otago, postural stability, chair-based exercise, tai chi and general fitness classes for older adults.",
        activity_concepts: STRENGTH_AND_BALANCE_CONCEPTS,
        keywords: &["fall", "falls", "fallen", "falling", "unsteady", "wobbly", "balance", "dizzy", "trip", "trips", "tripped", "steady", "strength", "weak legs", "frail", "frailty", "mobility", "otago", "fame", "tai chi", "chair exercise", "chair based", "seated exercise", "postural"],
    },
    Need {
        code: "social-connection",
        label: "Social connection",
        description: "Groups, clubs, lunch clubs, coffee mornings and activities where people meet others and feel less lonely or isolated.",
        activity_concepts: &[],
        keywords: &["lonely", "loneliness", "isolated", "isolation", "alone", "company", "friends", "friendship", "social", "club", "coffee morning", "lunch club", "meet people"],
    },
    Need {
        code: "money-advice",
        label: "Money and benefits advice",
        description: "Help with benefits, debt, bills, heating costs, grants and maximising income.",
        activity_concepts: &[],
        keywords: &["money", "debt", "debts", "bills", "bill", "benefits", "benefit", "heating", "energy", "pension", "pension credit", "attendance allowance", "universal credit", "budget", "budgeting", "afford", "income", "arrears", "cost of living"],
    },
    Need {
        code: "physical-activity",
        label: "Physical activity",
        description: "Walking groups, gentle exercise, dance, swimming and sport at any level, to get and stay active.",
        activity_concepts: &[],
        keywords: &["exercise", "walking", "walk", "swimming", "swim", "dance", "dancing", "yoga", "fitness", "sport", "gym", "keep fit", "movement", "pilates"],
    },
    Need {
        code: "befriending",
        label: "Befriending",
        description: "Regular one-to-one contact from a volunteer, by phone or in person, for people who are isolated.",
        activity_concepts: &[],
        keywords: &["befriending", "befriender", "befriend", "phone call", "telephone friendship", "check in", "companionship"],
    },
    Need {
        code: "mental-wellbeing",
        label: "Mental wellbeing",
        description: "Support for low mood, anxiety and stress: talking groups, peer support, wellbeing courses and creative activities.",
        activity_concepts: &[],
        keywords: &["anxiety", "anxious", "depression", "depressed", "low mood", "stress", "stressed", "wellbeing", "mental health", "sad", "counselling"],
    },
    Need {
        code: "carers",
        label: "Support for carers",
        description: "Information, breaks, peer groups and advice for unpaid carers of a family member or friend.",
        activity_concepts: &[],
        keywords: &["carer", "carers", "caring", "caring for", "cares for", "looks after", "respite", "unpaid carer"],
    },
    Need {
        code: "housing",
        label: "Housing and home safety",
        description: "Help to stay safe and warm at home: adaptations, handyperson schemes, home safety checks, housing advice.",
        activity_concepts: &[],
        keywords: &["housing", "adaptation", "adaptations", "handyperson", "grab rail", "stairlift", "damp", "cold home", "landlord", "repairs", "home safety"],
    },
    Need {
        code: "food",
        label: "Food",
        description: "Food banks, community fridges and pantries, meals and lunch clubs, cooking on a budget.",
        activity_concepts: &[],
        keywords: &["food", "hungry", "meal", "meals", "food bank", "foodbank", "pantry", "fridge", "cooking", "eating"],
    },
    Need {
        code: "digital-inclusion",
        label: "Digital inclusion",
        description: "Help to get online and use a phone, tablet or computer with confidence, and access to devices and data.",
        activity_concepts: &[],
        keywords: &["digital", "internet", "computer", "tablet", "smartphone", "phone help", "ipad", "email", "wifi", "get online"],
    },
    Need {
        code: "transport",
        label: "Transport",
        description: "Community transport, volunteer car schemes and dial-a-ride to get to appointments and activities.",
        activity_concepts: &[],
        keywords: &["transport", "lift", "lifts", "car scheme", "bus", "travel", "dial a ride", "community car", "driving", "drive", "get to"],
    },
    Need {
        code: "information-and-advice",
        label: "Information and advice",
        description: "General information and advice, signposting, libraries and help with forms and local services.",
        activity_concepts: &[],
        keywords: &["advice", "information", "forms", "help with forms", "library", "libraries", "signposting", "guidance", "rights"],
    },
    Need {
        code: "bereavement",
        label: "Bereavement support",
        description: "Support after the death of someone close: bereavement groups, counselling and practical help.",
        activity_concepts: &[],
        keywords: &["bereavement", "bereaved", "grief", "grieving", "loss", "widow", "widowed", "widower", "died", "death", "passed away"],
    },
    Need {
        code: "memory-and-dementia",
        label: "Memory and dementia",
        description: "Memory cafes, dementia-friendly activities and support for people living with dementia and their carers.",
        activity_concepts: &[],
        keywords: &["dementia", "memory", "alzheimer", "alzheimers", "forgetful", "forgetting", "memory cafe", "confusion"],
    },
];

/// A code that names an entry of [`TAXONOMY`]; written as the code, and read back through
/// [`NeedCode::parse`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NeedCode(&'static str);

impl Serialize for NeedCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0)
    }
}

impl<'de> serde::Deserialize<'de> for NeedCode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<NeedCode, D::Error> {
        let raw = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        NeedCode::parse(&raw).map_err(serde::de::Error::custom)
    }
}

impl NeedCode {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let wanted = raw.trim().to_lowercase();
        TAXONOMY
            .iter()
            .find(|need| need.code == wanted)
            .map(|need| NeedCode(need.code))
            .ok_or_else(|| ParseError::new(format!("unknown need code {raw:?}; see the `needs` query for the list")))
    }

    pub fn as_str(&self) -> &'static str {
        self.0
    }

    pub fn need(&self) -> &'static Need {
        TAXONOMY.iter().find(|need| need.code == self.0).unwrap_or(&TAXONOMY[0])
    }
}

/// Needs whose keywords include this single word (lower case).
pub fn needs_for_word(word: &str) -> Vec<NeedCode> {
    TAXONOMY
        .iter()
        .filter(|need| need.keywords.contains(&word))
        .map(|need| NeedCode(need.code))
        .collect()
}

/// The need an OpenActive concept label maps to, if any.
pub fn need_for_activity_concept(pref_label: &str) -> Option<NeedCode> {
    TAXONOMY
        .iter()
        .find(|need| {
            need.activity_concepts
                .iter()
                .any(|concept| concept.pref_label.eq_ignore_ascii_case(pref_label))
        })
        .map(|need| NeedCode(need.code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_parse() {
        let mut codes: Vec<_> = TAXONOMY.iter().map(|need| need.code).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), TAXONOMY.len());
        for need in TAXONOMY {
            assert_eq!(NeedCode::parse(need.code).map(|c| c.as_str()), Ok(need.code));
        }
        assert!(NeedCode::parse("knitting").is_err());
    }

    #[test]
    fn falls_concepts_map_to_strength_and_balance() {
        for label in [
            "Falls and Exercise Management",
            "Otago",
            "Postural Stability Instruction",
            "Chair Based Exercise",
            "Tai Chi",
            "General Fitness for Older Adults",
        ] {
            assert_eq!(
                need_for_activity_concept(label).map(|c| c.as_str()),
                Some("strength-and-balance"),
                "{label}"
            );
        }
        assert_eq!(need_for_activity_concept("Football"), None);
    }
}
