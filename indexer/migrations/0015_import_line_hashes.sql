-- Re-imports that skip what did not change without parsing it (issue 19: a 1%-changed re-import
-- of a million services in 15 s).
--
-- `import_records.line_hash`: for a service record a bulk run wrote or found unchanged, the hash
-- of the exact NDJSON line it read (the first 16 bytes of its SHA-256, hex). A later bulk run
-- that meets the same line again knows the record is unchanged without parsing it. Any other
-- write of the link (the per-record path, an API run) sets it back to NULL, so a stale line can
-- never stand for newer content.
ALTER TABLE import_records ADD COLUMN line_hash TEXT;

-- `import_sources.read_all_at`: when a run last read the source's whole list and archived what
-- it no longer listed (a whole file or API walk that succeeded). Every service record of the
-- source not archived by it was read then, so such a run need not write a "last read" time into
-- each unchanged record: provenance's last read is the later of the two.
ALTER TABLE import_sources ADD COLUMN read_all_at TEXT;
