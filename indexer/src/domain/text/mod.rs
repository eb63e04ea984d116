//! Cleaning and validation of the fields organisations type into their own listings.
//!
//! Listings are edited by the organisations themselves and shown on partner websites, so every
//! value is cleaned here, once, at the boundary: free text becomes plain text that can never carry
//! markup back in, links are http(s) only, and contact details are stored in one normal form.
//! Each function takes the name of the input field it checks (`"input.phone"`) and names it in
//! the error, so the API can point at the field at fault.
//!
//! # Layout
//! - [`plain_text`], [`optional_plain_text`]: free text with markup, entities and stray
//!   whitespace removed, within a length limit in characters.
//! - [`web_url`], [`email`], [`uk_phone`]: contact details in their normal form.
//! - [`organization_identifier`]: charity and company numbers in org-id.guide form.
//! - [`name_similarity`], [`DUPLICATE_NAME_SIMILARITY`]: spotting organisations listed twice.
//!
//! Files: this module (plain text), `contact` (links, emails, phones), `organization`
//! (register identifiers, duplicate names).

mod contact;
mod organization;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

pub use contact::{email, uk_phone, web_url};
pub use organization::{name_similarity, organization_identifier, DUPLICATE_NAME_SIMILARITY, ORGANIZATION_ID_SCHEMES};

use crate::error::{Error, Result};

/// Length limits in characters (after cleaning).
pub const NAME_MAX: usize = 200;
/// Eligibility, how to join, schedule descriptions, address lines and the like.
pub const SHORT_TEXT_MAX: usize = 500;
pub const DESCRIPTION_MAX: usize = 5_000;
pub const URL_MAX: usize = 2_048;
pub const EMAIL_MAX: usize = 254;

/// Raw input larger than this is refused before any parsing. Generous, because text pasted from a
/// word processor carries far more markup than text, but it bounds the work one request can cause.
const RAW_TEXT_MAX_BYTES: usize = 1024 * 1024;

/// Rounds of strip-then-decode before giving up on reaching a fixed point (each round peels one
/// layer of entity encoding; real text needs one or two).
const MAX_CLEANING_ROUNDS: usize = 8;

/// Tags whose place becomes a line break (`<br>` always, the others unless one is there already),
/// and tags whose place becomes a blank line, so that pasted HTML keeps its lines and paragraphs
/// (`<p>One</p><p>Two</p>` → `One`, blank line, `Two`) instead of running words together.
const LINE_TAGS: [&str; 6] = ["br", "li", "div", "tr", "dt", "dd"];
const PARAGRAPH_TAGS: [&str; 13] = [
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "ul",
    "ol",
    "dl",
    "table",
];

/// Removes every tag and comment but the line and paragraph tags, which it keeps bare (no
/// attributes) for [`tags_to_line_breaks`]; `<script>` and `<style>` lose their contents too.
/// Its output is serialised HTML, so any `<` in it starts a tag: text `<` comes out as `&lt;`.
static TAG_STRIPPER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::empty();
    builder
        .add_tags(LINE_TAGS.iter().copied().chain(PARAGRAPH_TAGS.iter().copied()))
        .generic_attributes(HashSet::new())
        .tag_attributes(HashMap::new())
        .clean_content_tags(HashSet::from(["script", "style"]))
        .strip_comments(true);
    builder
});

/// Plain text: HTML tags removed (line and paragraph tags such as `<br>`, `<li>` and `<p>` leave a
/// line break or blank line), `<script>`/`<style>` contents removed entirely, entities decoded
/// (repeated until stable so `&lt;script&gt;` cannot smuggle a tag back in: the result never
/// contains a `<` followed by a letter, `/`, `!` or `?`), control characters other than newline
/// removed (as are invisible bidirectional-override and zero-width-space characters), runs of
/// spaces/tabs collapsed to one space, each line trimmed, 3+ newlines collapsed to 2, whole trimmed.
/// Error if the result is empty (`must not be empty`) or longer than `max` chars.
pub fn plain_text(field: &str, raw: &str, max: usize) -> Result<String> {
    match optional_plain_text(field, raw, max)? {
        Some(text) => Ok(text),
        None => Err(Error::invalid(field, "must not be empty")),
    }
}

