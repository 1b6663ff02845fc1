-- Schema of the connector's embedded SQLite store. Folded (lowercased)
-- copies of searchable values, and their character-reversed forms, carry the
-- indexes that answer "begins with", "ends with" and exact searches without
-- a full scan; trigram FTS5 tables answer "contains". The list search tables
-- and their indexes are in search_tables.sql.

CREATE TABLE IF NOT EXISTS lists (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    default_lang TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS list_items (
    id INTEGER PRIMARY KEY,
    list_id INTEGER NOT NULL REFERENCES lists(id),
    parent_id INTEGER NOT NULL,          -- 0 on the first level
    short_code TEXT NOT NULL,
    long_code TEXT NOT NULL,
    code_fold TEXT NOT NULL,
    code_reversed TEXT NOT NULL,
    UNIQUE (list_id, long_code)
);

CREATE TABLE IF NOT EXISTS list_languages (
    list_id INTEGER NOT NULL REFERENCES lists(id),
    lang TEXT NOT NULL,
    PRIMARY KEY (list_id, lang)
);

-- One row per item and language; the list's default language always has one.
CREATE TABLE IF NOT EXISTS list_item_texts (
    id INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES list_items(id),
    list_id INTEGER NOT NULL,
    parent_id INTEGER NOT NULL,
    lang TEXT NOT NULL,
    text TEXT NOT NULL,
    text_fold TEXT NOT NULL,
    text_reversed TEXT NOT NULL,
    UNIQUE (item_id, lang)
);

CREATE VIRTUAL TABLE IF NOT EXISTS list_item_texts_trigrams USING fts5 (
    text_fold, content = 'list_item_texts', content_rowid = 'id', tokenize = 'trigram'
);
CREATE TRIGGER IF NOT EXISTS list_item_texts_trigrams_insert AFTER INSERT ON list_item_texts BEGIN
    INSERT INTO list_item_texts_trigrams (rowid, text_fold) VALUES (new.id, new.text_fold);
END;
CREATE TRIGGER IF NOT EXISTS list_item_texts_trigrams_update AFTER UPDATE OF text_fold ON list_item_texts BEGIN
    INSERT INTO list_item_texts_trigrams (list_item_texts_trigrams, rowid, text_fold)
        VALUES ('delete', old.id, old.text_fold);
    INSERT INTO list_item_texts_trigrams (rowid, text_fold) VALUES (new.id, new.text_fold);
END;

CREATE VIRTUAL TABLE IF NOT EXISTS list_items_code_trigrams USING fts5 (
    code_fold, content = 'list_items', content_rowid = 'id', tokenize = 'trigram'
);
CREATE TRIGGER IF NOT EXISTS list_items_code_trigrams_insert AFTER INSERT ON list_items BEGIN
    INSERT INTO list_items_code_trigrams (rowid, code_fold) VALUES (new.id, new.code_fold);
END;

CREATE TABLE IF NOT EXISTS attendees (
    id INTEGER PRIMARY KEY,
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
    external_id_fold TEXT NOT NULL,
    first_name_fold TEXT NOT NULL,
    last_name_fold TEXT NOT NULL,
    company_fold TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS attendees_by_last_name ON attendees (last_name_fold);
CREATE INDEX IF NOT EXISTS attendees_by_first_name ON attendees (first_name_fold);
CREATE INDEX IF NOT EXISTS attendees_by_company ON attendees (company_fold);
CREATE INDEX IF NOT EXISTS attendees_by_external_id ON attendees (external_id_fold);
CREATE INDEX IF NOT EXISTS attendees_by_type_and_last_name
    ON attendees (attendee_type_code, last_name_fold);

-- Event notifications, in arrival order (id). Times are Unix milliseconds.
-- dedup_key is the SHA-256 of the canonical fields, unique among the
-- notifications still waiting to be processed (status 'received').
CREATE TABLE IF NOT EXISTS notifications (
    id INTEGER PRIMARY KEY,
    dedup_key TEXT NOT NULL,
    event_type TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_uri TEXT NOT NULL,
    event_date_time TEXT NOT NULL,
    context TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'received'
        CHECK (status IN ('received', 'done', 'failed', 'superseded')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    decision_sent INTEGER NOT NULL DEFAULT 0,  -- 1 once a decision was sent to the host
    decision TEXT,
    last_error TEXT,
    finished_at INTEGER
);
CREATE UNIQUE INDEX IF NOT EXISTS notifications_waiting_by_key
    ON notifications (dedup_key) WHERE status = 'received';
CREATE INDEX IF NOT EXISTS notifications_waiting_by_object
    ON notifications (object_uri, id) WHERE status = 'received';
CREATE INDEX IF NOT EXISTS notifications_by_status ON notifications (status, id);

-- Launch External URL nonces, kept until expires_at (Unix milliseconds) so
-- that a launch query used once within the replay window is rejected.
CREATE TABLE IF NOT EXISTS launch_nonces (
    nonce TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS launch_nonces_by_expiry ON launch_nonces (expires_at);

-- Launch sessions, keyed by the SHA-256 of the session id. sealed_tokens
-- contains the version 4 tokens, encrypted with a key derived from the id.
CREATE TABLE IF NOT EXISTS launch_sessions (
    id_hash BLOB PRIMARY KEY,
    version INTEGER NOT NULL CHECK (version IN (1, 4)),
    user_id TEXT NOT NULL,
    item_url TEXT NOT NULL,
    field TEXT NOT NULL,
    language TEXT NOT NULL,
    sealed_tokens BLOB,
    expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS launch_sessions_by_expiry ON launch_sessions (expires_at);
