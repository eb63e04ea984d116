//! Languages a service is offered in, as BCP 47 tags whose primary subtag is an ISO 639 code
//! (`en`, `pl`, `en-GB`, `bfi` for British Sign Language), so every consumer (ORUK's
//! `languages.code`, OpenActive, a partner's filter) reads the same value.
//!
//! People type names ("Polish", "british sign language"); those are accepted and turned into
//! their code. Anything else ("klingon!!") is refused rather than stored as free text.

use isolang::Language;

use crate::error::ParseError;

/// A canonical tag for `raw`: a well-formed BCP 47 tag with a real ISO 639 primary language
/// (case normalised: `EN-gb` → `en-GB`), or the code of an English language name.
pub fn parse_language(raw: &str) -> Result<String, ParseError> {
    let trimmed = raw.trim();
    if let Some(tag) = canonical_tag(trimmed) {
        return Ok(tag);
    }
    if let Some(language) = by_name(trimmed) {
        return Ok(code_of(language));
    }
    Err(ParseError::new(format!(
        "{trimmed:?} is not a language: give an ISO 639 code such as \"en\" or \"pl\", a BCP 47 tag such as \"en-GB\", or a language's English name such as \"Polish\""
    )))
}

/// The English name of a tag's language (`pl` → `Polish`, `en-GB` → `English`); `None` for a
/// value that is not a tag (listings stored before languages were codes hold names).
pub fn language_name(tag: &str) -> Option<&'static str> {
    let primary = tag.split('-').next()?;
    primary_language(primary).map(|language| language.to_name())
}

/// The tag for a stored value: itself when it is a tag, the code of a language name stored
/// before languages were codes (`English` → `en`), else `None`.
pub fn tag_of(stored: &str) -> Option<String> {
    parse_language(stored).ok()
}

fn canonical_tag(raw: &str) -> Option<String> {
    let mut subtags = raw.split('-');
    let primary = subtags.next()?;
    if !(2..=3).contains(&primary.len()) || !primary.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let primary = primary.to_ascii_lowercase();
    primary_language(&primary)?;
    let mut tag = primary;
    for subtag in subtags {
        let well_formed = (1..=8).contains(&subtag.len()) && subtag.chars().all(|c| c.is_ascii_alphanumeric());
        if !well_formed {
            return None;
        }
        tag.push('-');
        // BCP 47's conventional case: regions upper (GB), scripts title (Latn), the rest lower.
        match subtag.len() {
            2 if subtag.chars().all(|c| c.is_ascii_alphabetic()) => tag.push_str(&subtag.to_ascii_uppercase()),
            4 if subtag.chars().all(|c| c.is_ascii_alphabetic()) => {
                let lower = subtag.to_ascii_lowercase();
                let mut chars = lower.chars();
                if let Some(first) = chars.next() {
                    tag.push(first.to_ascii_uppercase());
                    tag.push_str(chars.as_str());
                }
            }
            _ => tag.push_str(&subtag.to_ascii_lowercase()),
        }
    }
    Some(tag)
}

fn primary_language(code: &str) -> Option<Language> {
    match code.len() {
        2 => Language::from_639_1(code),
        3 => Language::from_639_3(code),
        _ => None,
    }
}

fn by_name(name: &str) -> Option<Language> {
    let lower = name.to_ascii_lowercase();
    // A few ISO 639-3 names are one or two letters ("E"): too easily typed by mistake.
    if lower.len() < 3 || lower.len() > 60 {
        return None;
    }
    Language::from_name_lowercase(&lower)
}

/// The shortest code: ISO 639-1 where the language has one, else ISO 639-3.
fn code_of(language: Language) -> String {
    language.to_639_1().unwrap_or_else(|| language.to_639_3()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_tags_and_names_become_canonical_tags() {
        assert_eq!(parse_language("en").as_deref(), Ok("en"));
        assert_eq!(parse_language(" EN-gb ").as_deref(), Ok("en-GB"));
        assert_eq!(parse_language("sr-latn").as_deref(), Ok("sr-Latn"));
        assert_eq!(parse_language("Polish").as_deref(), Ok("pl"));
        assert_eq!(parse_language("english").as_deref(), Ok("en"));
        assert_eq!(parse_language("British Sign Language").as_deref(), Ok("bfi"));
        assert_eq!(parse_language("bfi").as_deref(), Ok("bfi"));
    }

    #[test]
    fn made_up_languages_and_malformed_tags_are_refused() {
        for raw in [
            "klingon!!",
            "",
            "xx",
            "en--GB",
            "en-GB!",
            "e",
            "english-ish",
            "en-toolongsubtag",
        ] {
            assert!(parse_language(raw).is_err(), "{raw:?}: {:?}", parse_language(raw));
        }
    }

    #[test]
    fn names_come_back_for_tags_and_not_for_free_text() {
        assert_eq!(language_name("pl"), Some("Polish"));
        assert_eq!(language_name("en-GB"), Some("English"));
        assert_eq!(language_name("bfi"), Some("British Sign Language"));
        assert_eq!(language_name("English"), None);
        assert_eq!(tag_of("English").as_deref(), Some("en"));
    }
}
