-- Schema of the connector's PostgreSQL store, version 1. Folded copies of
-- searchable values, and their character-reversed forms, use the "C"
-- collation, so that they compare and sort bytewise as in the SQLite store,
-- and so that a btree index answers "begins with" (on the folded value) and
-- "ends with" (on the reversed value) as a range scan.

CREATE TABLE lists (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    default_lang TEXT NOT NULL
);

CREATE TABLE list_items (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    list_id BIGINT NOT NULL REFERENCES lists (id),
    parent_id BIGINT NOT NULL,           -- 0 on the first level
    short_code TEXT NOT NULL,
    long_code TEXT NOT NULL,
    code_fold TEXT COLLATE "C" NOT NULL,
    code_reversed TEXT COLLATE "C" NOT NULL,
    UNIQUE (list_id, long_code)
);
CREATE INDEX list_items_by_code ON list_items (list_id, parent_id, code_fold, id);
CREATE INDEX list_items_by_code_reversed ON list_items (list_id, parent_id, code_reversed, id);

CREATE TABLE list_languages (
    list_id BIGINT NOT NULL REFERENCES lists (id),
    lang TEXT NOT NULL,
    PRIMARY KEY (list_id, lang)
);

-- One row per item and language; the list's default language always has one.
CREATE TABLE list_item_texts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id BIGINT NOT NULL REFERENCES list_items (id),
    list_id BIGINT NOT NULL,
    parent_id BIGINT NOT NULL,
    lang TEXT NOT NULL,
    text TEXT NOT NULL,
    text_fold TEXT COLLATE "C" NOT NULL,
    text_reversed TEXT COLLATE "C" NOT NULL,
    UNIQUE (item_id, lang)
);
CREATE INDEX list_item_texts_by_text
    ON list_item_texts (list_id, parent_id, lang, text_fold, id);
CREATE INDEX list_item_texts_by_text_reversed
    ON list_item_texts (list_id, parent_id, lang, text_reversed, id);

-- Every text criterion of an attendee search has a folded column, so that
-- the whole search runs in SQL and LIMIT returns complete pages.
CREATE TABLE attendees (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    external_id TEXT NOT NULL UNIQUE,
    first_name TEXT NOT NULL,
    middle_initial TEXT NOT NULL,
    last_name TEXT NOT NULL,
    suffix TEXT NOT NULL,
    company TEXT NOT NULL,
    attendee_type_code TEXT NOT NULL,
    title TEXT NOT NULL,
    custom TEXT NOT NULL,                -- Custom1 … Custom25 joined by U+001F
    owner_login_id TEXT NOT NULL,
    external_id_fold TEXT COLLATE "C" NOT NULL,
    first_name_fold TEXT COLLATE "C" NOT NULL,
    middle_initial_fold TEXT COLLATE "C" NOT NULL,
    last_name_fold TEXT COLLATE "C" NOT NULL,
    suffix_fold TEXT COLLATE "C" NOT NULL,
    company_fold TEXT COLLATE "C" NOT NULL,
    title_fold TEXT COLLATE "C" NOT NULL,
    custom_fold TEXT COLLATE "C" NOT NULL  -- the folded custom fields, joined like custom
);
CREATE INDEX attendees_by_last_name ON attendees (last_name_fold);
CREATE INDEX attendees_by_first_name ON attendees (first_name_fold);
CREATE INDEX attendees_by_company ON attendees (company_fold);
CREATE INDEX attendees_by_external_id ON attendees (external_id_fold);
CREATE INDEX attendees_by_type_and_last_name ON attendees (attendee_type_code, last_name_fold);

-- Event notifications, in arrival order (id). Times are Unix milliseconds.
-- dedup_key is the SHA-256 of the canonical fields, unique among the
-- notifications still waiting to be processed (status 'received').
-- claimed_by names the store instance whose worker took the notification
-- for an attempt; other instances leave it alone until lease_expires_at.
CREATE TABLE notifications (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dedup_key TEXT NOT NULL,
    event_type TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_uri TEXT NOT NULL,
    event_date_time TEXT NOT NULL,
    context TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    status TEXT NOT NULL DEFAULT 'received'
        CHECK (status IN ('received', 'done', 'failed', 'superseded')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    decision_sent BOOLEAN NOT NULL DEFAULT FALSE,
    decision TEXT,
    last_error TEXT,
    finished_at BIGINT,
    claimed_by TEXT,
    lease_expires_at BIGINT
);
CREATE UNIQUE INDEX notifications_waiting_by_key
    ON notifications (dedup_key) WHERE status = 'received';
CREATE INDEX notifications_waiting_by_object
    ON notifications (object_uri, id) WHERE status = 'received';
CREATE INDEX notifications_by_status ON notifications (status, id);

-- Launch External URL nonces, kept until expires_at (Unix milliseconds) so
-- that a launch query used once within the replay window is rejected by
-- every instance: the primary key decides which of two concurrent uses wins.
CREATE TABLE launch_nonces (
    nonce TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX launch_nonces_by_expiry ON launch_nonces (expires_at);

-- Launch sessions, keyed by the SHA-256 of the session id. sealed_tokens
-- contains the version 4 tokens, encrypted with a key derived from the id.
CREATE TABLE launch_sessions (
    id_hash BYTEA PRIMARY KEY,
    version INTEGER NOT NULL CHECK (version IN (1, 4)),
    user_id TEXT NOT NULL,
    item_url TEXT NOT NULL,
    field TEXT NOT NULL,
    language TEXT NOT NULL,
    sealed_tokens BYTEA,
    expires_at BIGINT NOT NULL
);
CREATE INDEX launch_sessions_by_expiry ON launch_sessions (expires_at);

-- Version of the folding rules (connector::store::pattern::FOLD_VERSION)
-- that computed the folded columns.
CREATE TABLE fold_rules (
    version INTEGER NOT NULL
);
INSERT INTO fold_rules (version) VALUES (1);
