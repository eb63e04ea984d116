//! `/find/help`: "Tell us what would help". A resident writes in their own words (and/or ticks
//! topics); signposting reads their needs and answers with a short list per need, funds they
//! may get, and what to do where nothing is near. The form is sent by POST, so the words never
//! sit in a URL, a browser's history or a server log; nothing is stored.

use chrono::Utc;
use chrono_tz::Europe::London;
use indexer::domain::{NeedCode, TAXONOMY};
use indexer::resident::wording::{distance_words, fund_open_words, session_words};
use indexer::resident::{address_line, NotFoundWhere, Whereabouts};
use indexer::signpost::{SignpostOption, SignpostRequest, SignpostResult};
use indexer::Directory;
use maud::{html, Markup};

use super::form::FieldError;
use super::layout::{described_by, error_summary, field_error, href, look_fields, page, Frame};
use super::look::Look;

/// Longest "what would help" text.
pub const MAX_ABOUT_CHARS: usize = 1_000;

/// The help form as sent.
#[derive(Debug, Default)]
pub struct HelpForm {
    pub postcode: String,
    pub about: String,
    pub needs: Vec<NeedCode>,
    pub age: String,
    pub look: Look,
    pub errors: Vec<FieldError>,
}

impl HelpForm {
    /// Reads the form's fields (from the body of a POST, or the query of a GET for the look).
    pub fn from_pairs(pairs: &[(String, String)]) -> HelpForm {
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.as_str())
        };
        let mut form = HelpForm {
            postcode: get("where").unwrap_or_default().trim().chars().take(100).collect(),
            about: get("about").unwrap_or_default().trim().to_string(),
            age: get("age").unwrap_or_default().trim().chars().take(10).collect(),
            look: Look::from_pairs(pairs),
            ..HelpForm::default()
        };
        for (_, value) in pairs.iter().filter(|(key, _)| key == "need") {
            match NeedCode::parse(value) {
                Ok(need) if !form.needs.contains(&need) => form.needs.push(need),
                Ok(_) => {}
                Err(_) => form.error("topics", "We do not know one of those topics. Tick the ones that fit."),
            }
        }
        form
    }

    fn error(&mut self, field: &'static str, message: impl Into<String>) {
        self.errors.push(FieldError {
            field,
            message: message.into(),
        });
    }

    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|error| error.field == field)
            .map(|error| error.message.as_str())
    }

    /// Checks the form and builds the signposting request, or records the problems.
    pub fn request(&mut self, directory: &Directory, asked_by: Option<String>) -> Option<SignpostRequest> {
        let point = if self.postcode.is_empty() {
            self.error("where", "Enter your postcode, like NR19 1NY.");
            None
        } else {
            match directory.whereabouts(&self.postcode) {
                Ok(Whereabouts::Postcode(record)) => {
                    indexer::domain::GeoPoint::new(record.latitude, record.longitude).ok()
                }
                Ok(Whereabouts::Place(_)) | Err(NotFoundWhere::UnknownPlace) => {
                    self.error(
                        "where",
                        "Enter a full postcode, like NR19 1NY, so we can find things near you.",
                    );
                    None
                }
                Err(NotFoundWhere::PostcodeOutsideArea(postcode)) => {
                    self.error(
                        "where",
                        format!("We do not have {postcode} in this directory. It covers Norfolk: check the postcode."),
                    );
                    None
                }
            }
        };
        if self.about.chars().count() > MAX_ABOUT_CHARS {
            self.error("about", format!("Use fewer words: at most {MAX_ABOUT_CHARS} letters."));
        }
        if self.about.is_empty() && self.needs.is_empty() {
            self.error(
                "about",
                "Tell us in a few words what would help, or tick a topic below.",
            );
        }
        let age = match self.age.as_str() {
            "" => None,
            raw => match raw.parse::<i64>() {
                Ok(age @ 0..=120) => Some(age),
                _ => {
                    self.error("age", "Enter your age as a number, like 72, or leave it empty.");
                    None
                }
            },
        };
        if !self.errors.is_empty() {
            return None;
        }
        Some(SignpostRequest {
            point: point?,
            age,
            needs: self.needs.clone(),
            description: Some(self.about.clone()).filter(|about| !about.is_empty()),
            max_distance_km: None,
            days: Vec::new(),
            time_from: None,
            time_to: None,
            delivery_modes: Vec::new(),
            free_only: false,
            accessibility: Vec::new(),
            include_stale: false,
            options_per_need: 3,
            asked_by,
        })
    }
}

