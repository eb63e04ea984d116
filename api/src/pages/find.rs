//! `GET /find`: the search form and, once sent, its results (server-rendered, so it works with
//! JavaScript off).

use chrono::Utc;
use chrono_tz::Europe::London;
use indexer::domain::schedule::Availability;
use indexer::domain::{AccessibilityFeature, DeliveryMode, GeoPoint, TAXONOMY};
use indexer::resident::wording::miles_to_km;
use indexer::resident::{Card, NotFoundWhere, Whereabouts};
use indexer::search::{AssetKind, Near, SearchOptions, SearchRequest, Within};
use indexer::Directory;
use maud::{html, Markup};

use super::form::{list_value, FindForm, How, DAYS, DISTANCES_MILES, PAGE_SIZE};
use super::layout::{card, described_by, error_summary, field_error, href, look_fields, page, Frame, ListAction};

/// A page of results, ready to show.
pub struct Found {
    pub cards: Vec<Card>,
    pub total: usize,
    pub has_more: bool,
    /// "near NR19 1NY" or "in Breckland".
    pub place_words: Option<String>,
}

/// Where the form's place is, or the error to show next to the field.
fn place_of(directory: &Directory, form: &mut FindForm) -> Option<Whereabouts> {
    if form.place.is_empty() {
        return None;
    }
    match directory.whereabouts(&form.place) {
        Ok(found) => Some(found),
        Err(NotFoundWhere::PostcodeOutsideArea(postcode)) => {
            form.errors.push(super::form::FieldError {
                field: "where",
                message: format!(
                    "We do not have {postcode} in this directory. It covers Norfolk: check the postcode, or enter a district like Breckland."
                ),
            });
            None
        }
        Err(NotFoundWhere::UnknownPlace) => {
            form.errors.push(super::form::FieldError {
                field: "where",
                message:
                    "We could not find that place. Enter a full postcode like NR19 1NY, or a district like Breckland."
                        .to_string(),
            });
            None
        }
    }
}

/// The engine's request for the form (valid, with a place if one was given).
fn request(directory: &Directory, form: &FindForm, place: Option<&Whereabouts>) -> (SearchRequest, Option<GeoPoint>) {
    let (near, within, point) = match place {
        Some(Whereabouts::Postcode(record)) => match GeoPoint::new(record.latitude, record.longitude) {
            Ok(point) => (
                Some(Near {
                    point,
                    radius_km: miles_to_km(f64::from(form.miles)),
                    containing_places: directory.places_at(point).into_iter().map(|p| p.code).collect(),
                }),
                None,
                Some(point),
            ),
            Err(_) => (None, None, None),
        },
        Some(Whereabouts::Place(place)) => (
            None,
            Some(Within {
                overlapping: directory.places().overlapping_codes(&place.code),
                // Residents name postcodes, districts, counties and wards, never custom Places.
                members: Vec::new(),
                code: place.code.clone(),
            }),
            None,
        ),
        None => (None, None, None),
    };
    let request = SearchRequest {
        text: Some(form.words.clone()).filter(|words| !words.is_empty()),
        near,
        within,
        needs: form.needs.clone(),
        kinds: vec![AssetKind::Service, AssetKind::Fund],
        days: form.day.into_iter().collect(),
        free_only: form.free_only,
        accessibility: if form.step_free {
            vec![AccessibilityFeature::StepFree]
        } else {
            Vec::new()
        },
        delivery_modes: match form.how {
            Some(How::InPerson) => vec![DeliveryMode::InPerson],
            Some(How::Remote) => vec![DeliveryMode::Phone, DeliveryMode::Online],
            None => Vec::new(),
        },
        offset: (form.page - 1) * PAGE_SIZE,
        limit: PAGE_SIZE,
        today: Utc::now().with_timezone(&London).date_naive(),
        ..SearchRequest::default()
    };
    (request, point)
}

