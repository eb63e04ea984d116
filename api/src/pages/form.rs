//! The search form's fields, read from the query string: every value checked, and each problem
//! tied to the field it belongs to, in words a resident can act on.

use chrono::Weekday;
use indexer::domain::{NeedCode, TAXONOMY};
use uuid::Uuid;

use super::look::Look;

/// Longest "what are you looking for" text.
pub const MAX_WORDS_CHARS: usize = 200;
/// Longest "postcode or place" text.
pub const MAX_WHERE_CHARS: usize = 100;
/// Results per page.
pub const PAGE_SIZE: usize = 10;
/// The last page a resident can ask for.
pub const MAX_PAGE: usize = 50;
/// The distances offered, in miles; the first is not the default.
pub const DISTANCES_MILES: [u32; 5] = [1, 3, 5, 10, 20];
pub const DEFAULT_MILES: u32 = 5;

/// How a resident can take part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    InPerson,
    /// By phone or online.
    Remote,
}

/// A problem with one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The id of the field's input (`where`, `q`, …).
    pub field: &'static str,
    pub message: String,
}

/// The search form as submitted (or empty).
#[derive(Debug, Clone, Default)]
pub struct FindForm {
    /// The text typed in "postcode or place", trimmed.
    pub place: String,
    /// The words typed.
    pub words: String,
    pub needs: Vec<NeedCode>,
    pub day: Option<Weekday>,
    pub free_only: bool,
    pub step_free: bool,
    pub how: Option<How>,
    pub miles: u32,
    pub page: usize,
    /// The resident's list, by id.
    pub list: Vec<Uuid>,
    /// Some of the list's ids were not ids.
    pub list_damaged: bool,
    pub look: Look,
    /// The form was sent (as opposed to a first visit).
    pub submitted: bool,
    pub errors: Vec<FieldError>,
}

/// The weekdays the day filter offers, as (value, label).
pub const DAYS: [(&str, &str, Weekday); 7] = [
    ("mon", "Monday", Weekday::Mon),
    ("tue", "Tuesday", Weekday::Tue),
    ("wed", "Wednesday", Weekday::Wed),
    ("thu", "Thursday", Weekday::Thu),
    ("fri", "Friday", Weekday::Fri),
    ("sat", "Saturday", Weekday::Sat),
    ("sun", "Sunday", Weekday::Sun),
];

