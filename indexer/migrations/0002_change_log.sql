-- The change log (outbox): every write to a listing appends a row in the same transaction.
-- The search index applies rows in `seq` order and records the last one it applied in its
-- commit payload, so after a crash it catches up from here. Append-only, like all migrations.
CREATE TABLE change_log (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    changed_at TEXT NOT NULL
);
