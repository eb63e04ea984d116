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

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use email_address::{EmailAddress, Options};
use url::{Host, Url};

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

/// http or https only (a bare `example.org/page` gets `https://` prefixed), must have a host with
/// a dot (a domain name, not an IP address), no user name or password; returned in the `url`
/// crate's normalised form (`https://example.org/`). The error says what is wrong.
pub fn web_url(field: &str, raw: &str) -> Result<String> {
    let invalid = |message: String| Error::invalid(field, message);
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(invalid("must not be empty".into()));
    }
    if trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid("must not contain spaces".into()));
    }
    if trimmed.chars().count() > URL_MAX {
        return Err(invalid(format!("must be at most {URL_MAX} characters long")));
    }
    let with_scheme = with_web_scheme(trimmed).map_err(invalid)?;
    let url = Url::parse(&with_scheme).map_err(|e| invalid(format!("is not a valid web address: {e}")))?;
    check_web_url(&url).map_err(invalid)?;
    let normalised = String::from(url);
    if normalised.chars().count() > URL_MAX {
        return Err(invalid(format!("must be at most {URL_MAX} characters long")));
    }
    Ok(normalised)
}

/// `https://` in front of an address typed without a scheme; an error for any scheme but http(s).
fn with_web_scheme(trimmed: &str) -> Result<Cow<'_, str>, String> {
    if let Some(rest) = trimmed.strip_prefix("//") {
        return Ok(Cow::Owned(format!("https://{rest}")));
    }
    match explicit_scheme(trimmed) {
        None => Ok(Cow::Owned(format!("https://{trimmed}"))),
        Some(scheme) if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") => {
            Ok(Cow::Borrowed(trimmed))
        }
        Some(scheme) => Err(format!(
            "must be a web address starting http:// or https://, not {}:",
            scheme.to_ascii_lowercase()
        )),
    }
}

/// The scheme of `javascript:…` or `ftp://…`; none for `example.org:8080/page`, whose part before
/// the colon has a dot and so is a host name.
fn explicit_scheme(text: &str) -> Option<&str> {
    let (candidate, _) = text.split_once(':')?;
    let mut chars = candidate.chars();
    let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let scheme_characters = chars.all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-');
    (starts_with_letter && scheme_characters).then_some(candidate)
}

fn check_web_url(url: &Url) -> Result<(), String> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("must use http or https, not {}", url.scheme()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not contain a user name or password".into());
    }
    match url.host() {
        Some(Host::Domain(domain)) => {
            let labels: Vec<&str> = domain.strip_suffix('.').unwrap_or(domain).split('.').collect();
            if labels.len() < 2 || labels.iter().any(|label| label.is_empty()) {
                return Err(format!("must have a full domain name like example.org, not {domain}"));
            }
            Ok(())
        }
        Some(Host::Ipv4(_) | Host::Ipv6(_)) => Err("must use a domain name, not an IP address".into()),
        None => Err("must have a host name".into()),
    }
}

/// Trimmed (and any `mailto:` removed), validated, domain part lowercased; the local part keeps
/// its case (RFC 5321 says it may matter). Plain `name@example.org` addresses only: display names
/// (`Ann <ann@example.org>`), quoted or commented local parts and IP-address domains are refused.
pub fn email(field: &str, raw: &str) -> Result<String> {
    let invalid = |message: &str| Error::invalid(field, message);
    let trimmed = raw.trim();
    let trimmed = strip_prefix_ignore_ascii_case(trimmed, "mailto:").unwrap_or(trimmed);
    if trimmed.is_empty() {
        return Err(invalid("must not be empty"));
    }
    if trimmed.chars().count() > EMAIL_MAX {
        return Err(invalid(&format!("must be at most {EMAIL_MAX} characters long")));
    }
    let options = Options::default()
        .with_required_tld()
        .without_domain_literal()
        .without_display_text();
    EmailAddress::parse_with_options(trimmed, options).map_err(|e| invalid(&email_problem(e)))?;
    let Some((local, domain)) = trimmed.rsplit_once('@') else {
        return Err(invalid("must contain an @"));
    };
    if !local.chars().all(is_plain_local_part_character) {
        return Err(invalid("must be a plain address like name@example.org"));
    }
    Ok(format!("{local}@{}", domain.to_lowercase()))
}

fn strip_prefix_ignore_ascii_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &text[prefix.len()..])
}

