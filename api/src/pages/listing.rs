//! `GET /find/services/{id}`, `GET /find/funds/{id}` and `GET /find/shortlist`: one listing's
//! page, and the resident's list to print or send on (ids in the URL, nothing else).

use indexer::resident::pages::{FundPage, ServicePage};
use indexer::resident::Card;
use maud::{html, Markup};
use uuid::Uuid;

use super::form::list_value;
use super::layout::{card, href, page, Frame, ListAction};
use super::look::Look;

/// The "Add to my list" line of a listing's page.
fn list_line(id: Uuid, name: &str, look: &Look, list: &[Uuid]) -> Markup {
    if list.contains(&id) {
        return html! {
            p class="no-print" { a href=(href("/find/shortlist", look, vec![("list", list_value(list))])) { "See my list" } }
        };
    }
    let mut with = list.to_vec();
    with.push(id);
    html! {
        p class="no-print" {
            a href=(href("/find/shortlist", look, vec![("list", list_value(&with))])) {
                "Add " span class="vh" { (name) " " } "to my list"
            }
        }
    }
}

fn items(label: &str, values: &[String]) -> Markup {
    html! {
        @if !values.is_empty() {
            dt { (label) }
            dd { @if values.len() == 1 { (values[0]) } @else { ul { @for value in values { li { (value) } } } } }
        }
    }
}

/// A service's page.
pub fn service(listing: &ServicePage, look: &Look, list: &[Uuid]) -> Markup {
    let card = &listing.card;
    let frame = Frame {
        title: &card.name,
        look,
        list,
        has_errors: false,
    };
    page(
        &frame,
        html! {
            h1 { (card.name) }
            @if let Some(by) = &card.by { p class="meta" { "Run by " (by) } }
            @if listing.is_example { p class="notice" { "This is an invented example, not a real service." } }
            @for paragraph in listing.description.split("\n").filter(|p| !p.trim().is_empty()) { p { (paragraph) } }
            h2 { "When and where" }
            dl {
                @for venue in &listing.venues {
                    dt { "Where" }
                    dd {
                        (venue.address)
                        @if !venue.when.is_empty() { br; (venue.when.join("; ")) }
                        @if !venue.access.is_empty() { br; "Access: " (venue.access.join(", ")) }
                    }
                }
                (items("When", &listing.when))
                (items("Next sessions", &listing.next_sessions))
                (items("Areas it covers", &listing.areas_served))
                @if !card.ways.is_empty() { dt { "How" } dd { (card.ways.join(", ")) } }
            }
            h2 { "Who it is for and what it costs" }
            dl {
                @if let Some(ages) = &listing.ages { dt { "Ages" } dd { (ages) } }
                @if let Some(eligibility) = &listing.eligibility { dt { "Who can go" } dd { (eligibility) } }
                @if let Some(cost) = &card.cost { dt { "Cost" } dd { (cost) } }
                @if let Some(join) = &card.how_to_join { dt { "How to join" } dd { (join) } }
                @if !listing.languages.is_empty() { dt { "Languages" } dd { (listing.languages.join(", ")) } }
                @if !listing.needs.is_empty() { dt { "Helps with" } dd { (listing.needs.join(", ")) } }
            }
            h2 { "Contact" }
            dl {
                @if let Some(phone) = &card.phone { dt { "Phone" } dd { a href={ "tel:" (phone.replace(' ', "")) } { (phone) } } }
                @if let Some(email) = &listing.email { dt { "Email" } dd { a href={ "mailto:" (email) } { (email) } } }
                @if let Some(url) = &card.url { dt { "Website" } dd { a href=(url) rel="noopener noreferrer" { (card.name) " website" } } }
                @for contact in &listing.contacts {
                    @if let Some(who) = &contact.who {
                        dt { "Contact" }
                        dd {
                            (who)
                            @if let Some(phone) = &contact.phone { ", " a href={ "tel:" (phone.replace(' ', "")) } { (phone) } }
                        }
                    }
                }
            }
            @if let Some(checked) = &listing.last_checked { p class="meta" { "Last checked: " (checked) } }
            @if card.stale { p class="notice" { "This has not been checked for over a year. Phone before you go." } }
            (list_line(card.id, &card.name, look, list))
            p class="no-print" { a href=(href("/find", look, list_pairs(list))) { "Search again" } }
        },
    )
}

