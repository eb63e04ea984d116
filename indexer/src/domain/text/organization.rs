//! Organisations: register identifiers (org-id.guide) and names that look like one listed twice.

use crate::error::{Error, Result};

/// The register schemes [`organization_identifier`] accepts (org-id.guide codes).
pub const ORGANIZATION_ID_SCHEMES: [&str; 4] = ["GB-CHC", "GB-SC", "GB-COH", "GB-NIC"];

/// Organisation register identifiers (org-id.guide). Scheme and identifier are trimmed and
/// uppercased, spaces inside the identifier dropped, and a pasted full org-id (`GB-CHC-1123456`)
/// accepted as the identifier:
/// - `GB-CHC`: Charity Commission for England and Wales number, 6-8 digits, maybe with a `-N`
///   subsidiary suffix (`1123456-1`).
/// - `GB-SC`: OSCR Scottish charity number, `SC` and 6 digits (`012345` gets its `SC`).
/// - `GB-COH`: Companies House number, 8 characters: all digits, zero-padded on the left
///   (`1234567` → `01234567`), or 2 letters and 6 digits (`SC123456`, `NI654321`).
/// - `GB-NIC`: Charity Commission for Northern Ireland number, 6 digits (`NIC104226` → `104226`).
///
/// Returns `(scheme, identifier)`; an unknown scheme's error lists the known ones.
pub fn organization_identifier(field: &str, scheme: &str, identifier: &str) -> Result<(String, String)> {
    let scheme = scheme.trim().to_uppercase();
    let compact: String = identifier
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    let compact = compact
        .strip_prefix(scheme.as_str())
        .and_then(|rest| rest.strip_prefix('-'))
        .unwrap_or(&compact);
    let parse: fn(&str) -> Result<String, String> = match scheme.as_str() {
        "GB-CHC" => charity_number,
        "GB-SC" => scottish_charity_number,
        "GB-COH" => company_number,
        "GB-NIC" => northern_ireland_charity_number,
        _ => {
            let known = ORGANIZATION_ID_SCHEMES.join(", ");
            let message = format!("unknown identifier scheme {scheme:?}: known schemes are {known}");
            return Err(Error::invalid(field, message));
        }
    };
    if compact.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    let identifier = parse(compact).map_err(|message| Error::invalid(field, message))?;
    Ok((scheme, identifier))
}

fn all_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

fn charity_number(compact: &str) -> Result<String, String> {
    let (number, subsidiary) = match compact.split_once('-') {
        Some((number, subsidiary)) => (number, Some(subsidiary)),
        None => (compact, None),
    };
    let number_ok = (6..=8).contains(&number.len()) && all_digits(number);
    let subsidiary_ok = match subsidiary {
        Some(suffix) => (1..=3).contains(&suffix.len()) && all_digits(suffix),
        None => true,
    };
    if !number_ok || !subsidiary_ok {
        return Err(format!(
            "{compact:?} is not a charity number: expected 6-8 digits, maybe with a -N suffix (1123456-1)"
        ));
    }
    Ok(compact.to_string())
}

fn scottish_charity_number(compact: &str) -> Result<String, String> {
    let digits = compact.strip_prefix("SC").unwrap_or(compact);
    if digits.len() != 6 || !all_digits(digits) {
        return Err(format!(
            "{compact:?} is not a Scottish charity number: expected SC and 6 digits (SC012345)"
        ));
    }
    Ok(format!("SC{digits}"))
}

fn company_number(compact: &str) -> Result<String, String> {
    if all_digits(compact) && compact.len() <= 8 {
        return Ok(format!("{compact:0>8}"));
    }
    let (letters, digits) = compact.split_at(compact.len().min(2));
    if letters.bytes().all(|b| b.is_ascii_uppercase()) && digits.len() == 6 && all_digits(digits) {
        return Ok(compact.to_string());
    }
    Err(format!(
        "{compact:?} is not a Companies House number: expected 8 digits (01234567) or 2 letters and 6 digits (SC123456)"
    ))
}

fn northern_ireland_charity_number(compact: &str) -> Result<String, String> {
    let digits = compact.strip_prefix("NIC").unwrap_or(compact);
    if digits.len() != 6 || !all_digits(digits) {
        return Err(format!(
            "{compact:?} is not a Northern Ireland charity number: expected 6 digits (104226)"
        ));
    }
    Ok(digits.to_string())
}

