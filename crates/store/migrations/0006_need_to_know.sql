-- Need-to-know: participants consent to publication separately from sharing; replies
-- carry their depth (capped by lockstep_core::thread::MAX_DEPTH); a published revision
-- carries its frozen public edition. Shared dialect only; one file for both back ends.

-- Whether the participant agreed to have its statuses published in the advisory.
ALTER TABLE participants ADD COLUMN publishes_status BIGINT NOT NULL DEFAULT 0;

-- How deep a message sits in its thread (0 for a message that starts one).
ALTER TABLE messages ADD COLUMN depth BIGINT NOT NULL DEFAULT 0;
WITH RECURSIVE thread(id, depth) AS (
    SELECT id, 0 FROM messages WHERE parent_id IS NULL
    UNION ALL
    SELECT m.id, thread.depth + 1 FROM messages m JOIN thread ON m.parent_id = thread.id
)
UPDATE messages SET depth = (SELECT thread.depth FROM thread WHERE thread.id = messages.id)
WHERE id IN (SELECT id FROM thread WHERE depth > 0);

-- The public edition of a published revision, frozen when it was published (the
-- format-neutral advisory as JSON). The public routes serve only these; a revision
-- published before this column existed has none and must be published again.
ALTER TABLE advisory_revisions ADD COLUMN edition TEXT;

-- The audit sequence number of the write that added a vulnerability or a message:
-- orders those written in the same millisecond (a vulnerability's position gives its
-- public id, `{advisory}-N`). Older rows keep 0 and fall back to time order.
ALTER TABLE vulnerabilities ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
