//! Residents' pages: an accessible search served as HTML (working with JavaScript off), each
//! listing's page, "Tell us what would help" (signposting), a shortlist to print or send on,
//! and the embed partners paste into their own sites.
//!
//! Routes: `GET /find` (the form and its results), `GET /find/services/{id}`,
//! `GET /find/funds/{id}`, `GET|POST /find/help`, `GET /find/shortlist?list=id,id`, and the
//! files `/find/site.css`, `/find/theme.css` (a partner's colours), `/find/frame.js` and
//! `/embed.js`, served from the binary.
//!
//! Privacy: no cookies, nothing from another site, nothing a resident types stored or logged
//! (request logs carry the path, never the query; the help form is a POST). Every page may be
//! shown in a partner's iframe (`frame-ancestors *`) under an otherwise strict policy: scripts
//! and styles from this server only, no inline script or style.
//!
//! # Layout
//! - this module: routes, handlers and response headers.
//! - [`form`]: the search form's fields, checked. [`look`]: the embed's colours and font.
//! - [`layout`]: the page frame and listing cards. [`find`]: search and results.
//! - [`listing`]: service, fund and shortlist pages. [`help`]: "Tell us what would help".

pub mod find;
pub mod form;
pub mod help;
pub mod layout;
pub mod listing;
pub mod look;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use maud::{html, Markup};
use uuid::Uuid;

use crate::admission::ClientKey;
use crate::AppState;
use form::{list_value, pairs, parse_list, FindForm};
use layout::{href, page, Frame};
use look::Look;

/// The policy every page is sent with: only this server's scripts, styles and images, forms
/// sent only here, and any site may frame the page (the embed).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
     form-action 'self'; base-uri 'none'; frame-ancestors *";

const SITE_CSS: &str = include_str!("../../assets/pages/site.css");
const FRAME_JS: &str = include_str!("../../assets/pages/frame.js");
const EMBED_JS: &str = include_str!("../../assets/pages/embed.js");

/// The pages, admitted like every API route (rate limit, body size).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/find", get(find_page))
        .route("/find/services/{id}", get(service_page))
        .route("/find/funds/{id}", get(fund_page))
        .route("/find/shortlist", get(shortlist_page))
        .route("/find/help", get(help_form).post(help_answer))
}

/// The pages' files, served from the binary without admission (like GraphiQL's).
pub fn assets() -> Router<AppState> {
    Router::new()
        .route(
            "/find/site.css",
            get(|| async { asset("text/css; charset=utf-8", SITE_CSS) }),
        )
        .route(
            "/find/frame.js",
            get(|| async { asset("text/javascript; charset=utf-8", FRAME_JS) }),
        )
        .route(
            "/embed.js",
            get(|| async { asset("text/javascript; charset=utf-8", EMBED_JS) }),
        )
        .route("/find/theme.css", get(theme_css))
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (
                header::HeaderName::from_static("cross-origin-resource-policy"),
                "cross-origin",
            ),
        ],
        body,
    )
        .into_response()
}

async fn theme_css(RawQuery(query): RawQuery) -> Response {
    let look = Look::from_pairs(&pairs(query.as_deref()));
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        look.css(),
    )
        .into_response()
}