/// RFC 5322 `atext` and dots, plus non-ASCII letters (RFC 6531 addresses).
fn is_plain_local_part_character(c: char) -> bool {
    c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c)
}

fn email_problem(error: email_address::Error) -> String {
    use email_address::Error as E;
    let problem = match error {
        E::MissingSeparator => "must contain an @",
        E::LocalPartEmpty => "needs a name before the @",
        E::LocalPartTooLong => "has more than 64 characters before the @",
        E::DomainEmpty => "needs a domain after the @",
        E::DomainTooFew => "needs a full domain like example.org after the @",
        E::DomainTooLong | E::SubDomainTooLong => "has a domain that is too long",
        E::SubDomainEmpty | E::DomainInvalidSeparator => "has misplaced dots in the domain",
        E::UnsupportedDisplayName | E::MissingDisplayName | E::MissingEndBracket => {
            "must be the address alone, like name@example.org, without a name or <>"
        }
        E::UnsupportedDomainLiteral | E::InvalidIPAddress => "must use a domain name, not an IP address",
        E::InvalidCharacter | E::UnbalancedQuotes | E::InvalidComment => "contains a character not allowed here",
    };
    format!("is not a valid email address: {problem}")
}

/// Three-digit numbers that may be listed as they are.
const SHORT_NUMBERS: [&str; 6] = ["999", "112", "111", "101", "105", "119"];

/// Six-digit area codes (`016977 …`), where the local number has four or five digits. Every other
/// `01` number with a three-digit code (`0113`, `0121`) is `011x`/`01x1`, the rest have four-digit
/// codes (`01603`).
const SIX_DIGIT_AREA_CODES: [&str; 14] = [
    "13873", "15242", "15394", "15395", "15396", "16973", "16974", "16977", "17683", "17684", "17687", "19467",
    "19755", "19756",
];

/// A UK phone number (accepts spaces, dashes, dots, brackets, `+44`, `0044`, `+44 (0)`),
/// normalised to national format with spaces in the usual places: `01603 123456`,
/// `020 7946 0000`, `07700 900123`, `0800 123 4567`, `0300 123 4567`. The short numbers 999, 112,
/// 111, 101, 105 and 119 are kept as they are and `116 xxx` helplines (`116123`) are given their
/// usual space (`116 123`). Letters, non-UK country codes and wrong digit counts are refused with
/// a message saying which.
pub fn uk_phone(field: &str, raw: &str) -> Result<String> {
    let invalid = |message: String| Error::invalid(field, message);
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(invalid("must not be empty".into()));
    }
    let dialled = dialled_digits(trimmed).map_err(invalid)?;
    if !dialled.international {
        if let Some(short) = short_number(&dialled.digits) {
            return Ok(short);
        }
    }
    let national = national_significant_number(&dialled).map_err(invalid)?;
    format_national_number(&national).map_err(invalid)
}

/// The digits of a phone number as typed, and whether it began with `+`.
struct DialledDigits {
    digits: String,
    international: bool,
}

fn dialled_digits(trimmed: &str) -> Result<DialledDigits, String> {
    let international = trimmed.starts_with('+');
    let rest = trimmed.strip_prefix('+').unwrap_or(trimmed);
    if rest.chars().any(char::is_alphabetic) {
        return Err("must contain only digits, not letters".into());
    }
    let allowed = |c: char| c.is_ascii_digit() || c.is_whitespace() || matches!(c, '-' | '.' | '(' | ')' | '/');
    if let Some(bad) = rest.chars().find(|&c| !allowed(c)) {
        return Err(format!(
            "must contain only digits, spaces, dashes, dots, brackets and a leading +, not {bad:?}"
        ));
    }
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return Err("must contain a phone number".into());
    }
    if digits.len() > 15 {
        return Err("has too many digits for a phone number".into());
    }
    Ok(DialledDigits { digits, international })
}

fn short_number(digits: &str) -> Option<String> {
    if SHORT_NUMBERS.contains(&digits) {
        return Some(digits.to_string());
    }
    let helpline = digits.strip_prefix("116")?;
    (helpline.len() == 3).then(|| format!("116 {helpline}"))
}

