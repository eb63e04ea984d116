//! OpenActive `ScheduledSession`s: the sessions of each SessionSeries in a rolling window of
//! weeks, materialised in the store so each has a `modified` that only grows.
//!
//! [`Directory::refresh_sessions`] diffs the sessions wanted now against those stored: for the
//! services whose `feed_seq` moved since the last refresh, and, once a day, for every service
//! that has or may have sessions (the window rolls: new days enter, past days leave). New and
//! moved sessions become live, and sessions no longer wanted (past ones, and those of series
//! that changed, closed or were removed) become tombstones, all with one new `modified` above
//! everything served before. Past sessions are tombstoned rather than dropped, because an item
//! that leaves an RPDE feed without passing through `deleted` lives on in every consumer's copy.
//!
//! No session is generated on a schedule's exception dates (its series' `exceptDate`): a date
//! made an exception after its session was published turns that session into a tombstone.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::London;
use chrono_tz::Tz;
use serde::Serialize;
use tracing::info;
use uuid::Uuid;

use super::session_series::{iso_duration, SeriesSource};
use super::{context, series_id};
use crate::domain::Schedule;
use crate::error::Result;
use crate::store::rpde::{SessionChanges, StoredSession, WantedSession, SESSIONS_MARKER_KEY};
use crate::Directory;

/// How many weeks ahead sessions are published.
pub const WINDOW_WEEKS: i64 = 8;

/// Services read at a time while refreshing.
const REFRESH_CHUNK: usize = 500;

/// A ScheduledSession item's data. Everything else about the session is its series' (the
/// `superEvent`), which the SessionSeries feed carries.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduledSession {
    #[serde(rename = "@context")]
    pub context: &'static str,
    #[serde(rename = "@type")]
    pub kind: &'static str,
    #[serde(rename = "@id")]
    pub id: String,
    pub identifier: Uuid,
    pub super_event: String,
    pub start_date: String,
    pub end_date: String,
    pub duration: String,
    pub event_status: &'static str,
}

impl ScheduledSession {
    /// The data of a stored live session.
    pub fn of(session: &StoredSession, base: &str) -> ScheduledSession {
        let series = series_id(base, session.service_id);
        let minutes = (session.ends_at - session.starts_at).num_minutes().max(0);
        ScheduledSession {
            context: context(),
            kind: "ScheduledSession",
            id: format!("{series}#/subEvent/{}", session.id),
            identifier: session.id,
            super_event: series,
            start_date: session.starts_at.to_rfc3339(),
            end_date: session.ends_at.to_rfc3339(),
            duration: iso_duration(minutes),
            event_status: "https://schema.org/EventScheduled",
        }
    }
}

/// The stable id of a schedule's session starting at `starts_at`.
pub fn session_id(schedule_id: Uuid, starts_at: DateTime<Utc>) -> Uuid {
    Uuid::new_v5(&schedule_id, starts_at.to_rfc3339().as_bytes())
}

/// The sessions of `schedule` on the window's days (`today` and the [`WINDOW_WEEKS`] weeks
/// after it, Europe/London dates) that have not ended by `now`, none on an exception date.
pub fn window_sessions(schedule: &Schedule, today: NaiveDate, now: DateTime<Utc>) -> Vec<WantedSession> {
    let Some((start, end)) = schedule.minutes() else {
        return Vec::new();
    };
    (0..WINDOW_WEEKS * 7)
        .map(|offset| today + Duration::days(offset))
        .filter(|date| schedule.occurs_on(*date))
        .filter_map(|date| Some((local(date, start)?, local(date, end)?)))
        .filter(|(starts_at, ends_at)| ends_at > starts_at && ends_at.with_timezone(&Utc) > now)
        .map(|(starts_at, ends_at)| WantedSession {
            id: session_id(schedule.id, starts_at.with_timezone(&Utc)),
            service_id: schedule.service_id,
            schedule_id: schedule.id,
            starts_at: starts_at.to_rfc3339(),
            ends_at: ends_at.to_rfc3339(),
        })
        .collect()
}

/// A Europe/London wall-clock time; in the autumn overlap the earlier instant, in the spring
/// gap none (the session is skipped that day rather than moved).
fn local(date: NaiveDate, minutes: u16) -> Option<DateTime<Tz>> {
    let time = NaiveTime::from_hms_opt(u32::from(minutes / 60), u32::from(minutes % 60), 0)?;
    London.from_local_datetime(&date.and_time(time)).earliest()
}

/// What a refresh did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SessionRefresh {
    /// Whether it found anything to look at (services changed, or a new day).
    pub ran: bool,
    /// Whether this was the daily roll of the window.
    pub rolled: bool,
    pub services: usize,
    pub upserted: usize,
    pub tombstoned: usize,
    /// Whether another refresh stored its own changes first (then these were dropped).
    pub superseded: bool,
}

/// The marker a refresh stores: the service `feed_seq` it caught up to and the window's day.
fn marker(seq: i64, today: NaiveDate) -> String {
    format!("{seq} {today}")
}

fn parse_marker(raw: Option<&str>) -> (i64, Option<NaiveDate>) {
    let Some((seq, day)) = raw.and_then(|raw| raw.split_once(' ')) else {
        return (0, None);
    };
    (seq.parse().unwrap_or(0), day.parse().ok())
}

