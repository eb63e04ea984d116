//! OpenActive Modelling Opportunity Data 2.0 items (SessionSeries, ScheduledSession) and the
//! dataset site that lists the feeds.