/// Runs the form's search; `Ok(None)` when there is nothing to search (or the form has errors,
/// now including a place that was not found).
pub async fn search(directory: &Directory, form: &mut FindForm) -> indexer::Result<Option<Found>> {
    if !form.has_search() {
        return Ok(None);
    }
    let place = place_of(directory, form);
    if !form.errors.is_empty() {
        return Ok(None);
    }
    let (request, point) = request(directory, form, place.as_ref());
    let results = directory.search(request, SearchOptions::COUNTED).await?;
    let availability = Availability {
        days: form.day.into_iter().collect(),
        from: None,
        to: None,
    };
    let cards = directory.cards(&results.hits, point, &availability).await?;
    let place_words = place.map(|place| match place {
        Whereabouts::Postcode(record) => format!("near {}", record.postcode),
        Whereabouts::Place(place) => format!("in {}", place.name),
    });
    Ok(Some(Found {
        cards,
        total: results.total,
        has_more: results.has_more,
        place_words,
    }))
}

/// The search page.
pub fn render(form: &FindForm, found: Option<&Found>) -> Markup {
    let title = match found {
        Some(found) if found.total > 0 => "Search results",
        Some(_) => "No results",
        None => "Find help near you",
    };
    let frame = Frame {
        title,
        look: &form.look,
        list: &form.list,
        has_errors: !form.errors.is_empty(),
    };
    page(
        &frame,
        html! {
            h1 { "Find help near you" }
            p { "Find classes, groups, advice and money you can get near where you live." }
            (error_summary(&form.errors))
            @if form.list_damaged {
                p class="notice" { "Some things on your list could not be read. The rest are still on it." }
            }
            (search_form(form))
            @if let Some(found) = found { (results(form, found)) }
        },
    )
}

fn text_field(
    id: &str,
    label: &str,
    hint: &str,
    value: &str,
    error: Option<&str>,
    autocomplete: Option<&str>,
) -> Markup {
    html! {
        div class={ "field" @if error.is_some() { " has-error" } } {
            label for=(id) { (label) }
            p class="hint" id={ (id) "-hint" } { (hint) }
            (field_error(id, error))
            input type="text" id=(id) name=(id) value=(value)
                autocomplete=[autocomplete]
                aria-describedby=[described_by(id, true, error.is_some())]
                aria-invalid=[error.map(|_| "true")];
        }
    }
}

fn search_form(form: &FindForm) -> Markup {
    let more_open = form.day.is_some()
        || form.free_only
        || form.step_free
        || form.how.is_some()
        || form.miles != super::form::DEFAULT_MILES;
    html! {
        form method="get" action="/find" role="search" aria-label="Find help" {
            (look_fields(&form.look))
            @if !form.list.is_empty() { input type="hidden" name="list" value=(list_value(&form.list)); }
            (text_field("where", "Your postcode or area", "For example, NR19 1NY, or a district like Breckland", &form.place, form.error_for("where"), Some("postal-code")))
            (text_field("q", "What are you looking for? (optional)", "For example, exercise class, lunch club or help with bills", &form.words, form.error_for("q"), None))
            details open[more_open] {
                summary { "More choices: day, cost, access, distance" }
                div class={ "field" @if form.error_for("miles").is_some() { " has-error" } } {
                    label for="miles" { "How far can you travel?" }
                    (field_error("miles", form.error_for("miles")))
                    select id="miles" name="miles" aria-describedby=[described_by("miles", false, form.error_for("miles").is_some())] {
                        @for miles in DISTANCES_MILES {
                            option value=(miles) selected[miles == form.miles] { "Up to " (miles) @if miles == 1 { " mile" } @else { " miles" } }
                        }
                    }
                }
                div class={ "field" @if form.error_for("day").is_some() { " has-error" } } {
                    label for="day" { "Day" }
                    (field_error("day", form.error_for("day")))
                    select id="day" name="day" aria-describedby=[described_by("day", false, form.error_for("day").is_some())] {
                        option value="" { "Any day" }
                        @for (value, label, day) in DAYS {
                            option value=(value) selected[form.day == Some(day)] { (label) }
                        }
                    }
                }
                fieldset class="choices" {
                    legend { "Only show" }
                    label { input type="checkbox" name="free" value="yes" checked[form.free_only]; "Free things" }
                    label { input type="checkbox" name="stepfree" value="yes" checked[form.step_free]; "Places with step-free access" }
                }
                fieldset class="choices" id="how" {
                    legend { "How would you like to take part?" }
                    (field_error("how", form.error_for("how")))
                    label { input type="radio" name="how" value="any" checked[form.how.is_none()]; "Any way" }
                    label { input type="radio" name="how" value="in_person" checked[form.how == Some(How::InPerson)]; "In person" }
                    label { input type="radio" name="how" value="remote" checked[form.how == Some(How::Remote)]; "By phone or online" }
                }
            }
            p { button type="submit" { "Search" } }
            fieldset id="topics" {
                legend { "Or choose a topic" }
                (field_error("topics", form.error_for("topics")))
                ul class="topics" {
                    @for need in TAXONOMY {
                        li { button type="submit" class="secondary" name="need" value=(need.code) { (need.label) } }
                    }
                }
            }
        }
    }
}