/// The help form, with the resident's answers kept when it has errors.
pub fn render_form(form: &HelpForm) -> Markup {
    let frame = Frame {
        title: "Tell us what would help",
        look: &form.look,
        list: &[],
        has_errors: !form.errors.is_empty(),
    };
    let about_error = form.error_for("about");
    let where_error = form.error_for("where");
    let age_error = form.error_for("age");
    page(
        &frame,
        html! {
            h1 { "Tell us what would help" }
            p { "Say what is hard at the moment, in your own words. We will suggest things near you that could help." }
            p { "What you write is not kept or shared. It is only used to make your suggestions." }
            (error_summary(&form.errors))
            form method="post" action="/find/help" {
                (look_fields(&form.look))
                div class={ "field" @if about_error.is_some() { " has-error" } } {
                    label for="about" { "What would help?" }
                    p class="hint" id="about-hint" { "For example: “I have had a fall and I feel lonely since my husband died.”" }
                    (field_error("about", about_error))
                    textarea id="about" name="about" rows="5"
                        aria-describedby=[described_by("about", true, about_error.is_some())]
                        aria-invalid=[about_error.map(|_| "true")] { (form.about) }
                }
                fieldset class="choices" id="topics" {
                    legend { "Or tick the topics that fit (optional)" }
                    (field_error("topics", form.error_for("topics")))
                    @for need in TAXONOMY {
                        label { input type="checkbox" name="need" value=(need.code) checked[form.needs.iter().any(|n| n.as_str() == need.code)]; (need.label) }
                    }
                }
                div class={ "field" @if where_error.is_some() { " has-error" } } {
                    label for="where" { "Your postcode" }
                    p class="hint" id="where-hint" { "So we can find things near you. For example, NR19 1NY." }
                    (field_error("where", where_error))
                    input type="text" id="where" name="where" class="short" value=(form.postcode) autocomplete="postal-code"
                        aria-describedby=[described_by("where", true, where_error.is_some())]
                        aria-invalid=[where_error.map(|_| "true")];
                }
                div class={ "field" @if age_error.is_some() { " has-error" } } {
                    label for="age" { "Your age (optional)" }
                    p class="hint" id="age-hint" { "Some groups and funds are for certain ages." }
                    (field_error("age", age_error))
                    input type="text" inputmode="numeric" id="age" name="age" class="short" value=(form.age)
                        aria-describedby=[described_by("age", true, age_error.is_some())]
                        aria-invalid=[age_error.map(|_| "true")];
                }
                p { button type="submit" { "Show me what could help" } }
            }
        },
    )
}

fn option(option: &SignpostOption, look: &Look) -> Markup {
    let today = Utc::now().with_timezone(&London).date_naive();
    let service = &option.service;
    html! {
        article class="card" {
            h3 { a href=(href(&format!("/find/services/{}", service.id), look, Vec::new())) { (service.name) } }
            dl {
                @if let Some(distance) = option.distance_km { dt { "Distance" } dd { (distance_words(distance)) } }
                @if let Some(location) = &option.location { dt { "Where" } dd { (address_line(location)) } }
                @if option.remote { dt { "How" } dd { "By phone, online or at home" } }
                @if let Some(next) = option.next_sessions.first() { dt { "Next" } dd { (session_words(next, today)) } }
                dt { "Cost" } dd { (option.cost) }
                @if let Some(join) = &service.how_to_join { dt { "How to join" } dd { (join) } }
                @if let Some(phone) = &service.phone { dt { "Phone" } dd { a href={ "tel:" (phone.replace(' ', "")) } { (phone) } } }
            }
        }
    }
}

/// The answer: per need, a few options; funds; what to do where nothing is near.
pub fn render_answer(result: &SignpostResult, look: &Look) -> Markup {
    let frame = Frame {
        title: "Things that could help",
        look,
        list: &[],
        has_errors: false,
    };
    let today = result.generated_on;
    let miles = result.max_distance_km / 1.609_344;
    page(
        &frame,
        html! {
            h1 { "Things that could help" }
            p { "What you wrote has not been kept." }
            @let read: Vec<&str> = result.detected.iter().filter(|d| !d.negated).map(|d| d.need.need().label).collect();
            @if !read.is_empty() { p { "From what you told us, we looked for: " (read.join(", ")) "." } }
            @if result.needs.is_empty() {
                p { "We could not tell from your words what would help. Try saying it another way, or tick a topic." }
                p { a href=(href("/find/help", look, Vec::new())) { "Try again" } }
            }
            @for need in &result.needs {
                section aria-labelledby={ "need-" (need.need.as_str()) } {
                    h2 id={ "need-" (need.need.as_str()) } { (need.need.need().label) }
                    @if need.unmet {
                        p { "We could not find anything for this within " (format!("{miles:.0}")) " miles of you." }
                        @if let Some(beyond) = &need.nearest_beyond {
                            p { "The nearest is further away:" }
                            (option(beyond, look))
                        }
                        @if !need.remote_alternatives.is_empty() {
                            p { "These help by phone or online:" }
                            @for alternative in &need.remote_alternatives { (option(alternative, look)) }
                        }
                    }
                    @for found in &need.options { (option(found, look)) }
                }
            }
            @if !result.funds.is_empty() {
                section aria-labelledby="funds" {
                    h2 id="funds" { "Money you may be able to get" }
                    ul {
                        @for fund in &result.funds {
                            li {
                                a href=(href(&format!("/find/funds/{}", fund.id), look, Vec::new())) { (fund.name) }
                                " – " (fund_open_words(fund, today))
                            }
                        }
                    }
                }
            }
            p class="no-print" { a href=(href("/find/help", look, Vec::new())) { "Ask about something else" } }
            p class="no-print" { a href=(href("/find", look, Vec::new())) { "Search instead" } }
        },
    )
}
