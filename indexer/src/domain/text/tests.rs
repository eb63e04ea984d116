//! Tests of cleaning and validating typed text.

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
