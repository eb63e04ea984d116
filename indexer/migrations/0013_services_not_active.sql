-- List pages (issue 24) come from the search index, which holds active services only; the few
-- public services that are not active (inactive, defunct, temporarily closed) are read beside
-- it, through this partial index, so a page never scans a million active rows to find them.
CREATE INDEX services_not_active ON services(status) WHERE status <> 'active';