impl Directory {
    /// Brings the materialised scheduled sessions up to date at `now` (see the module header).
    /// Cheap when nothing changed: two indexed reads. The API runs it on an interval and
    /// before serving the ScheduledSession feed.
    pub async fn refresh_sessions(&self, now: DateTime<Utc>) -> Result<SessionRefresh> {
        let store = self.store();
        let based_on = store.meta(SESSIONS_MARKER_KEY).await?;
        let (last_seq, last_day) = parse_marker(based_on.as_deref());
        let today = now.with_timezone(&London).date_naive();
        let max_seq = store.max_service_feed_seq().await?;
        let rolled = last_day != Some(today);
        if !rolled && max_seq <= last_seq {
            return Ok(SessionRefresh::default());
        }
        let service_ids = if rolled {
            store.services_with_sessions().await?
        } else {
            store.services_changed_since(last_seq).await?
        };
        let mut changes = SessionChanges {
            based_on,
            marker: marker(max_seq, today),
            ..SessionChanges::default()
        };
        for chunk in service_ids.chunks(REFRESH_CHUNK) {
            self.diff_sessions(chunk, today, now, &mut changes).await?;
        }
        let saved = store.save_session_changes(&changes).await?;
        let refresh = SessionRefresh {
            ran: true,
            rolled,
            services: service_ids.len(),
            upserted: changes.upserts.len(),
            tombstoned: changes.tombstones.len(),
            superseded: !saved,
        };
        info!(
            rolled,
            services = refresh.services,
            upserted = refresh.upserted,
            tombstoned = refresh.tombstoned,
            superseded = refresh.superseded,
            "refreshed openactive sessions"
        );
        Ok(refresh)
    }

    /// Adds to `changes` what the sessions of these services need: the wanted ones not live
    /// (or live at other times), and tombstones for the live ones no longer wanted.
    async fn diff_sessions(
        &self,
        service_ids: &[Uuid],
        today: NaiveDate,
        now: DateTime<Utc>,
        changes: &mut SessionChanges,
    ) -> Result<()> {
        // From the primary: what is written back must be decided on what is committed there.
        let store = &self.store().primary_only();
        let feed = store.service_feed(Some(service_ids)).await?;
        let organizations = store.organizations_of_services(&feed.services).await?;
        let mut wanted: HashMap<Uuid, WantedSession> = HashMap::new();
        for service in &feed.services {
            let source = SeriesSource {
                service,
                venues: feed.venues.get(&service.id).map(Vec::as_slice).unwrap_or_default(),
                schedules: feed.schedules.get(&service.id).map(Vec::as_slice).unwrap_or_default(),
                organization: organizations.get(&service.organization_id),
            };
            let Some((_, schedules)) = source.opportunity() else {
                continue;
            };
            for schedule in schedules {
                for session in window_sessions(schedule, today, now) {
                    wanted.insert(session.id, session);
                }
            }
        }
        for live in store.live_sessions_of(service_ids).await? {
            match wanted.remove(&live.id) {
                Some(session) if same_times(&live, &session) => {}
                Some(session) => changes.upserts.push(session),
                None => changes.tombstones.push(live.id),
            }
        }
        let mut new: Vec<WantedSession> = wanted.into_values().collect();
        new.sort_by_key(|session| session.id);
        changes.upserts.extend(new);
        Ok(())
    }
}

fn same_times(live: &StoredSession, wanted: &WantedSession) -> bool {
    let parse = |raw: &str| DateTime::parse_from_rfc3339(raw).ok();
    parse(&wanted.starts_at) == Some(live.starts_at) && parse(&wanted.ends_at) == Some(live.ends_at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Frequency;

    #[test]
    fn a_window_holds_eight_weeks_of_sessions_that_have_not_ended() {
        let schedule = Schedule {
            id: Uuid::from_u128(7),
            service_id: Uuid::from_u128(1),
            location_id: None,
            freq: Frequency::Weekly,
            interval: 1,
            byday: "TU".into(),
            opens_at: "10:00".into(),
            closes_at: "11:00".into(),
            valid_from: None,
            valid_to: None,
            description: None,
            exceptions: Vec::new(),
            archived_at: None,
            version: 1,
        };
        let today = NaiveDate::from_ymd_opt(2026, 10, 20).expect("date");
        // Tuesday 20 October 2026, 10:30 BST: today's session has not ended yet.
        let now = Utc.with_ymd_and_hms(2026, 10, 20, 9, 30, 0).single().expect("valid");
        let sessions = window_sessions(&schedule, today, now);
        assert_eq!(sessions.len(), 8);
        assert_eq!(sessions[0].starts_at, "2026-10-20T10:00:00+01:00");
        assert_eq!(sessions[1].starts_at, "2026-10-27T10:00:00+00:00");
        let later = Utc.with_ymd_and_hms(2026, 10, 20, 10, 30, 0).single().expect("valid");
        assert_eq!(window_sessions(&schedule, today, later).len(), 7);
        assert_eq!(
            sessions[0].id,
            window_sessions(&schedule, today, now)[0].id,
            "ids are stable"
        );
        let closed = Schedule {
            exceptions: vec![crate::domain::ScheduleException {
                date: NaiveDate::from_ymd_opt(2026, 11, 24).expect("date"),
                reason: Some("Hall closed".into()),
            }],
            ..schedule.clone()
        };
        let open: Vec<String> = window_sessions(&closed, today, now)
            .into_iter()
            .map(|session| session.starts_at)
            .collect();
        assert_eq!(open.len(), 7);
        assert!(!open.contains(&"2026-11-24T10:00:00+00:00".to_string()), "{open:?}");
        assert!(open.contains(&"2026-12-01T10:00:00+00:00".to_string()), "{open:?}");
    }
}