/// Same as [`plain_text`], but an input that is empty/blank after cleaning gives `Ok(None)`
/// (clears the field).
pub fn optional_plain_text(field: &str, raw: &str, max: usize) -> Result<Option<String>> {
    if raw.len() > RAW_TEXT_MAX_BYTES {
        return Err(too_long(field, max));
    }
    let text = clean_text(raw);
    if text.is_empty() {
        return Ok(None);
    }
    if text.chars().count() > max {
        return Err(too_long(field, max));
    }
    Ok(Some(text))
}

fn too_long(field: &str, max: usize) -> Error {
    Error::invalid(field, format!("must be at most {max} characters long"))
}

fn clean_text(raw: &str) -> String {
    let mut text = remove_invisible_characters(raw);
    for _ in 0..MAX_CLEANING_ROUNDS {
        let stripped = tags_to_line_breaks(&TAG_STRIPPER.clean(&text).to_string());
        // Removing invisible characters inside the loop matters: `<&#1;b>` decodes to `<`, U+0001,
        // `b>`, which is harmless text until the U+0001 goes and leaves a tag.
        let decoded = remove_invisible_characters(&html_escape::decode_html_entities(&stripped));
        if decoded == text {
            break;
        }
        text = decoded;
    }
    // Only reachable when the rounds ran out on deeply nested entities: keep the promise anyway.
    let text = defuse_tag_openers(&text);
    normalise_whitespace(&text)
}

/// Replaces each tag in HTML serialised by [`TAG_STRIPPER`] with the line break its kind calls for,
/// or with nothing.
fn tags_to_line_breaks(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        text.push_str(&rest[..start]);
        let Some(length) = rest[start..].find('>') else {
            // Not a tag after all; the next cleaning round sees it again.
            text.push_str(&rest[start..]);
            return text;
        };
        let tag = &rest[start + 1..start + length];
        let name = tag
            .trim_start_matches('/')
            .split(|c: char| !c.is_ascii_alphanumeric())
            .next();
        match name {
            Some("br") => text.push('\n'),
            Some(name) if LINE_TAGS.contains(&name) => end_with_line_breaks(&mut text, 1),
            Some(name) if PARAGRAPH_TAGS.contains(&name) => end_with_line_breaks(&mut text, 2),
            _ => {}
        }
        rest = &rest[start + length + 1..];
    }
    text.push_str(rest);
    text
}

/// Adds line breaks until `text` ends with `count` of them (spaces between them aside), so that
/// `</li><li>` makes one line break, not two; only `<br><br>` asks for a blank line.
fn end_with_line_breaks(text: &mut String, count: usize) {
    let present = text
        .chars()
        .rev()
        .filter(|&c| c != ' ' && c != '\t')
        .take_while(|&c| c == '\n')
        .take(count)
        .count();
    for _ in present..count {
        text.push('\n');
    }
}

/// Line breaks become `\n`; tabs become spaces; other control characters and the invisible
/// characters that can disguise text (bidirectional overrides, zero-width space, byte order mark)
/// are dropped. Zero-width joiners stay: emoji and some scripts need them.
fn remove_invisible_characters(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    text.chars()
        .filter_map(|c| match c {
            '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}' => Some('\n'),
            '\t' => Some(' '),
            '\u{200B}' | '\u{FEFF}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => None,
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// Puts a space after any `<` that a browser could read as the start of a tag, comment or
/// processing instruction.
fn defuse_tag_openers(text: &str) -> Cow<'_, str> {
    if !has_tag_opener(text) {
        return Cow::Borrowed(text);
    }
    let mut defused = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        defused.push(c);
        if c == '<' && chars.peek().is_some_and(|&next| opens_markup(next)) {
            defused.push(' ');
        }
    }
    Cow::Owned(defused)
}

fn has_tag_opener(text: &str) -> bool {
    text.as_bytes()
        .windows(2)
        .any(|pair| pair[0] == b'<' && opens_markup(char::from(pair[1])))
}

fn opens_markup(c: char) -> bool {
    c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?')
}

/// Trims each line and collapses runs of whitespace within it to one space, keeps at most one
/// blank line between paragraphs, and trims the whole.
fn normalise_whitespace(text: &str) -> String {
    let mut result = String::with_capacity(text.len());
    let mut blank_lines_pending = 0;
    for line in text.split('\n') {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if line.is_empty() {
            blank_lines_pending += 1;
            continue;
        }
        if !result.is_empty() {
            result.push_str(if blank_lines_pending > 0 { "\n\n" } else { "\n" });
        }
        result.push_str(&line);
        blank_lines_pending = 0;
    }
    result
}
