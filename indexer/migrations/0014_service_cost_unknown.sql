-- A service's cost can be unknown (issue 24): `services.free` becomes nullable, NULL meaning the
-- organisation has not said. Before, a service created without cost information was stored
-- (and shown to residents) as free.
--
-- SQLite cannot drop NOT NULL from a column in place. Rather than rebuild the table (which
-- needs foreign keys switched off outside a transaction, and the views of 0005 and every index
-- of 0001, 0004, 0006 and 0013 recreated by hand), add a nullable column, copy every value,
-- drop the old column and give the new one the old name. The table keeps its name, so the
-- foreign keys of service_needs, service_areas, service_at_location and schedules, the view
-- public_services (`SELECT *`, so it simply gains the column back) and every index (none is on
-- `free`) stay as they are, and the whole change runs in the migration's one transaction.
-- The column moves to the end of the row; every reader names its columns.
ALTER TABLE services ADD COLUMN free_said INTEGER;
UPDATE services SET free_said = free;
ALTER TABLE services DROP COLUMN free;
ALTER TABLE services RENAME COLUMN free_said TO free;