/// The number without its `0`, `+44`, `0044` or `+44 (0)` prefix (`1603123456`).
fn national_significant_number(dialled: &DialledDigits) -> Result<String, String> {
    let digits = dialled.digits.as_str();
    let after_country_code = if dialled.international {
        Some(digits.strip_prefix("44").ok_or(NOT_UK)?)
    } else if let Some(international) = digits.strip_prefix("00") {
        Some(international.strip_prefix("44").ok_or(NOT_UK)?)
    } else if digits.starts_with("44") && (11..=13).contains(&digits.len()) {
        // `447700900123`: +44 without the plus (no UK number starts 044, so this is unambiguous).
        Some(&digits[2..])
    } else {
        None
    };
    let national = match after_country_code {
        Some(rest) => rest.strip_prefix('0').unwrap_or(rest),
        None => digits
            .strip_prefix('0')
            .ok_or("must include the area code, starting with 0 (or +44)")?,
    };
    if national.is_empty() {
        return Err("is too short to be a phone number".into());
    }
    Ok(national.to_string())
}

const NOT_UK: &str = "must be a UK number: the only country code accepted is +44";

/// `1603123456` → `01603 123456`; checks the digit count for the number's range.
fn format_national_number(national: &str) -> Result<String, String> {
    let prefix = |n: usize| national.get(..n).unwrap_or(national);
    // The lengths allowed for the number's range (without the 0), and how to name the range.
    let (allowed_lengths, range): (&[usize], String) = match national.as_bytes()[0] {
        b'1' if has_three_digit_area_code(national) => (&[10], format!("0{}", prefix(3))),
        b'1' => (&[9, 10], "01".into()),
        b'2' => (&[10], "02".into()),
        b'3' => (&[10], "03".into()),
        b'5' if matches!(prefix(2), "55" | "56") => (&[10], "055 and 056".into()),
        b'7' => (&[10], "07".into()),
        b'8' if prefix(3) == "800" => (&[7, 9, 10], "0800".into()),
        b'8' => (&[10], "08".into()),
        b'9' => (&[10], "09".into()),
        _ => return Err(format!("is not a UK number: no UK numbers start 0{}", prefix(2))),
    };
    if !allowed_lengths.contains(&national.len()) {
        return Err(wrong_length_message(national.len(), allowed_lengths, &range));
    }
    let mut parts = Vec::new();
    let mut start = 0;
    for length in digit_groups(national) {
        parts.push(&national[start..start + length]);
        start += length;
    }
    parts.push(&national[start..]);
    Ok(format!("0{}", parts.join(" ")))
}

/// How the digits after the 0 are grouped (the last group takes whatever remains).
fn digit_groups(national: &str) -> Vec<usize> {
    let bytes = national.as_bytes();
    match bytes[0] {
        b'1' if has_three_digit_area_code(national) => vec![3, 3],
        b'1' if SIX_DIGIT_AREA_CODES.iter().any(|code| national.starts_with(code)) => vec![5],
        b'1' => vec![4],
        b'2' | b'5' => vec![2, 4],
        b'7' if bytes[1] == b'0' => vec![2, 4],
        b'7' => vec![4],
        b'8' if national.len() < 10 => vec![3],
        _ => vec![3, 3],
    }
}

/// `0113 …` to `0118 …` and `0121 …` to `0191 …` (Leeds, Birmingham and the other big cities).
fn has_three_digit_area_code(national: &str) -> bool {
    let bytes = national.as_bytes();
    bytes.len() >= 3 && bytes[0] == b'1' && (bytes[1] == b'1' || bytes[2] == b'1')
}