/// An HTML page with the pages' headers. Results are not cached anywhere (a shared computer
/// in a library should not keep one resident's search for the next).
fn html_response(status: StatusCode, markup: Markup) -> Response {
    let mut response = (status, markup.into_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

/// A page saying what went wrong and what to do next.
fn problem_page(status: StatusCode, title: &str, message: &str, look: &Look) -> Response {
    let frame = Frame {
        title,
        look,
        list: &[],
        has_errors: false,
    };
    html_response(
        status,
        page(
            &frame,
            html! {
                h1 { (title) }
                p { (message) }
                p { a href=(href("/find", look, Vec::new())) { "Search for help near you" } }
            },
        ),
    )
}

/// The engine failed (not the resident's input): logged without anything they typed.
fn failure(error: indexer::Error, look: &Look) -> Response {
    tracing::error!(error = ?error, "residents' page failed");
    problem_page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Sorry, something went wrong",
        "Please try again in a few minutes.",
        look,
    )
}

async fn find_page(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let mut form = FindForm::from_pairs(&pairs(query.as_deref()));
    match find::search(&state.directory, &mut form).await {
        Ok(found) => html_response(StatusCode::OK, find::render(&form, found.as_ref())),
        Err(error) => failure(error, &form.look),
    }
}

/// The page saying a listing's link is wrong (its id is not an id).
fn bad_link(kind: &str, look: &Look) -> Response {
    problem_page(
        StatusCode::BAD_REQUEST,
        "This link is not right",
        &format!("The link to this {kind} is incomplete or has a mistake in it. Search for it instead."),
        look,
    )
}

fn look_and_list(query: Option<&str>) -> (Look, Vec<Uuid>) {
    let pairs = pairs(query);
    let list = pairs
        .iter()
        .find(|(key, _)| key == "list")
        .map(|(_, value)| parse_list(value).0)
        .unwrap_or_default();
    (Look::from_pairs(&pairs), list)
}

async fn service_page(State(state): State<AppState>, Path(id): Path<String>, RawQuery(query): RawQuery) -> Response {
    let (look, list) = look_and_list(query.as_deref());
    let Ok(id) = Uuid::parse_str(&id) else {
        return bad_link("service", &look);
    };
    match state.directory.service_page(id).await {
        Ok(listing) => html_response(StatusCode::OK, listing::service(&listing, &look, &list)),
        Err(indexer::Error::NotFound { .. }) => problem_page(
            StatusCode::NOT_FOUND,
            "We could not find this service",
            "It may have closed or been taken off the directory. Search for something similar.",
            &look,
        ),
        Err(error) => failure(error, &look),
    }
}

async fn fund_page(State(state): State<AppState>, Path(id): Path<String>, RawQuery(query): RawQuery) -> Response {
    let (look, list) = look_and_list(query.as_deref());
    let Ok(id) = Uuid::parse_str(&id) else {
        return bad_link("fund", &look);
    };
    match state.directory.fund_page(id).await {
        Ok(listing) => html_response(StatusCode::OK, listing::fund(&listing, &look, &list)),
        Err(indexer::Error::NotFound { .. }) => problem_page(
            StatusCode::NOT_FOUND,
            "We could not find this fund",
            "It may have closed or been taken off the directory. Search for something similar.",
            &look,
        ),
        Err(error) => failure(error, &look),
    }
}

async fn shortlist_page(State(state): State<AppState>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let pairs = pairs(query.as_deref());
    let look = Look::from_pairs(&pairs);
    let (list, damaged) = pairs
        .iter()
        .find(|(key, _)| key == "list")
        .map(|(_, value)| parse_list(value))
        .unwrap_or_default();
    match state.directory.shortlist(&list).await {
        Ok(cards) => {
            // The link to send on is the plain page (not the partner's embed), holding the ids only.
            let share_url = format!(
                "{}/find/shortlist?{}",
                crate::rest::origin(&headers),
                form::query_string([("list", list_value(&list))])
            );
            html_response(
                StatusCode::OK,
                listing::shortlist(&cards, &list, damaged, &share_url, &look),
            )
        }
        Err(error) => failure(error, &look),
    }
}

async fn help_form(RawQuery(query): RawQuery) -> Response {
    let form = help::HelpForm::from_pairs(&pairs(query.as_deref()));
    html_response(
        StatusCode::OK,
        help::render_form(&help::HelpForm {
            look: form.look,
            ..Default::default()
        }),
    )
}

async fn help_answer(State(state): State<AppState>, client: Option<Extension<ClientKey>>, body: Bytes) -> Response {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let mut form = help::HelpForm::from_pairs(&pairs);
    let asked_by = client.map(|Extension(ClientKey(key))| format!("client:{key}"));
    let Some(request) = form.request(&state.directory, asked_by) else {
        return html_response(StatusCode::OK, help::render_form(&form));
    };
    match state.directory.signpost(request).await {
        Ok(result) => html_response(StatusCode::OK, help::render_answer(&result, &form.look)),
        Err(indexer::Error::InvalidInput { .. }) => {
            form.errors.push(form::FieldError {
                field: "about",
                message: "We could not use that. Try saying it another way, or tick a topic.".to_string(),
            });
            html_response(StatusCode::OK, help::render_form(&form))
        }
        Err(error) => failure(error, &form.look),
    }
}
