//! A venue's accessibility features as OpenActive `accessibilitySupport` concepts.
//!
//! The OpenActive Accessibility Support list (openactive/accessibility-support, CC BY 4.0) names
//! who a session supports, not what a venue has, so only features that clearly serve a group
//! map onto it: a hearing loop (hearing impairment), large print (visual impairment), and
//! step-free access, wheelchair access, an accessible toilet or seated options (physical
//! impairment). Parking maps onto nothing. Every feature is also listed in words in
//! `accessibilityInformation`, so nothing the directory knows is lost.

use super::session_series::Concept;
use crate::domain::AccessibilityFeature;

/// The scheme of the accessibility-support concepts.
pub const ACCESSIBILITY_SUPPORT: &str = "https://openactive.io/accessibility-support";

const VISUAL: (&str, &str) = (
    "https://openactive.io/accessibility-support#1393f2dc-3fcc-4be9-a99f-f1e51f5ad277",
    "Visual impairment",
);
const HEARING: (&str, &str) = (
    "https://openactive.io/accessibility-support#2bfb7228-5969-4927-8435-38b5005a8771",
    "Hearing impairment",
);
const PHYSICAL: (&str, &str) = (
    "https://openactive.io/accessibility-support#dd026873-6713-4ea1-af5a-08901f651d98",
    "Physical impairment",
);

/// What a series says about accessibility.
pub struct Accessibility {
    pub support: Vec<Concept>,
    pub information: Option<String>,
}

impl Accessibility {
    /// From a venue's features.
    pub fn of(features: &[AccessibilityFeature]) -> Accessibility {
        let mut support: Vec<Concept> = Vec::new();
        for feature in features {
            let concept = match feature {
                AccessibilityFeature::HearingLoop => Some(HEARING),
                AccessibilityFeature::LargePrint => Some(VISUAL),
                AccessibilityFeature::StepFree
                | AccessibilityFeature::WheelchairAccessible
                | AccessibilityFeature::AccessibleToilet
                | AccessibilityFeature::SeatedOptions => Some(PHYSICAL),
                AccessibilityFeature::Parking => None,
            };
            if let Some((id, label)) = concept {
                if !support.iter().any(|known| known.id == id) {
                    support.push(Concept::new(id, label, ACCESSIBILITY_SUPPORT));
                }
            }
        }
        let words: Vec<&str> = features.iter().map(|feature| describe(*feature)).collect();
        Accessibility {
            support,
            information: (!words.is_empty()).then(|| words.join(", ")),
        }
    }
}

fn describe(feature: AccessibilityFeature) -> &'static str {
    match feature {
        AccessibilityFeature::StepFree => "Step-free access",
        AccessibilityFeature::HearingLoop => "Hearing loop",
        AccessibilityFeature::AccessibleToilet => "Accessible toilet",
        AccessibilityFeature::Parking => "Parking",
        AccessibilityFeature::SeatedOptions => "Seated options",
        AccessibilityFeature::LargePrint => "Large print materials",
        AccessibilityFeature::WheelchairAccessible => "Wheelchair accessible",
    }
}