/// Names at or above this [`name_similarity`] count as likely duplicates.
///
/// 0.95 because, after normalisation, the same organisation written two ways scores 0.98-1.0
/// (`Age UK Norfolk` / `Age UK Norfolk Ltd` 1.0, `Dereham Walking Group` / `Dereham Walking Grp`
/// 1.0, `Dereham Walking Group` / `Dereham Walkng Group` 0.99, `Norwich Foodbank` / `Norwich Food
/// Bank` 0.99), while different organisations sharing most of their name stay at or below about
/// 0.92 (`Age UK Norfolk` / `Age UK Suffolk` 0.90, `Home-Start Norfolk` / `Home-Start Suffolk`
/// 0.92, `Dereham Walking Group` / `Dereham Knitting Group` 0.92, `Dereham Walking Group` /
/// `Dereham Tai Chi` 0.85). Jaro-Winkler cannot see meaning, so a one-word difference inside a
/// long shared name (`Norwich Men's Shed` / `Norwich Women's Shed`, 0.98) is still flagged: treat a
/// match as "ask a person", never as proof.
pub const DUPLICATE_NAME_SIMILARITY: f64 = 0.95;

/// Words dropped before comparing names: articles and legal forms, which say nothing about which
/// organisation it is. `charity`, `trust`, `group`, `uk` and the like stay: they are often the part
/// of the name that tells two bodies apart (`Norfolk Wildlife Trust`, `Age UK`).
const NAME_STOP_WORDS: [&str; 10] = [
    "the",
    "ltd",
    "limited",
    "cic",
    "cio",
    "plc",
    "llp",
    "inc",
    "incorporated",
    "scio",
];

/// Legal forms written out in full, dropped like [`NAME_STOP_WORDS`].
const NAME_STOP_PHRASES: [&[&str]; 3] = [
    &["community", "interest", "company"],
    &["charitable", "incorporated", "organisation"],
    &["charitable", "incorporated", "organization"],
];

/// Abbreviations written out, so `Walking Grp` and `Walking Group` compare equal.
const NAME_ABBREVIATIONS: [(&str, &str); 8] = [
    ("grp", "group"),
    ("assoc", "association"),
    ("assn", "association"),
    ("soc", "society"),
    ("ctr", "centre"),
    ("cntr", "centre"),
    ("center", "centre"),
    ("organization", "organisation"),
];

/// Similarity 0.0..=1.0 of two organisation names for duplicate detection. Both names are
/// normalised: lowercased, `&` → `and`, apostrophes dropped (`St John's` = `St Johns`), other
/// punctuation read as a space (`Home-Start` = `Home Start`), a few abbreviations written out
/// ([`NAME_ABBREVIATIONS`]) and articles and legal forms dropped ([`NAME_STOP_WORDS`]).
/// Identical normalised names score 1.0; otherwise the score is the Jaro-Winkler similarity of the
/// normalised names, or of their words in sorted order if that is higher (`Mind Norfolk` =
/// `Norfolk Mind`). A name with no letters or digits scores 0.0 against anything.
pub fn name_similarity(a: &str, b: &str) -> f64 {
    let (words_a, words_b) = (normalised_name_words(a), normalised_name_words(b));
    if words_a.is_empty() || words_b.is_empty() {
        return 0.0;
    }
    if words_a == words_b {
        return 1.0;
    }
    let in_order = strsim::jaro_winkler(&words_a.join(" "), &words_b.join(" "));
    let sorted = |words: &[String]| {
        let mut sorted = words.to_vec();
        sorted.sort();
        sorted.join(" ")
    };
    in_order.max(strsim::jaro_winkler(&sorted(&words_a), &sorted(&words_b)))
}

fn normalised_name_words(name: &str) -> Vec<String> {
    let lowered = name.to_lowercase().replace('&', " and ");
    let spaced: String = lowered
        .chars()
        .filter(|c| !matches!(c, '\'' | '\u{2019}' | '\u{2018}'))
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let words: Vec<&str> = spaced.split_whitespace().collect();
    let mut kept = Vec::with_capacity(words.len());
    let mut index = 0;
    while index < words.len() {
        if let Some(phrase) = NAME_STOP_PHRASES.iter().find(|p| words[index..].starts_with(p)) {
            index += phrase.len();
            continue;
        }
        let word = words[index];
        index += 1;
        if NAME_STOP_WORDS.contains(&word) {
            continue;
        }
        let written_out = NAME_ABBREVIATIONS
            .iter()
            .find(|(short, _)| *short == word)
            .map_or(word, |(_, long)| *long);
        kept.push(written_out.to_string());
    }
    if kept.is_empty() {
        // `The Ltd`: nothing but stop words is still a name, compare it as written.
        return words.iter().map(|w| w.to_string()).collect();
    }
    kept
}