fn wrong_length_message(length: usize, allowed: &[usize], range: &str) -> String {
    let with_zero: Vec<String> = allowed.iter().map(|n| (n + 1).to_string()).collect();
    let expected = match with_zero.as_slice() {
        [only] => only.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
        [] => String::new(),
    };
    let verdict = if allowed.iter().all(|&n| length < n) {
        "too short"
    } else if allowed.iter().all(|&n| length > n) {
        "too long"
    } else {
        "the wrong length"
    };
    format!(
        "is {verdict}: UK numbers starting {range} have {expected} digits, this has {}",
        length + 1
    )
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn text(raw: &str) -> Result<String> {
        plain_text("input.description", raw, DESCRIPTION_MAX)
    }

    fn message(error: Error) -> String {
        match error {
            Error::InvalidInput { message, .. } => message,
            other => panic!("expected invalid input, got {other:?}"),
        }
    }

    fn error_message<T: std::fmt::Debug>(result: Result<T>) -> String {
        message(result.expect_err("expected an error"))
    }

    #[test]
    fn strips_scripts_with_their_contents() {
        assert_eq!(text("<script>alert(1)</script>Hello").expect("accepted"), "Hello");
        assert_eq!(
            text("Hi<style>body{display:none}</style> there").expect("accepted"),
            "Hi there"
        );
        assert_eq!(text("<SCRIPT type=x>alert(1)</SCRIPT>ok").expect("accepted"), "ok");
    }

    #[test]
    fn strips_tags_and_decodes_entities() {
        assert_eq!(text("<b>Tea</b> &amp; chat").expect("accepted"), "Tea & chat");
        assert_eq!(text("Fish & chips").expect("accepted"), "Fish & chips");
        assert_eq!(text("1 < 2 and 3 > 2").expect("accepted"), "1 < 2 and 3 > 2");
        assert_eq!(
            text("<a href=\"javascript:alert(1)\">Link</a>").expect("accepted"),
            "Link"
        );
        assert_eq!(text("Caf&eacute; &#8211; open").expect("accepted"), "Café – open");
        assert_eq!(text("a<!-- hidden -->b").expect("accepted"), "ab");
        assert_eq!(text("x<y").expect("accepted"), "x");
    }

    #[test]
    fn line_and_paragraph_tags_leave_line_breaks() {
        assert_eq!(text("<p>One</p><p>Two</p>").expect("accepted"), "One\n\nTwo");
        assert_eq!(text("Line<br>break<BR/>again").expect("accepted"), "Line\nbreak\nagain");
        assert_eq!(
            text("Bring:<ul><li class=\"x\">boots</li><li>a flask</li></ul>Thanks").expect("accepted"),
            "Bring:\n\nboots\na flask\n\nThanks"
        );
        assert_eq!(text("<div title=\"t\">a</div><div>b</div>").expect("accepted"), "a\nb");
        assert_eq!(text("&lt;p&gt;encoded&lt;/p&gt;").expect("accepted"), "encoded");
    }

    #[test]
    fn encoded_tags_cannot_come_back() {
        let cleaned = optional_plain_text("f", "&lt;script&gt;x&lt;/script&gt;", 100).expect("accepted");
        assert!(!cleaned.as_deref().is_some_and(has_tag_opener), "{cleaned:?}");
        for raw in [
            "&lt;img src=x onerror=alert(1)&gt;hi",
            "&amp;lt;b&amp;gt;hi",
            "<&#1;b>hi",
            "&lt;!-- x --&gt;hi",
            "&lt;/p&gt;hi",
        ] {
            let cleaned = text(raw).expect("accepted");
            assert!(!has_tag_opener(&cleaned), "{raw:?} gave {cleaned:?}");
            assert!(cleaned.contains("hi"), "{raw:?} gave {cleaned:?}");
        }
        // A tag split by another one comes together once the inner one goes, and is then
        // stripped too: here an unclosed script, which takes the rest of the text with it.
        assert_eq!(optional_plain_text("f", "<<b>script>hi", 100).expect("accepted"), None);
    }

    #[test]
    fn deeply_encoded_tags_are_defused_when_rounds_run_out() {
        let mut raw = "<b>hi".to_string();
        for _ in 0..(MAX_CLEANING_ROUNDS + 4) {
            raw = raw.replace('&', "&amp;").replace('<', "&lt;");
        }
        let cleaned = text(&raw).expect("accepted");
        assert!(!has_tag_opener(&cleaned), "{cleaned:?}");
    }

    #[test]
    fn tidies_whitespace_and_control_characters() {
        assert_eq!(
            text("  Line one \t  here  \r\n\r\n\r\n\n  Line\u{0007} two\u{202E}  ").expect("accepted"),
            "Line one here\n\nLine two"
        );
        assert_eq!(text("a\nb").expect("accepted"), "a\nb");
        assert_eq!(text("a\u{00A0}\u{00A0}b").expect("accepted"), "a b");
    }

    #[test]
    fn empty_text_is_refused_or_cleared() {
        assert_eq!(error_message(text("   ")), "must not be empty");
        assert_eq!(error_message(text("<script>only</script>")), "must not be empty");
        assert_eq!(optional_plain_text("f", " <p> </p> ", 10).expect("accepted"), None);
        assert_eq!(
            optional_plain_text("f", " kept ", 10).expect("accepted"),
            Some("kept".into())
        );
    }

    #[test]
    fn length_limit_counts_characters_not_bytes() {
        let accented = "é".repeat(NAME_MAX);
        assert_eq!(
            plain_text("input.name", &accented, NAME_MAX).expect("accepted"),
            accented
        );
        let error = plain_text("input.name", &format!("{accented}é"), NAME_MAX).expect_err("refused");
        assert!(
            matches!(&error, Error::InvalidInput { field, .. } if field == "input.name"),
            "{error:?}"
        );
        assert_eq!(message(error), "must be at most 200 characters long");
        // Markup does not count towards the limit, only the text left.
        let wrapped = format!("<p><b>{}</b></p>", "x".repeat(SHORT_TEXT_MAX));
        assert!(plain_text("f", &wrapped, SHORT_TEXT_MAX).is_ok());
    }

    #[test]
    fn web_urls_are_http_with_a_real_host() {
        let url = |raw: &str| web_url("input.url", raw);
        assert_eq!(url("example.org/page").expect("accepted"), "https://example.org/page");
        assert_eq!(url(" HTTPS://Example.ORG ").expect("accepted"), "https://example.org/");
        assert_eq!(
            url("http://example.org/a?b=c#d").expect("accepted"),
            "http://example.org/a?b=c#d"
        );
        assert_eq!(
            url("www.example.org:8080/x").expect("accepted"),
            "https://www.example.org:8080/x"
        );
        assert_eq!(url("//example.org/x").expect("accepted"), "https://example.org/x");

        assert!(error_message(url("javascript:alert(1)")).contains("not javascript:"));
        assert!(error_message(url("JavaScript://example.org/%0Aalert(1)")).contains("not javascript:"));
        assert!(error_message(url("ftp://example.org/file")).contains("not ftp:"));
        assert!(error_message(url("mailto:ann@example.org")).contains("not mailto:"));
        assert!(error_message(url("https://")).contains("not a valid web address"));
        assert!(error_message(url("https://localhost/x")).contains("full domain name"));
        assert!(error_message(url("intranet")).contains("full domain name"));
        assert!(error_message(url("https://192.168.0.1/")).contains("IP address"));
        assert!(error_message(url("https://user:pw@example.org/")).contains("user name or password"));
        assert!(error_message(url("https://example.org/a b")).contains("spaces"));
        assert_eq!(error_message(url("  ")), "must not be empty");
        let long = format!("https://example.org/{}", "a".repeat(URL_MAX));
        assert!(error_message(url(&long)).contains("at most 2048"));
    }

    #[test]
    fn emails_are_validated_and_domains_lowercased() {
        let mail = |raw: &str| email("input.email", raw);
        assert_eq!(
            mail(" Ann.Smith@Example.ORG ").expect("accepted"),
            "Ann.Smith@example.org"
        );
        assert_eq!(mail("mailto:info@example.org").expect("accepted"), "info@example.org");
        assert_eq!(
            mail("first+tag@sub.example.co.uk").expect("accepted"),
            "first+tag@sub.example.co.uk"
        );

        assert!(error_message(mail("ann.example.org")).contains("@"));
        assert!(error_message(mail("ann@localhost")).contains("full domain"));
        assert!(error_message(mail("Ann <ann@example.org>")).contains("without a name"));
        assert!(error_message(mail("ann@[127.0.0.1]")).contains("IP address"));
        assert!(mail("ann smith@example.org").is_err());
        assert!(mail("\"<script>\"@example.org").is_err());
        assert!(mail("@example.org").is_err());
        assert_eq!(error_message(mail("")), "must not be empty");
        let long = format!("{}@example.org", "a".repeat(EMAIL_MAX));
        assert!(error_message(mail(&long)).contains("at most 254"));
    }

    #[test]
    fn uk_phone_numbers_are_normalised() {
        let cases = [
            ("01603 123456", "01603 123456"),
            ("01603123456", "01603 123456"),
            ("(01603) 123-456", "01603 123456"),
            ("+44 (0)1603 123456", "01603 123456"),
            ("+441603123456", "01603 123456"),
            ("0044 1603 123456", "01603 123456"),
            ("020 7946 0000", "020 7946 0000"),
            ("02079460000", "020 7946 0000"),
            ("+44 20 7946 0000", "020 7946 0000"),
            ("0113 496 0000", "0113 496 0000"),
            ("0121.496.0000", "0121 496 0000"),
            ("07700 900123", "07700 900123"),
            ("+447700900123", "07700 900123"),
            ("447700900123", "07700 900123"),
            ("0800 123 4567", "0800 123 4567"),
            ("0800 123456", "0800 123456"),
            ("0800 1111", "0800 1111"),
            ("0300 123 4567", "0300 123 4567"),
            ("0845-123-4567", "0845 123 4567"),
            ("016977 3456", "016977 3456"),
            ("01387 12345", "01387 12345"),
            ("111", "111"),
            ("999", "999"),
            ("116 123", "116 123"),
            ("116123", "116 123"),
        ];
        for (raw, expected) in cases {
            assert_eq!(uk_phone("input.phone", raw).expect("accepted"), expected, "{raw}");
        }
    }

    #[test]
    fn bad_phone_numbers_say_why() {
        let phone = |raw: &str| error_message(uk_phone("input.phone", raw));
        assert_eq!(
            phone("07700 90012"),
            "is too short: UK numbers starting 07 have 11 digits, this has 10"
        );
        assert_eq!(
            phone("07700 9001234"),
            "is too long: UK numbers starting 07 have 11 digits, this has 12"
        );
        assert_eq!(
            phone("01603 1234"),
            "is too short: UK numbers starting 01 have 10 or 11 digits, this has 9"
        );
        assert!(phone("0800 12345").contains("8, 10 or 11 digits"));
        assert!(phone("0113 496 000").contains("numbers starting 0113 have 11 digits"));
        assert!(phone("0800 CALL NOW").contains("letters"));
        assert!(phone("01603 123456 ext 2").contains("letters"));
        assert!(phone("+1 202 555 0143").contains("+44"));
        assert!(phone("001 202 555 0143").contains("+44"));
        assert!(phone("123456").contains("area code"));
        assert!(phone("0400 123 4567").contains("no UK numbers start 04"));
        assert!(phone("+44 111").contains("too short"));
        assert!(phone("01603 123456#").contains("'#'"));
        assert_eq!(phone(" "), "must not be empty");
        let error = uk_phone("input.phone", "abc").expect_err("refused");
        assert!(matches!(error, Error::InvalidInput { field, .. } if field == "input.phone"));
    }

    #[test]
    fn organisation_identifiers_are_normalised() {
        let id = |scheme: &str, identifier: &str| organization_identifier("input.identifier", scheme, identifier);
        let pair = |scheme: &str, identifier: &str| (scheme.to_string(), identifier.to_string());
        assert_eq!(
            id(" gb-chc ", " 1123456 ").expect("accepted"),
            pair("GB-CHC", "1123456")
        );
        assert_eq!(
            id("GB-CHC", "1123456-1").expect("accepted"),
            pair("GB-CHC", "1123456-1")
        );
        assert_eq!(
            id("GB-CHC", "GB-CHC-263710").expect("accepted"),
            pair("GB-CHC", "263710")
        );
        assert_eq!(id("GB-SC", "sc012345").expect("accepted"), pair("GB-SC", "SC012345"));
        assert_eq!(id("GB-SC", "012345").expect("accepted"), pair("GB-SC", "SC012345"));
        assert_eq!(id("GB-COH", "1234567").expect("accepted"), pair("GB-COH", "01234567"));
        assert_eq!(id("GB-COH", "08255580").expect("accepted"), pair("GB-COH", "08255580"));
        assert_eq!(id("GB-COH", "sc 123456").expect("accepted"), pair("GB-COH", "SC123456"));
        assert_eq!(id("GB-NIC", "NIC104226").expect("accepted"), pair("GB-NIC", "104226"));
        assert_eq!(id("GB-NIC", "104226").expect("accepted"), pair("GB-NIC", "104226"));

        assert_eq!(error_message(id("GB-CHC", "  ")), "must not be empty");
        assert!(error_message(id("GB-CHC", "12345")).contains("charity number"));
        assert!(error_message(id("GB-CHC", "1123456-")).contains("charity number"));
        assert!(error_message(id("GB-CHC", "12A4567")).contains("charity number"));
        assert!(error_message(id("GB-SC", "SC1234")).contains("Scottish"));
        assert!(error_message(id("GB-COH", "123456789")).contains("Companies House"));
        assert!(error_message(id("GB-COH", "S1234567")).contains("Companies House"));
        assert!(error_message(id("GB-NIC", "XN12345")).contains("Northern Ireland"));
        let unknown = id("US-EIN", "12-3456789").expect_err("refused");
        assert!(matches!(&unknown, Error::InvalidInput { field, .. } if field == "input.identifier"));
        assert_eq!(
            message(unknown),
            "unknown identifier scheme \"US-EIN\": known schemes are GB-CHC, GB-SC, GB-COH, GB-NIC"
        );
    }

    #[test]
    fn duplicate_names_match_and_distinct_names_do_not() {
        let duplicates = [
            ("Age UK Norfolk", "Age UK Norfolk Ltd"),
            ("Dereham Walking Group", "Dereham Walking Grp"),
            ("Dereham Walking Group", "Dereham Walkng Group"),
            ("Norwich Foodbank", "Norwich Food Bank"),
            ("Tea & Chat Club", "tea and chat club"),
            ("St John's Ambulance", "St Johns Ambulance"),
            ("Mind Norfolk", "Norfolk Mind"),
            ("The Garden Project CIC", "Garden Project"),
            (
                "Citizens Advice Norfolk",
                "Citizens Advice Norfolk Charitable Incorporated Organisation",
            ),
        ];
        for (a, b) in duplicates {
            let score = name_similarity(a, b);
            assert!(score >= DUPLICATE_NAME_SIMILARITY, "{a} / {b}: {score}");
        }
        let distinct = [
            ("Age UK Norfolk", "Age UK Suffolk"),
            ("Dereham Walking Group", "Dereham Tai Chi"),
            ("Dereham Walking Group", "Diss Walking Group"),
            ("Home-Start Norfolk", "Home-Start Suffolk"),
            ("Dereham Walking Group", "Dereham Knitting Group"),
            ("Age UK", "Age UK Norfolk"),
            ("Norfolk Wildlife Trust", "Suffolk Wildlife Trust"),
        ];
        for (a, b) in distinct {
            let score = name_similarity(a, b);
            assert!(score < DUPLICATE_NAME_SIMILARITY, "{a} / {b}: {score}");
        }
    }

    #[test]
    fn name_similarity_edge_cases() {
        assert_eq!(name_similarity("Age UK Norfolk", "AGE UK NORFOLK LIMITED"), 1.0);
        assert_eq!(name_similarity("The Ltd", "the ltd"), 1.0);
        assert_eq!(name_similarity("!!!", "!!!"), 0.0);
        assert_eq!(name_similarity("", "Age UK"), 0.0);
        let score = name_similarity("Age UK Norfolk", "Age UK Suffolk");
        assert!((0.0..=1.0).contains(&score));
        assert_eq!(score, name_similarity("Age UK Suffolk", "Age UK Norfolk"));
    }

    fn markup_piece() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "<",
            ">",
            "/",
            "!",
            "?",
            "-",
            "=",
            "\"",
            "'",
            " ",
            "\n",
            "\u{1}",
            "&",
            ";",
            "#",
            "&lt;",
            "&gt;",
            "&amp;",
            "&#60;",
            "&#x3c;",
            "&#1;",
            "&lt",
            "script",
            "style",
            "b",
            "p",
            "br",
            "li",
            "img",
            "x",
            "!--",
            "<![CDATA[",
        ])
    }

    proptest! {
        #[test]
        fn plain_text_never_panics_or_leaves_a_tag(raw in any::<String>()) {
            if let Ok(cleaned) = plain_text("f", &raw, DESCRIPTION_MAX) {
                prop_assert!(!has_tag_opener(&cleaned), "{:?} gave {:?}", raw, cleaned);
            }
        }

        #[test]
        fn pieces_of_markup_never_leave_a_tag(pieces in prop::collection::vec(markup_piece(), 0..40)) {
            let raw = pieces.concat();
            if let Ok(cleaned) = plain_text("f", &raw, DESCRIPTION_MAX) {
                prop_assert!(!has_tag_opener(&cleaned), "{:?} gave {:?}", raw, cleaned);
            }
        }

        #[test]
        fn markup_like_text_never_leaves_a_tag(raw in "[<>&;#!/?a-zA-Z0-9lgtamp \n\t\u{1}]{0,80}") {
            if let Ok(cleaned) = plain_text("f", &raw, DESCRIPTION_MAX) {
                prop_assert!(!has_tag_opener(&cleaned), "{:?} gave {:?}", raw, cleaned);
                prop_assert!(cleaned.chars().count() <= DESCRIPTION_MAX);
                prop_assert_eq!(cleaned.trim(), cleaned.as_str());
            }
        }
    }
}
