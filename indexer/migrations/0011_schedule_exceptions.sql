-- Schedule exceptions (issue 24, "Calendar truth"): the dates a schedule does not run, holiday
-- closures and one-off cancellations (OpenActive's `exceptDate`), as a JSON array of
-- `{"date": "YYYY-MM-DD", "reason": "..."}` in date order. A column rather than a table, like
-- cost options and contacts: exceptions are only ever read with their schedule, so every read
-- that already loads schedules set-wise (a page of services, the feeds, the export) gets them
-- with no extra query. `public_schedules` (`SELECT *`) includes the new column.
ALTER TABLE schedules ADD COLUMN exceptions TEXT NOT NULL DEFAULT '[]';