fn results(form: &FindForm, found: &Found) -> Markup {
    let place = found.place_words.as_deref().unwrap_or("anywhere in the directory");
    let topic = form
        .needs
        .iter()
        .map(|need| need.need().label.to_lowercase())
        .collect::<Vec<_>>()
        .join(" or ");
    let what = match (form.words.is_empty(), topic.is_empty()) {
        (false, _) => format!("“{}”", form.words),
        (true, false) => topic,
        (true, true) => "everything".to_string(),
    };
    let first = (form.page - 1) * PAGE_SIZE + 1;
    let page_link = |page: usize| {
        let mut pairs = form.search_pairs();
        pairs.push(("page", page.to_string()));
        if !form.list.is_empty() {
            pairs.push(("list", list_value(&form.list)));
        }
        href("/find", &form.look, pairs)
    };
    html! {
        section aria-labelledby="results-title" {
            h2 id="results-title" {
                @if found.total == 0 { "No results for " (what) " " (place) }
                @else if found.total == 1 { "1 result for " (what) " " (place) }
                @else { (found.total) " results for " (what) " " (place) }
            }
            @if found.cards.is_empty() {
                (no_results(form))
            } @else {
                @if found.total > PAGE_SIZE {
                    p { "Showing " (first) " to " (first + found.cards.len() - 1) "." }
                }
                ol class="results" {
                    @for result in &found.cards {
                        li { (card(result, &form.look, 3, add_action(form, result))) }
                    }
                }
                @if form.page > 1 || found.has_more {
                    nav class="paging no-print" aria-label="Pages of results" {
                        @if form.page > 1 { a href=(page_link(form.page - 1)) rel="prev" { "Previous page of results" } }
                        @if found.has_more && form.page < super::form::MAX_PAGE { a href=(page_link(form.page + 1)) rel="next" { "Next page of results" } }
                    }
                }
            }
        }
    }
}

/// "Add to my list" keeps the search and page, with the listing added to `list`.
fn add_action(form: &FindForm, result: &Card) -> ListAction {
    if form.list.contains(&result.id) {
        return ListAction::OnList;
    }
    if form.list.len() >= indexer::resident::MAX_SHORTLIST {
        return ListAction::None;
    }
    let mut list = form.list.clone();
    list.push(result.id);
    let mut pairs = form.search_pairs();
    if form.page > 1 {
        pairs.push(("page", form.page.to_string()));
    }
    pairs.push(("list", list_value(&list)));
    ListAction::Add(href("/find", &form.look, pairs))
}

fn no_results(form: &FindForm) -> Markup {
    html! {
        p { "We could not find anything that matches. You could:" }
        ul {
            @if !form.words.is_empty() { li { "use fewer or different words, like “exercise” or “lunch”" } }
            @if form.miles < 20 { li { "choose a bigger distance under “More choices”" } }
            @if form.day.is_some() || form.free_only || form.step_free || form.how.is_some() { li { "remove some of the choices under “More choices”" } }
            li { "choose one of the topics" }
            li { a href=(href("/find/help", &form.look, Vec::new())) { "tell us what would help" } " and we will suggest things" }
        }
    }
}
