//! Needs from a link worker's words: a deterministic, explainable keyword classifier.
//!
//! The text is split into clauses (at punctuation and at "but", "although", "however"); each
//! need's keywords (see [`crate::domain::need::TAXONOMY`]) are looked for as whole words or
//! phrases, a plural `s` allowed. A keyword preceded within three words of its clause by a
//! negation ("no", "not", "never", "without", "doesn't" ...) rules the need out instead, unless
//! the negation is "no longer" or "not able" (which describe a need).

use crate::domain::{NeedCode, TAXONOMY};

/// Words that negate what follows them in the same clause.
const NEGATIONS: &[&str] = &[
    "no", "not", "never", "without", "nor", "none", "denies", "doesnt", "dont", "isnt", "hasnt", "havent", "didnt",
    "wasnt", "arent", "wont", "neither",
];
/// Words that end a clause.
const CLAUSE_BREAKS: &[&str] = &["but", "although", "though", "however", "whereas"];
/// How many words before a keyword a negation reaches.
const NEGATION_REACH: usize = 3;

/// One need found in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetectedNeed {
    pub need: NeedCode,
    /// The words that triggered it, as they appear (lower case).
    pub triggers: Vec<String>,
    /// True when every mention was negated ("no mobility problems"): the need is ruled out.
    pub negated: bool,
}

/// Lower-case words, apostrophes dropped ("doesn't" → "doesnt"), split into clauses.
fn clauses(text: &str) -> Vec<Vec<String>> {
    let mut clauses = vec![Vec::new()];
    let mut word = String::new();
    let flush = |word: &mut String, clauses: &mut Vec<Vec<String>>| {
        if word.is_empty() {
            return;
        }
        if CLAUSE_BREAKS.contains(&word.as_str()) {
            clauses.push(Vec::new());
        } else if let Some(clause) = clauses.last_mut() {
            clause.push(word.clone());
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
        } else if c == '\'' || c == '’' {
            continue;
        } else {
            flush(&mut word, &mut clauses);
            if matches!(c, '.' | ',' | ';' | ':' | '!' | '?' | '\n' | '(' | ')') {
                clauses.push(Vec::new());
            }
        }
    }
    flush(&mut word, &mut clauses);
    clauses.retain(|clause| !clause.is_empty());
    clauses
}

fn word_matches(word: &str, keyword: &str) -> bool {
    word == keyword || (word.len() > 3 && word.strip_suffix('s') == Some(keyword))
}

/// Where a keyword (one or more words) occurs in a clause: start positions.
fn occurrences(clause: &[String], keyword: &str) -> Vec<usize> {
    let parts: Vec<&str> = keyword.split_whitespace().collect();
    if parts.is_empty() || clause.len() < parts.len() {
        return Vec::new();
    }
    (0..=clause.len() - parts.len())
        .filter(|&start| {
            parts
                .iter()
                .enumerate()
                .all(|(i, part)| word_matches(&clause[start + i], part))
        })
        .collect()
}

fn negated_at(clause: &[String], start: usize) -> bool {
    let from = start.saturating_sub(NEGATION_REACH);
    (from..start).any(|i| {
        let word = clause[i].as_str();
        let next = clause.get(i + 1).map(String::as_str);
        // "not enough food" states a need, as do "no longer drives" and "not able to".
        let states_a_lack = clause[i..start].iter().any(|w| w == "enough")
            || (word == "no" && next == Some("longer"))
            || (word == "not" && next == Some("able"));
        NEGATIONS.contains(&word) && !states_a_lack
    })
}

