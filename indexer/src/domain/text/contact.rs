//! Contact details in their normal form: web links, email addresses, UK phone numbers.

use std::borrow::Cow;

use email_address::{EmailAddress, Options};
use url::{Host, Url};

use super::{EMAIL_MAX, URL_MAX};
use crate::error::{Error, Result};

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
