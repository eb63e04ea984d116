//! Venues (HSDS `location`), and when services meet: schedules and their exceptions.

use super::*;

/// A venue (HSDS `location`, with its address and accessibility).
pub struct LocationObject(pub domain::Location);

#[Object(name = "Location")]
/// A venue (HSDS `location`, with its address and accessibility).
impl LocationObject {
    /// Stable UUID.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Name of the venue.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// First line of the address.
    #[graphql(name = "address1")]
    async fn address_1(&self) -> Option<&str> {
        self.0.address_1.as_deref()
    }
    /// Town or city.
    async fn city(&self) -> Option<&str> {
        self.0.city.as_deref()
    }
    /// Postcode, where known.
    async fn postcode(&self) -> Option<&str> {
        self.0.postcode.as_deref()
    }
    /// Latitude (WGS84).
    async fn latitude(&self) -> f64 {
        self.0.latitude
    }
    /// Longitude (WGS84).
    async fn longitude(&self) -> f64 {
        self.0.longitude
    }
    /// Accessibility features of the venue.
    async fn accessibility(&self) -> Vec<AccessibilityFeature> {
        self.0.accessibility.iter().map(|feature| (*feature).into()).collect()
    }
    /// True for invented example venues that ship with the seed data.
    async fn is_example(&self) -> bool {
        self.0.is_example
    }
    /// The organisation that added the venue and may change it (null: moderators only).
    async fn organization_id(&self) -> Option<ID> {
        self.0.organization_id.map(|id| ID(id.to_string()))
    }
    /// Revision number, increased by every change; send it with an update.
    async fn version(&self) -> i64 {
        self.0.version
    }
    /// When it was archived; null while it is in use.
    async fn archived_at(&self) -> Option<DateTime<Utc>> {
        self.0.archived_at
    }
    /// Every place containing the venue, largest first.
    async fn places(&self, ctx: &Context<'_>) -> Vec<PlaceObject> {
        let Ok(point) = domain::GeoPoint::new(self.0.latitude, self.0.longitude) else {
            return Vec::new();
        };
        ctx.data_unchecked::<Directory>()
            .places_at(point)
            .into_iter()
            .map(PlaceObject)
            .collect()
    }
}

/// When a service runs (HSDS `schedule`, iCal-like). Times are local (Europe/London).
pub struct ScheduleObject(pub domain::Schedule);

#[Object(name = "Schedule")]
/// When a service runs (HSDS `schedule`, iCal-like). Times are local (Europe/London).
impl ScheduleObject {
    /// Stable UUID.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// How often it repeats.
    async fn freq(&self) -> Frequency {
        self.0.freq.into()
    }
    /// Repeat every this many weeks or months.
    async fn interval(&self) -> i64 {
        self.0.interval
    }
    /// iCal BYDAY: `TU`, `MO,TH`, or with MONTHLY `1TU` (first Tuesday).
    async fn byday(&self) -> &str {
        &self.0.byday
    }
    /// Start time, `HH:MM`, Europe/London.
    async fn opens_at(&self) -> &str {
        &self.0.opens_at
    }
    /// End time, `HH:MM`, Europe/London.
    async fn closes_at(&self) -> &str {
        &self.0.closes_at
    }
    /// First date the schedule applies.
    async fn valid_from(&self) -> Option<NaiveDate> {
        self.0.valid_from
    }
    /// Last date the schedule applies.
    async fn valid_to(&self) -> Option<NaiveDate> {
        self.0.valid_to
    }
    /// The schedule in words.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Dates it does not run (holiday closures, one-off cancellations), in date order; next
    /// sessions, signposting and the OpenActive feeds (`exceptDate`) skip them.
    async fn exceptions(&self) -> Vec<ScheduleExceptionObject> {
        self.0.exceptions.iter().cloned().map(ScheduleExceptionObject).collect()
    }
    /// The next sessions from now, soonest first, in Europe/London time: on the schedule's
    /// days, inside its validity and not on an exception date.
    async fn next_sessions(
        &self,
        #[graphql(desc = "How many sessions, 1 to 20 (default 3).", default = 3)] first: i32,
    ) -> Result<Vec<super::super::search::SessionTime>> {
        if !(1..=20).contains(&first) {
            return Err(super::super::error::bad_input("first", "must be 1 to 20"));
        }
        let count = usize::try_from(first).unwrap_or(3);
        Ok(self
            .0
            .next_sessions(Utc::now(), count)
            .into_iter()
            .map(Into::into)
            .collect())
    }
    /// Revision number, increased by every change; send it with an update.
    async fn version(&self) -> i64 {
        self.0.version
    }
    /// When it was archived; null while it is in use.
    async fn archived_at(&self) -> Option<DateTime<Utc>> {
        self.0.archived_at
    }
    /// The venue this schedule is for, if it is for one.
    async fn location(&self, ctx: &Context<'_>) -> Result<Option<LocationObject>> {
        let Some(id) = self.0.location_id else { return Ok(None) };
        let location = ctx.data_unchecked::<Directory>().location(id).await.or_gql(None)?;
        Ok(location.map(LocationObject))
    }
}

/// A date a schedule does not run: a holiday closure or a one-off cancellation.
pub struct ScheduleExceptionObject(pub domain::ScheduleException);

#[Object(name = "ScheduleException")]
/// A date a schedule does not run: a holiday closure or a one-off cancellation.
impl ScheduleExceptionObject {
    /// The local (Europe/London) date with no session.
    async fn date(&self) -> NaiveDate {
        self.0.date
    }
    /// Why there is no session (e.g. `Christmas closure`), when the organisation said.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
}