/// The needs the text mentions, in taxonomy order, with their triggers; negated mentions rule
/// a need out only if it is never mentioned without a negation.
pub fn classify(text: &str) -> Vec<DetectedNeed> {
    let clauses = clauses(text);
    let mut found = Vec::new();
    for need in TAXONOMY {
        let mut triggers = Vec::new();
        let mut affirmed = false;
        let mut denied = false;
        for keyword in need.keywords {
            for clause in &clauses {
                for start in occurrences(clause, keyword) {
                    let length = keyword.split_whitespace().count();
                    let trigger = clause[start..start + length].join(" ");
                    if negated_at(clause, start) {
                        denied = true;
                    } else {
                        affirmed = true;
                    }
                    if !triggers.contains(&trigger) {
                        triggers.push(trigger);
                    }
                }
            }
        }
        if let (true, Ok(code)) = (affirmed || denied, NeedCode::parse(need.code)) {
            found.push(DetectedNeed {
                need: code,
                triggers,
                negated: !affirmed,
            });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The needs (not negated) the classifier finds, as codes.
    fn needs_of(text: &str) -> Vec<&'static str> {
        classify(text)
            .into_iter()
            .filter(|d| !d.negated)
            .map(|d| d.need.as_str())
            .collect()
    }

    fn ruled_out(text: &str) -> Vec<&'static str> {
        classify(text)
            .into_iter()
            .filter(|d| d.negated)
            .map(|d| d.need.as_str())
            .collect()
    }

    #[test]
    fn realistic_link_worker_phrases() {
        let cases: &[(&str, &[&str])] = &[
            ("had two falls since the summer", &["strength-and-balance"]),
            ("lonely since her husband died", &["social-connection", "bereavement"]),
            ("worried about heating bills", &["money-advice"]),
            (
                "had two falls since the summer, lonely since her husband died, worried about heating bills",
                &[
                    "strength-and-balance",
                    "social-connection",
                    "money-advice",
                    "bereavement",
                ],
            ),
            ("feels unsteady on her feet", &["strength-and-balance"]),
            (
                "a bit wobbly when walking to the shops",
                &["strength-and-balance", "physical-activity"],
            ),
            ("tripped on the stairs last month", &["strength-and-balance"]),
            ("gets dizzy when standing up", &["strength-and-balance"]),
            ("very isolated, rarely sees anyone", &["social-connection"]),
            ("would like to make friends", &["social-connection"]),
            ("struggling with debts and arrears", &["money-advice"]),
            ("may be missing out on benefits", &["money-advice"]),
            ("may be entitled to attendance allowance", &["money-advice"]),
            ("can't afford the energy bills", &["money-advice"]),
            ("low mood and anxiety since retiring", &["mental-wellbeing"]),
            ("feels depressed most days", &["mental-wellbeing"]),
            (
                "cares for his wife who has dementia",
                &["carers", "memory-and-dementia"],
            ),
            (
                "becoming forgetful, family worried about memory",
                &["memory-and-dementia"],
            ),
            ("struggles to get to appointments, no longer drives", &["transport"]),
            ("needs a lift to the surgery", &["transport"]),
            ("does not have enough food at home", &["food"]),
            ("uses the food bank", &["food"]),
            ("wants help to get online and use email", &["digital-inclusion"]),
            ("damp flat, landlord will not do repairs", &["housing"]),
            ("needs a grab rail in the bathroom", &["housing"]),
            ("recently widowed and grieving", &["bereavement"]),
            ("would enjoy a weekly phone call from a befriender", &["befriending"]),
            (
                "keen to try tai chi or some exercise",
                &["strength-and-balance", "physical-activity"],
            ),
            ("wants to get more active, maybe swimming", &["physical-activity"]),
            ("needs advice on filling in forms", &["information-and-advice"]),
        ];
        for (text, expected) in cases {
            let mut found = needs_of(text);
            let mut expected = expected.to_vec();
            found.sort_unstable();
            expected.sort_unstable();
            assert_eq!(found, expected, "{text:?}");
        }
    }

    #[test]
    fn negations_rule_needs_out() {
        let cases: &[(&str, &[&str], &[&str])] = &[
            ("no mobility problems", &[], &["strength-and-balance"]),
            ("has never had a fall", &[], &["strength-and-balance"]),
            ("not lonely, sees her daughter daily", &[], &["social-connection"]),
            ("doesn't have any debts", &[], &["money-advice"]),
            (
                "no falls but feels lonely",
                &["social-connection"],
                &["strength-and-balance"],
            ),
            (
                "no money worries, but had a fall in May",
                &["strength-and-balance"],
                &["money-advice"],
            ),
            ("denies low mood", &[], &["mental-wellbeing"]),
            ("without a carer at present", &[], &["carers"]),
            (
                "isn't isolated; is worried about falls",
                &["strength-and-balance"],
                &["social-connection"],
            ),
            (
                "no longer able to drive to the club",
                &["transport", "social-connection"],
                &[],
            ),
        ];
        for (text, needs, negated) in cases {
            let mut found = needs_of(text);
            found.sort_unstable();
            let mut expected = needs.to_vec();
            expected.sort_unstable();
            assert_eq!(found, expected, "needs of {text:?}");
            let mut out = ruled_out(text);
            out.sort_unstable();
            assert_eq!(out, negated.to_vec(), "ruled out in {text:?}");
        }
    }

    #[test]
    fn triggers_explain_the_match() {
        let detected = classify("Had two FALLS since the summer.");
        assert_eq!(detected.len(), 1);
        assert_eq!(detected[0].triggers, vec!["falls".to_string()]);
        assert!(classify("").is_empty());
        assert!(classify("!!! ??? ...").is_empty());
    }
}
