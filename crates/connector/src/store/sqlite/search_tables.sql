-- Search copies of list texts and codes. Each text table is a B-tree
-- ordered by the searched key that contains every column a response needs,
-- so a "begins with", "ends with" or exact text search in the default
-- language reads one contiguous range of pages and looks up no other row.
-- Triggers keep the text tables in step with list_item_texts inside the
-- writing transaction, whichever program writes.

-- One row, counting changes to lists, their languages and their texts.
-- Unlike PRAGMA data_version, which only one connection can compare, every
-- connection and process reads the same value for the same snapshot, so it
-- tags what the store keeps in memory: the list catalog and text indexes.
CREATE TABLE IF NOT EXISTS list_version (
    version INTEGER NOT NULL
);
INSERT INTO list_version (version) SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM list_version);

CREATE TRIGGER IF NOT EXISTS list_version_list_insert AFTER INSERT ON lists BEGIN
    UPDATE list_version SET version = version + 1;
END;
CREATE TRIGGER IF NOT EXISTS list_version_list_update AFTER UPDATE ON lists BEGIN
    UPDATE list_version SET version = version + 1;
END;
CREATE TRIGGER IF NOT EXISTS list_version_list_delete AFTER DELETE ON lists BEGIN
    UPDATE list_version SET version = version + 1;
END;
CREATE TRIGGER IF NOT EXISTS list_version_language_insert AFTER INSERT ON list_languages BEGIN
    UPDATE list_version SET version = version + 1;
END;
CREATE TRIGGER IF NOT EXISTS list_version_language_delete AFTER DELETE ON list_languages BEGIN
    UPDATE list_version SET version = version + 1;
END;

CREATE TABLE IF NOT EXISTS list_text_keys (
    list_id INTEGER NOT NULL,
    parent_id INTEGER NOT NULL,
    lang TEXT NOT NULL,
    text_fold TEXT NOT NULL,
    text_id INTEGER NOT NULL,            -- list_item_texts.id, the tie-break order
    item_id INTEGER NOT NULL,
    text TEXT NOT NULL,
    short_code TEXT NOT NULL,
    long_code TEXT NOT NULL,
    PRIMARY KEY (list_id, parent_id, lang, text_fold, text_id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS list_text_reversed_keys (
    list_id INTEGER NOT NULL,
    parent_id INTEGER NOT NULL,
    lang TEXT NOT NULL,
    text_reversed TEXT NOT NULL,
    text_id INTEGER NOT NULL,
    item_id INTEGER NOT NULL,
    text_fold TEXT NOT NULL,
    text TEXT NOT NULL,
    short_code TEXT NOT NULL,
    long_code TEXT NOT NULL,
    PRIMARY KEY (list_id, parent_id, lang, text_reversed, text_id)
) WITHOUT ROWID;

CREATE TRIGGER IF NOT EXISTS list_text_keys_insert AFTER INSERT ON list_item_texts BEGIN
    UPDATE list_version SET version = version + 1;
    INSERT INTO list_text_keys
        (list_id, parent_id, lang, text_fold, text_id, item_id, text, short_code, long_code)
        SELECT new.list_id, new.parent_id, new.lang, new.text_fold, new.id, new.item_id,
               new.text, i.short_code, i.long_code
        FROM list_items i WHERE i.id = new.item_id;
    INSERT INTO list_text_reversed_keys
        (list_id, parent_id, lang, text_reversed, text_id, item_id, text_fold, text,
         short_code, long_code)
        SELECT new.list_id, new.parent_id, new.lang, new.text_reversed, new.id, new.item_id,
               new.text_fold, new.text, i.short_code, i.long_code
        FROM list_items i WHERE i.id = new.item_id;
END;

-- Any update, not only of the texts, so that the copies can never drift.
CREATE TRIGGER IF NOT EXISTS list_text_keys_update AFTER UPDATE ON list_item_texts BEGIN
    UPDATE list_version SET version = version + 1;
    DELETE FROM list_text_keys
        WHERE list_id = old.list_id AND parent_id = old.parent_id AND lang = old.lang
          AND text_fold = old.text_fold AND text_id = old.id;
    DELETE FROM list_text_reversed_keys
        WHERE list_id = old.list_id AND parent_id = old.parent_id AND lang = old.lang
          AND text_reversed = old.text_reversed AND text_id = old.id;
    INSERT INTO list_text_keys
        (list_id, parent_id, lang, text_fold, text_id, item_id, text, short_code, long_code)
        SELECT new.list_id, new.parent_id, new.lang, new.text_fold, new.id, new.item_id,
               new.text, i.short_code, i.long_code
        FROM list_items i WHERE i.id = new.item_id;
    INSERT INTO list_text_reversed_keys
        (list_id, parent_id, lang, text_reversed, text_id, item_id, text_fold, text,
         short_code, long_code)
        SELECT new.list_id, new.parent_id, new.lang, new.text_reversed, new.id, new.item_id,
               new.text_fold, new.text, i.short_code, i.long_code
        FROM list_items i WHERE i.id = new.item_id;
END;

CREATE TRIGGER IF NOT EXISTS list_text_keys_delete AFTER DELETE ON list_item_texts BEGIN
    UPDATE list_version SET version = version + 1;
    DELETE FROM list_text_keys
        WHERE list_id = old.list_id AND parent_id = old.parent_id AND lang = old.lang
          AND text_fold = old.text_fold AND text_id = old.id;
    DELETE FROM list_text_reversed_keys
        WHERE list_id = old.list_id AND parent_id = old.parent_id AND lang = old.lang
          AND text_reversed = old.text_reversed AND text_id = old.id;
END;

-- Codes live in list_items itself, so covering indexes do the same job
-- there and SQLite maintains them. A code search still looks up the text of
-- each item it returns. `id` follows the key, which keeps equal folded codes
-- in item order.
CREATE INDEX IF NOT EXISTS list_items_code_keys
    ON list_items (list_id, parent_id, code_fold, id, short_code, long_code);
CREATE INDEX IF NOT EXISTS list_items_code_reversed_keys
    ON list_items (list_id, parent_id, code_reversed, id, code_fold, short_code, long_code);
