//! The spreadsheet's columns: each has one documented name and the common variants people
//! type, matched ignoring case, spaces, hyphens, underscores and full stops.

/// A column the importer reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Column {
    Id,
    Organisation,
    Name,
    Description,
    Venue,
    Address,
    Town,
    Postcode,
    Day,
    Start,
    End,
    Frequency,
    Needs,
    Activities,
    Cost,
    Contact,
    Phone,
    Email,
    Website,
    MinimumAge,
    MaximumAge,
    Accessibility,
    HowToJoin,
    LastReviewed,
}

/// Every column: its documented header and the variants accepted for it.
pub const COLUMNS: &[(Column, &str, &[&str])] = &[
    (
        Column::Id,
        "id",
        &["reference", "ref", "service id", "your id", "record id"],
    ),
    (
        Column::Organisation,
        "organisation",
        &[
            "organization",
            "organisation name",
            "organization name",
            "org",
            "provider",
            "group",
        ],
    ),
    (
        Column::Name,
        "name",
        &[
            "service",
            "service name",
            "activity name",
            "class",
            "title",
            "session name",
        ],
    ),
    (
        Column::Description,
        "description",
        &["details", "about", "summary", "service description"],
    ),
    (
        Column::Venue,
        "venue",
        &["venue name", "location", "location name", "place"],
    ),
    (
        Column::Address,
        "address",
        &[
            "venue address",
            "street",
            "street address",
            "address 1",
            "address line 1",
        ],
    ),
    (
        Column::Town,
        "town",
        &["city", "village", "locality", "town or village"],
    ),
    (
        Column::Postcode,
        "postcode",
        &["post code", "venue postcode", "postal code", "zip"],
    ),
    (Column::Day, "day", &["days", "day of week", "weekday", "when"]),
    (
        Column::Start,
        "start",
        &["start time", "starts", "from", "time from", "opens", "opens at"],
    ),
    (
        Column::End,
        "end",
        &[
            "end time",
            "ends",
            "until",
            "to",
            "time to",
            "closes",
            "closes at",
            "finish",
        ],
    ),
    (Column::Frequency, "frequency", &["how often", "repeats", "recurrence"]),
    (Column::Needs, "needs", &["need", "categories", "category", "themes"]),
    (
        Column::Activities,
        "activities",
        &["activity", "openactive activity", "activity type"],
    ),
    (Column::Cost, "cost", &["price", "fee", "charge", "costs"]),
    (
        Column::Contact,
        "contact",
        &["contact name", "contact person", "contact details"],
    ),
    (
        Column::Phone,
        "phone",
        &["telephone", "tel", "phone number", "contact phone"],
    ),
    (Column::Email, "email", &["e-mail", "email address", "contact email"]),
    (Column::Website, "website", &["url", "web", "web site", "link"]),
    (Column::MinimumAge, "minimum age", &["min age", "age from", "from age"]),
    (Column::MaximumAge, "maximum age", &["max age", "age to", "to age"]),
    (
        Column::Accessibility,
        "accessibility",
        &["access", "accessibility features"],
    ),
    (
        Column::HowToJoin,
        "how to join",
        &["how to book", "booking", "joining", "referral"],
    ),
    (
        Column::LastReviewed,
        "last reviewed",
        &["last checked", "reviewed", "checked on", "last updated", "date checked"],
    ),
];

impl Column {
    /// The documented header.
    pub fn header(self) -> &'static str {
        COLUMNS
            .iter()
            .find(|(column, _, _)| *column == self)
            .map(|(_, header, _)| *header)
            .unwrap_or("?")
    }

    /// The column a header names, if any.
    pub fn of_header(raw: &str) -> Option<Column> {
        let wanted = squash(raw);
        COLUMNS
            .iter()
            .find(|(_, header, variants)| squash(header) == wanted || variants.iter().any(|v| squash(v) == wanted))
            .map(|(column, _, _)| *column)
    }
}

/// Lower case without spaces, hyphens, underscores or full stops (and without a UTF-8 byte
/// order mark, which spreadsheet programs put before the first header).
fn squash(raw: &str) -> String {
    raw.trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '_' | '.' | '\t'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Where each known column is in a file's header row, and the headers not understood.
#[derive(Debug, Clone, Default)]
pub struct HeaderMap {
    positions: Vec<(Column, usize)>,
    pub ignored: Vec<String>,
}

impl HeaderMap {
    /// Reads a header row. The first of two headers naming the same column wins; the second
    /// is reported as ignored.
    pub fn read(headers: &csv::StringRecord) -> HeaderMap {
        let mut map = HeaderMap::default();
        for (position, header) in headers.iter().enumerate() {
            match Column::of_header(header) {
                Some(column) if map.position(column).is_none() => map.positions.push((column, position)),
                _ if header.trim().is_empty() => {}
                _ => map.ignored.push(header.trim().to_string()),
            }
        }
        map
    }

    pub fn position(&self, column: Column) -> Option<usize> {
        self.positions
            .iter()
            .find(|(known, _)| *known == column)
            .map(|(_, at)| *at)
    }

    /// The headers a file must have: organisation and name.
    pub fn missing_required(&self) -> Vec<&'static str> {
        [Column::Organisation, Column::Name]
            .into_iter()
            .filter(|column| self.position(*column).is_none())
            .map(Column::header)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_match_loosely() {
        assert_eq!(Column::of_header("Organization"), Some(Column::Organisation));
        assert_eq!(
            Column::of_header("\u{feff}Organisation Name"),
            Some(Column::Organisation)
        );
        assert_eq!(Column::of_header("POST CODE"), Some(Column::Postcode));
        assert_eq!(Column::of_header("start_time"), Some(Column::Start));
        assert_eq!(Column::of_header("E-mail"), Some(Column::Email));
        assert_eq!(Column::of_header("Min. age"), Some(Column::MinimumAge));
        assert_eq!(Column::of_header("favourite colour"), None);
        let map = HeaderMap::read(&csv::StringRecord::from(vec!["Name", "Notes", "name", ""]));
        assert_eq!(map.position(Column::Name), Some(0));
        assert_eq!(map.ignored, vec!["Notes".to_string(), "name".to_string()]);
        assert_eq!(map.missing_required(), vec!["organisation"]);
    }
}