/// A fund's page.
pub fn fund(listing: &FundPage, look: &Look, list: &[Uuid]) -> Markup {
    let card = &listing.card;
    let frame = Frame {
        title: &card.name,
        look,
        list,
        has_errors: false,
    };
    page(
        &frame,
        html! {
            h1 { (card.name) }
            @if let Some(by) = &card.by { p class="meta" { "Given by " (by) } }
            @if listing.is_example { p class="notice" { "This is an invented example, not a real fund." } }
            @for paragraph in listing.description.split("\n").filter(|p| !p.trim().is_empty()) { p { (paragraph) } }
            dl {
                @if let Some(amount) = &card.cost { dt { "Amount" } dd { (amount) } }
                @if let Some(open) = &card.open { dt { "Applications" } dd { (open) } }
                dt { "Who can apply" } dd { (listing.who_can_apply) }
                @if let Some(ages) = &listing.ages { dt { "Ages" } dd { (ages) } }
                @if let Some(eligibility) = &listing.eligibility { dt { "Who is eligible" } dd { (eligibility) } }
                (items("Areas", &listing.areas))
                @if !listing.needs.is_empty() { dt { "Helps with" } dd { (listing.needs.join(", ")) } }
                @if let Some(apply) = &card.how_to_join { dt { "How to apply" } dd { (apply) } }
                @if let Some(url) = &card.url { dt { "Website" } dd { a href=(url) rel="noopener noreferrer" { (card.name) " website" } } }
            }
            @if let Some(checked) = &listing.last_checked { p class="meta" { "Last checked: " (checked) } }
            (list_line(card.id, &card.name, look, list))
            p class="no-print" { a href=(href("/find", look, list_pairs(list))) { "Search again" } }
        },
    )
}

fn list_pairs(list: &[Uuid]) -> Vec<(&'static str, String)> {
    if list.is_empty() {
        Vec::new()
    } else {
        vec![("list", list_value(list))]
    }
}

/// The resident's list: cards to print, and a link that rebuilds the same list.
pub fn shortlist(cards: &[Card], list: &[Uuid], damaged: bool, share_url: &str, look: &Look) -> Markup {
    let frame = Frame {
        title: "My list",
        look,
        list,
        has_errors: false,
    };
    page(
        &frame,
        html! {
            h1 { "My list" }
            @if damaged || cards.len() < list.len() {
                p class="notice" { "Some things on this list could not be found. They may have closed or the link may be damaged." }
            }
            @if cards.is_empty() {
                p { "Your list is empty. Search, then choose “Add to my list” on anything you want to keep." }
                p { a href=(href("/find", look, Vec::new())) { "Search for help near you" } }
            } @else {
                p class="no-print" { "This list is kept only in its web address. Nothing about you is stored." }
                div class="share no-print" {
                    label for="share" { "Link to this list" }
                    p class="hint" id="share-hint" { "Copy this link to send the list by email or text message, or to come back to it later." }
                    input type="text" id="share" readonly value=(share_url) aria-describedby="share-hint";
                }
                p class="no-print" {
                    button type="button" data-print hidden { "Print this list" }
                    " You can also use your browser’s Print option."
                }
                ul class="cards" {
                    @for item in cards {
                        li {
                            (card(item, look, 2, ListAction::Remove(href(
                                "/find/shortlist",
                                look,
                                list_pairs(&list.iter().copied().filter(|id| *id != item.id).collect::<Vec<_>>()),
                            ))))
                        }
                    }
                }
                p class="no-print" { a href=(href("/find", look, list_pairs(list))) { "Search for more" } }
            }
        },
    )
}