/// The query string as (name, value) pairs, percent-decoded.
pub fn pairs(query: Option<&str>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

/// Ids from a `list` value (`id,id,…`); the flag says whether any part was not an id.
pub fn parse_list(raw: &str) -> (Vec<Uuid>, bool) {
    let mut damaged = false;
    let mut ids: Vec<Uuid> = Vec::new();
    for part in raw.split(',').map(str::trim).filter(|part| !part.is_empty()) {
        match Uuid::parse_str(part) {
            Ok(id) if !ids.contains(&id) => ids.push(id),
            Ok(_) => {}
            Err(_) => damaged = true,
        }
    }
    if ids.len() > indexer::resident::MAX_SHORTLIST {
        ids.truncate(indexer::resident::MAX_SHORTLIST);
        damaged = true;
    }
    (ids, damaged)
}

impl FindForm {
    /// Reads the form from query pairs. Unknown names (a partner's tracking tags) are ignored.
    pub fn from_pairs(pairs: &[(String, String)]) -> FindForm {
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.as_str())
        };
        let mut form = FindForm {
            look: Look::from_pairs(pairs),
            submitted: get("where").is_some() || get("q").is_some() || get("need").is_some(),
            miles: DEFAULT_MILES,
            page: 1,
            ..FindForm::default()
        };
        form.place = get("where").unwrap_or_default().trim().to_string();
        if form.place.chars().count() > MAX_WHERE_CHARS {
            form.error("where", format!("A postcode or place is at most {MAX_WHERE_CHARS} letters long. Enter a postcode like NR19 1NY, or a district like Breckland."));
        }
        form.words = get("q").unwrap_or_default().trim().to_string();
        if form.words.chars().count() > MAX_WORDS_CHARS {
            form.error("q", format!("Use fewer words: at most {MAX_WORDS_CHARS} letters."));
        }
        for (_, value) in pairs.iter().filter(|(key, _)| key == "need") {
            match NeedCode::parse(value) {
                Ok(need) if !form.needs.contains(&need) => form.needs.push(need),
                Ok(_) => {}
                Err(_) => form.error(
                    "topics",
                    "We do not know one of the topics in this link. Choose a topic below instead.".to_string(),
                ),
            }
        }
        form.needs.truncate(TAXONOMY.len());
        match get("day").filter(|day| !day.is_empty()) {
            None => {}
            Some(raw) => match DAYS.iter().find(|(value, _, _)| *value == raw) {
                Some((_, _, day)) => form.day = Some(*day),
                None => form.error("day", "Choose a day from the list.".to_string()),
            },
        }
        form.free_only = get("free") == Some("yes");
        form.step_free = get("stepfree") == Some("yes");
        form.how = match get("how").unwrap_or_default() {
            "" | "any" => None,
            "in_person" => Some(How::InPerson),
            "remote" => Some(How::Remote),
            _ => {
                form.error(
                    "how",
                    "Choose how you would like to take part from the list.".to_string(),
                );
                None
            }
        };
        if let Some(raw) = get("miles").filter(|raw| !raw.is_empty()) {
            match raw.parse::<u32>() {
                Ok(miles) if DISTANCES_MILES.contains(&miles) => form.miles = miles,
                _ => form.error("miles", "Choose a distance from the list.".to_string()),
            }
        }
        if let Some(raw) = get("page") {
            match raw.parse::<usize>() {
                Ok(page @ 1..=MAX_PAGE) => form.page = page,
                _ => form.error(
                    "page",
                    format!("There are at most {MAX_PAGE} pages of results. Try a closer place or more words."),
                ),
            }
        }
        if let Some(raw) = get("list") {
            (form.list, form.list_damaged) = parse_list(raw);
        }
        if form.submitted && form.place.is_empty() && form.words.is_empty() && form.needs.is_empty() {
            form.error(
                "where",
                "Enter a postcode or a place, or type what you are looking for.".to_string(),
            );
        }
        form
    }

    fn error(&mut self, field: &'static str, message: String) {
        self.errors.push(FieldError { field, message });
    }

    /// The error for a field, if it has one.
    pub fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|error| error.field == field)
            .map(|error| error.message.as_str())
    }

    /// Whether there is anything to search for.
    pub fn has_search(&self) -> bool {
        self.submitted && self.errors.is_empty()
    }

    /// The search as query pairs (page and list apart), for links that keep it.
    pub fn search_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs: Vec<(&'static str, String)> = vec![("where", self.place.clone()), ("q", self.words.clone())];
        for need in &self.needs {
            pairs.push(("need", need.as_str().to_string()));
        }
        if let Some(day) = self.day {
            if let Some((value, _, _)) = DAYS.iter().find(|(_, _, d)| *d == day) {
                pairs.push(("day", value.to_string()));
            }
        }
        if self.free_only {
            pairs.push(("free", "yes".to_string()));
        }
        if self.step_free {
            pairs.push(("stepfree", "yes".to_string()));
        }
        match self.how {
            Some(How::InPerson) => pairs.push(("how", "in_person".to_string())),
            Some(How::Remote) => pairs.push(("how", "remote".to_string())),
            None => {}
        }
        if self.miles != DEFAULT_MILES {
            pairs.push(("miles", self.miles.to_string()));
        }
        pairs
    }
}

/// A query string from pairs (percent-encoded).
pub fn query_string<'a>(pairs: impl IntoIterator<Item = (&'a str, String)>) -> String {
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        serializer.append_pair(name, &value);
    }
    serializer.finish()
}

/// The list as a `list` value.
pub fn list_value(ids: &[Uuid]) -> String {
    ids.iter().map(Uuid::to_string).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(query: &str) -> FindForm {
        FindForm::from_pairs(&pairs(Some(query)))
    }

    #[test]
    fn an_empty_search_is_an_error_on_the_place_field() {
        let empty = form("where=&q=");
        assert!(empty.submitted);
        assert!(empty.error_for("where").is_some());
        assert!(!form("").submitted);
        assert!(form("").errors.is_empty());
    }

    #[test]
    fn values_are_checked_and_kept_for_links() {
        let form = form("where=NR19+1NY&q=chair&need=strength-and-balance&day=tue&free=yes&miles=10&page=2");
        assert!(form.errors.is_empty(), "{:?}", form.errors);
        assert_eq!(form.day, Some(Weekday::Tue));
        assert_eq!(form.page, 2);
        let query = query_string(form.search_pairs());
        assert_eq!(
            query,
            "where=NR19+1NY&q=chair&need=strength-and-balance&day=tue&free=yes&miles=10"
        );
        let bad = super::FindForm::from_pairs(&pairs(Some("where=x&miles=7&day=someday&page=0&need=nope")));
        for field in ["miles", "day", "page", "topics"] {
            assert!(bad.error_for(field).is_some(), "{field}");
        }
    }

    #[test]
    fn lists_keep_ids_and_say_when_parts_were_not_ids() {
        let id = Uuid::from_u128(7);
        let (ids, damaged) = parse_list(&format!("{id},nonsense,{id}"));
        assert_eq!(ids, vec![id]);
        assert!(damaged);
    }
}
