-- Trigram indexes for "contains" list searches (`*bcd*`), which test
-- `LIKE '%bcd%'` on the folded text or code. A btree index cannot answer
-- that without reading every row under the parent; a GIN index of the
-- pg_trgm extension can.
--
-- The extension belongs to the database, not to the store's schema. When
-- it is missing, it is created in schema public, so that dropping one
-- store's schema drops that store's indexes and never the extension that
-- other stores of the database use. Its operator class is named with the
-- schema it lives in, because a store's search_path may not include it.
--
-- An import adds its rows to the indexes' pending lists, which is faster
-- than adding them to the index structure one by one, and moves them into
-- the structure before it commits: a search would otherwise read the whole
-- pending list, of up to 4 MB, and the planner avoids an index whose
-- pending list is long.
--
-- When the database does not offer the extension, or the role may not
-- create it, no index is created and the migration still succeeds:
-- "contains" searches then read every row under the parent, and the store
-- logs a warning at start.
DO $migration$
DECLARE
    trigram_schema name;
BEGIN
    SELECT n.nspname INTO trigram_schema
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
    WHERE e.extname = 'pg_trgm';

    IF trigram_schema IS NULL
        AND EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
        BEGIN
            CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
        EXCEPTION WHEN OTHERS THEN
            -- Most often insufficient_privilege. The block's subtransaction
            -- is rolled back, and the migration goes on without the indexes.
            NULL;
        END;
        SELECT n.nspname INTO trigram_schema
        FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
        WHERE e.extname = 'pg_trgm';
    END IF;

    IF trigram_schema IS NOT NULL THEN
        BEGIN
            EXECUTE format(
                'CREATE INDEX list_item_texts_by_text_trigrams
                     ON list_item_texts USING gin (text_fold %I.gin_trgm_ops)',
                trigram_schema);
            EXECUTE format(
                'CREATE INDEX list_items_by_code_trigrams
                     ON list_items USING gin (code_fold %I.gin_trgm_ops)',
                trigram_schema);
        EXCEPTION WHEN insufficient_privilege THEN
            -- The role may not use the extension's schema.
            NULL;
        END;
    END IF;
END
$migration$;
