//! The frame every residents' page shares (head, skip link, navigation, footer) and the small
//! pieces the pages reuse: a listing card, an error summary, links that keep the embed's look.
//!
//! Every value is written through maud, which escapes it; nothing is concatenated into HTML.

use indexer::resident::{Card, CardKind};
use maud::{html, Markup, DOCTYPE};
use uuid::Uuid;

use super::form::{list_value, query_string, FieldError};
use super::look::Look;

/// A page's frame: `title` is the page's own title (the site's name is added).
pub struct Frame<'a> {
    pub title: &'a str,
    pub look: &'a Look,
    /// The resident's list, for the "My list" link.
    pub list: &'a [Uuid],
    /// An error count is put first in the title, as screen readers read the title first.
    pub has_errors: bool,
}

/// A link to `path` keeping the embed and look, and `extra` pairs.
pub fn href(path: &str, look: &Look, extra: Vec<(&'static str, String)>) -> String {
    let mut pairs = extra;
    pairs.retain(|(_, value)| !value.is_empty());
    pairs.extend(look.pairs());
    if pairs.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", query_string(pairs))
    }
}

/// Hidden fields keeping the embed and look when a form is sent.
pub fn look_fields(look: &Look) -> Markup {
    html! {
        @for (name, value) in look.pairs() {
            input type="hidden" name=(name) value=(value);
        }
    }
}

/// The whole page around `main`.
pub fn page(frame: &Frame, main: Markup) -> Markup {
    let title = if frame.has_errors {
        format!("Error: {} – Find help near you", frame.title)
    } else {
        format!("{} – Find help near you", frame.title)
    };
    let list_pairs = if frame.list.is_empty() {
        Vec::new()
    } else {
        vec![("list", list_value(frame.list))]
    };
    html! {
        (DOCTYPE)
        html lang="en-GB" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (title) }
                link rel="stylesheet" href="/find/site.css";
                @if frame.look.is_themed() {
                    link rel="stylesheet" href=(href("/find/theme.css", frame.look, Vec::new()));
                }
                script src="/find/frame.js" defer {}
            }
            body {
                a class="skip" href="#main" { "Skip to main content" }
                header class="site" {
                    nav aria-label="Find help" {
                        ul {
                            li { a href=(href("/find", frame.look, list_pairs.clone())) { "Search" } }
                            li { a href=(href("/find/help", frame.look, list_pairs.clone())) { "Tell us what would help" } }
                            li {
                                a href=(href("/find/shortlist", frame.look, list_pairs.clone())) {
                                    "My list (" (frame.list.len()) ")"
                                }
                            }
                        }
                    }
                }
                div class="wrap" {
                    main id="main" tabindex="-1" { (main) }
                    footer class="site" {
                        p { "Nothing you type here is kept. This site sets no cookies." }
                    }
                }
            }
        }
    }
}

/// The box at the top of a page with errors, each linking to its field.
pub fn error_summary(errors: &[FieldError]) -> Markup {
    html! {
        @if !errors.is_empty() {
            div class="summary-box" role="alert" aria-labelledby="error-summary-title" {
                h2 id="error-summary-title" { "There is a problem" }
                ul {
                    @for error in errors {
                        li { a href={ "#" (error.field) } { (error.message) } }
                    }
                }
            }
        }
    }
}

/// The path of a listing's page.
pub fn card_path(card: &Card) -> String {
    match card.kind {
        Some(CardKind::Fund) => format!("/find/funds/{}", card.id),
        _ => format!("/find/services/{}", card.id),
    }
}

/// What a card's list link does.
pub enum ListAction {
    /// "Add to my list", to this URL.
    Add(String),
    /// "Remove from my list", to this URL.
    Remove(String),
    /// Already on the list: say so.
    OnList,
    None,
}

/// One listing in a list of results, a shortlist or an answer.
pub fn card(card: &Card, look: &Look, heading_level: u8, action: ListAction) -> Markup {
    let link = href(&card_path(card), look, Vec::new());
    let name = html! { a href=(link) { (card.name) } };
    html! {
        article class="card" {
            @if heading_level == 2 { h2 { (name) } } @else { h3 { (name) } }
            @if let Some(by) = &card.by {
                p class="meta" { @if card.kind == Some(CardKind::Fund) { "Given by " } @else { "Run by " } (by) }
            }
            @if !card.summary.is_empty() { p { (card.summary) } }
            dl {
                @if let Some(distance) = &card.distance { dt { "Distance" } dd { (distance) } }
                @if let Some(venue) = &card.venue { dt { "Where" } dd { (venue) } }
                @if card.venue.is_none() && !card.ways.is_empty() { dt { "How" } dd { (card.ways.join(", ")) } }
                @if !card.when.is_empty() { dt { "When" } dd { (card.when.join("; ")) } }
                @if let Some(next) = &card.next { dt { "Next" } dd { (next) } }
                @if let Some(open) = &card.open { dt { "Applications" } dd { (open) } }
                @if let Some(cost) = &card.cost {
                    dt { @if card.kind == Some(CardKind::Fund) { "Amount" } @else { "Cost" } }
                    dd { (cost) }
                }
                @if let Some(join) = &card.how_to_join {
                    dt { @if card.kind == Some(CardKind::Fund) { "How to apply" } @else { "How to join" } }
                    dd { (join) }
                }
                @if let Some(phone) = &card.phone { dt { "Phone" } dd { a href={ "tel:" (phone.replace(' ', "")) } { (phone) } } }
                @if let Some(url) = &card.url {
                    dt { "Website" }
                    dd { a href=(url) rel="noopener noreferrer" { (card.name) " website" } }
                }
                @if !card.access.is_empty() { dt { "Access" } dd { (card.access.join(", ")) } }
            }
            @if card.stale {
                p class="why" { "Not checked for over a year: phone before you go." }
            }
            @if !card.reasons.is_empty() {
                p class="why" { "Why it is here: " (card.reasons.join("; ")) }
            }
            @match action {
                ListAction::Add(url) => p class="no-print" { a href=(url) { "Add " span class="vh" { (card.name) " " } "to my list" } },
                ListAction::Remove(url) => p class="no-print" { a href=(url) { "Remove " span class="vh" { (card.name) " " } "from my list" } },
                ListAction::OnList => p class="no-print" { "On your list" span class="vh" { ": " (card.name) } },
                ListAction::None => {},
            }
        }
    }
}

/// A field's error line, if it has one (its id is `{field}-error`, for `aria-describedby`).
pub fn field_error(field: &str, error: Option<&str>) -> Markup {
    html! {
        @if let Some(message) = error {
            p class="error" id={ (field) "-error" } { span class="vh" { "Error: " } (message) }
        }
    }
}

/// `aria-describedby` for a field with a hint and maybe an error.
pub fn described_by(field: &str, has_hint: bool, has_error: bool) -> Option<String> {
    let mut ids = Vec::new();
    if has_hint {
        ids.push(format!("{field}-hint"));
    }
    if has_error {
        ids.push(format!("{field}-error"));
    }
    (!ids.is_empty()).then(|| ids.join(" "))
}
