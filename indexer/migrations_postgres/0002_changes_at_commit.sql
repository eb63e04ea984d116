-- Change-log rows numbered as their transactions commit (issue 21: edits across replicas).
--
-- Before, every writing transaction held the write lock (an advisory lock) from its first
-- statement, so `seq` followed commit order but writers took turns for the whole of an edit's
-- round trips. Now a transaction notes what it changed in `pending_changes` (`note_change`,
-- which also locks the rows whose feed position will move), and a deferred trigger turns each
-- note into a change-log row as the transaction commits: it takes the write lock there, takes
-- the next `seq`, moves the listing's `feed_seq`, and announces the change. The lock is held
-- from that trigger to the end of the commit, with no round trip to the client in between, so
-- `seq` still follows commit order (a follower that has seen `seq` n never later finds a
-- smaller one committed) while the edits themselves run side by side.
--
-- The trigger waits for no row lock while it holds the write lock: `note_change` has locked
-- every row it updates already. So the write lock is always the last lock a transaction takes,
-- and it cannot be part of a deadlock.

CREATE TABLE pending_changes (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind      TEXT NOT NULL,
    entity_id TEXT NOT NULL
);

-- Notes a change of listing `entity` (kind 'organization', 'service' or 'fund') inside the
-- caller's transaction, and locks the rows the change-log row will move: the listing's row and,
-- for an organisation, its services (in id order, as every other cascade takes them).
CREATE FUNCTION note_change(change_kind TEXT, entity TEXT) RETURNS VOID
LANGUAGE plpgsql AS $$
BEGIN
    IF change_kind = 'organization' THEN
        PERFORM 1 FROM organizations WHERE id = entity FOR NO KEY UPDATE;
        PERFORM 1 FROM services WHERE organization_id = entity ORDER BY id FOR NO KEY UPDATE;
    ELSIF change_kind = 'service' THEN
        PERFORM 1 FROM services WHERE id = entity FOR NO KEY UPDATE;
    ELSIF change_kind = 'fund' THEN
        PERFORM 1 FROM funds WHERE id = entity FOR NO KEY UPDATE;
    ELSE
        RAISE EXCEPTION 'unknown change kind %', change_kind;
    END IF;
    INSERT INTO pending_changes (kind, entity_id) VALUES (change_kind, entity);
END;
$$;

-- At commit: the noted change becomes a change-log row (see above).
CREATE FUNCTION publish_pending_change() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
DECLARE
    new_seq BIGINT;
BEGIN
    -- The write lock (store::db::lock_keys::WRITES), held until the commit ends.
    PERFORM pg_advisory_xact_lock(7235440056133222401);
    INSERT INTO change_log (kind, entity_id, changed_at)
    VALUES (
        NEW.kind,
        NEW.entity_id,
        to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')
    )
    RETURNING seq INTO new_seq;
    IF NEW.kind = 'organization' THEN
        UPDATE organizations SET feed_seq = new_seq WHERE id = NEW.entity_id;
        UPDATE services SET feed_seq = new_seq WHERE organization_id = NEW.entity_id;
    ELSIF NEW.kind = 'service' THEN
        UPDATE services SET feed_seq = new_seq WHERE id = NEW.entity_id;
    ELSE
        UPDATE funds SET feed_seq = new_seq WHERE id = NEW.entity_id;
    END IF;
    DELETE FROM pending_changes WHERE id = NEW.id;
    PERFORM pg_notify('directory_changes', '');
    RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER publish_pending_change
    AFTER INSERT ON pending_changes
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION publish_pending_change();
