//! List search on PostgreSQL: each language pass reads one range of a btree
//! index, or the trigram index of the folded column for "contains".

use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder, Row};

use super::lists::{ListInfo, find_item_id, find_list, normalize_lang};
use crate::store::pattern::{self, Access, Pattern};
use crate::store::{ListQuery, StoreError};
use protocol::{ListItem, SearchBy};

/// A found item and the folded value that orders the page.
struct Hit {
    folded: String,
    item: ListItem,
}

/// The list, parent and languages that a search reads, and its limit.
struct Scope {
    list: ListInfo,
    parent_id: i64,
    /// Requested language, set only when the list has texts in it and it is
    /// not the default. Items without a text in it fall back to the default.
    lang: Option<String>,
    limit: usize,
    /// Whether the folded columns have trigram indexes (migration 2).
    trigram_indexes: bool,
}

/// Finds the list, language and parent of a query. Returns `None` when
/// the search returns nothing: a limit of 0 or an unknown parent.
async fn resolve(
    connection: &mut PgConnection,
    query: &ListQuery,
    trigram_indexes: bool,
) -> Result<Option<Scope>, StoreError> {
    let list = find_list(connection, &query.list_name)
        .await?
        .ok_or_else(|| StoreError::ListNotFound(query.list_name.clone()))?;
    if query.limit == 0 {
        return Ok(None);
    }
    let requested = normalize_lang(&query.lang_code);
    let lang = if requested.is_empty() || requested == list.default_lang {
        None
    } else {
        has_language(connection, list.id, &requested)
            .await?
            .then_some(requested)
    };
    let parent_id = if query.parent_long_code.is_empty() {
        0
    } else {
        match find_item_id(connection, list.id, &query.parent_long_code).await? {
            Some(id) => id,
            None => return Ok(None),
        }
    };
    Ok(Some(Scope {
        list,
        parent_id,
        lang,
        limit: query.limit,
        trigram_indexes,
    }))
}

/// Searches a list under one parent, as the SQLite store does.
pub(super) async fn search(
    pool: &PgPool,
    query: &ListQuery,
    trigram_indexes: bool,
) -> Result<Vec<ListItem>, StoreError> {
    let mut connection = pool.acquire().await?;
    let connection = &mut *connection;
    let Some(scope) = resolve(connection, query, trigram_indexes).await? else {
        return Ok(Vec::new());
    };
    let pattern = Pattern::new(&query.query);
    let mut page = match query.search_by {
        SearchBy::Text => search_by_text(connection, &scope, &pattern).await?,
        SearchBy::Code => search_by_code(connection, &scope, &pattern).await?,
    };
    page.sort_by(|a, b| a.folded.cmp(&b.folded));
    Ok(page.into_iter().map(|hit| hit.item).collect())
}

/// Returns the plan (`EXPLAIN`) of the first statement that a list search
/// runs: the text or code pass in the requested language. Empty when the
/// search runs no statement.
pub(super) async fn explain(
    pool: &PgPool,
    query: &ListQuery,
    trigram_indexes: bool,
) -> Result<String, StoreError> {
    let mut connection = pool.acquire().await?;
    let connection = &mut *connection;
    let Some(scope) = resolve(connection, query, trigram_indexes).await? else {
        return Ok(String::new());
    };
    let pattern = Pattern::new(&query.query);
    let mut statement = match query.search_by {
        SearchBy::Text => {
            let lang = scope.lang.as_deref().unwrap_or(&scope.list.default_lang);
            text_statement("EXPLAIN ", &scope, &pattern, lang, None)
        }
        SearchBy::Code => code_statement("EXPLAIN ", &scope, &pattern),
    };
    let lines: Vec<String> = statement.build_query_scalar().fetch_all(connection).await?;
    Ok(lines.join("\n"))
}

async fn has_language(
    connection: &mut PgConnection,
    list_id: i64,
    lang: &str,
) -> Result<bool, StoreError> {
    let found: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM list_languages WHERE list_id = $1 AND lang = $2)",
    )
    .bind(list_id)
    .bind(lang)
    .fetch_one(connection)
    .await?;
    Ok(found)
}

/// Searches texts: in the requested language, and in the default language
/// for items that have no text in the requested one.
async fn search_by_text(
    connection: &mut PgConnection,
    scope: &Scope,
    pattern: &Pattern,
) -> Result<Vec<Hit>, StoreError> {
    let default_lang = &scope.list.default_lang;
    let mut hits = match scope.lang.as_deref() {
        None => text_hits(connection, scope, pattern, default_lang, None).await?,
        Some(lang) => {
            let mut own = text_hits(connection, scope, pattern, lang, None).await?;
            let fallback = text_hits(connection, scope, pattern, default_lang, Some(lang)).await?;
            own.extend(fallback);
            own.sort_by(|a, b| a.folded.cmp(&b.folded));
            own
        }
    };
    hits.truncate(scope.limit);
    Ok(hits)
}

async fn text_hits(
    connection: &mut PgConnection,
    scope: &Scope,
    pattern: &Pattern,
    lang: &str,
    missing_lang: Option<&str>,
) -> Result<Vec<Hit>, StoreError> {
    let rows = text_statement("", scope, pattern, lang, missing_lang)
        .build()
        .fetch_all(connection)
        .await?;
    rows.into_iter()
        .map(|row| {
            let text: String = row.try_get(1)?;
            Ok(Hit {
                folded: row.try_get(0)?,
                item: ListItem {
                    code: row.try_get(2)?,
                    short_code: row.try_get(3)?,
                    match_value: text.clone(),
                    text,
                },
            })
        })
        .collect()
}

/// Searches short codes, each with its item's text in the requested
/// language or else the default one.
async fn search_by_code(
    connection: &mut PgConnection,
    scope: &Scope,
    pattern: &Pattern,
) -> Result<Vec<Hit>, StoreError> {
    let rows = code_statement("", scope, pattern)
        .build()
        .fetch_all(connection)
        .await?;
    rows.into_iter()
        .map(|row| {
            let short_code: String = row.try_get(1)?;
            Ok(Hit {
                folded: row.try_get(0)?,
                item: ListItem {
                    code: row.try_get(2)?,
                    match_value: short_code.clone(),
                    short_code,
                    text: row.try_get(3)?,
                },
            })
        })
        .collect()
}

/// Builds the statement of one text pass, preceded by `prefix`.
fn text_statement(
    prefix: &str,
    scope: &Scope,
    pattern: &Pattern,
    lang: &str,
    missing_lang: Option<&str>,
) -> QueryBuilder<'static, Postgres> {
    let mut sql = QueryBuilder::<Postgres>::new(format!(
        "{prefix}SELECT t.text_fold, t.text, i.long_code, i.short_code
         FROM list_item_texts t JOIN list_items i ON i.id = t.item_id WHERE t.list_id = "
    ));
    sql.push_bind(scope.list.id)
        .push(" AND t.parent_id = ")
        .push_bind(scope.parent_id)
        .push(" AND t.lang = ")
        .push_bind(lang.to_owned());
    // Items already covered by the requested language are excluded from the
    // default-language pass, with a lookup in the unique (item_id, lang) index.
    if let Some(missing_lang) = missing_lang {
        sql.push(
            " AND NOT EXISTS (SELECT 1 FROM list_item_texts own
              WHERE own.item_id = t.item_id AND own.lang = ",
        )
        .push_bind(missing_lang.to_owned())
        .push(")");
    }
    push_access(
        &mut sql,
        pattern,
        "t.text_fold",
        "t.text_reversed",
        "t.id",
        scope,
    );

    sql
}

/// Builds the statement of a code search, preceded by `prefix`.
fn code_statement(
    prefix: &str,
    scope: &Scope,
    pattern: &Pattern,
) -> QueryBuilder<'static, Postgres> {
    let default_lang = scope.list.default_lang.clone();
    // The text comes from the unique (item_id, lang) index of the texts; an
    // item without a text in either language gets an empty one.
    let mut sql = QueryBuilder::<Postgres>::new(format!(
        "{prefix}SELECT i.code_fold, i.short_code, i.long_code, coalesce(
             (SELECT t.text FROM list_item_texts t WHERE t.item_id = i.id AND t.lang = "
    ));
    sql.push_bind(scope.lang.clone().unwrap_or_else(|| default_lang.clone()))
        .push("), (SELECT t.text FROM list_item_texts t WHERE t.item_id = i.id AND t.lang = ")
        .push_bind(default_lang)
        .push("), '') FROM list_items i WHERE i.list_id = ")
        .push_bind(scope.list.id)
        .push(" AND i.parent_id = ")
        .push_bind(scope.parent_id);
    push_access(
        &mut sql,
        pattern,
        "i.code_fold",
        "i.code_reversed",
        "i.id",
        scope,
    );

    sql
}

/// Appends the condition and order of the pattern's index access: a range
/// of the folded column for "begins with", of the reversed column for
/// "ends with", and equality for an exact value. A pattern that the access
/// does not decide alone, such as "contains", is tested with `LIKE` on the
/// folded column, so every row returned matches and `LIMIT` applies. A
/// trigram index on the folded column (migration 2) serves that `LIKE`
/// for "contains". Without one, the search reads the rows under the parent
/// in order until `LIMIT` rows match.
/// `id` breaks ties, as the SQLite indexes do.
fn push_access(
    sql: &mut QueryBuilder<'static, Postgres>,
    pattern: &Pattern,
    folded: &str,
    reversed: &str,
    id: &str,
    scope: &Scope,
) {
    let order = match pattern.access() {
        Access::Exact(value) => {
            sql.push(format!(" AND {folded} = "))
                .push_bind(value.to_owned());
            folded.to_owned()
        }
        Access::Prefix(prefix) => {
            push_range(sql, folded, prefix);
            folded.to_owned()
        }
        Access::Suffix(reversed_suffix) => {
            push_range(sql, reversed, &reversed_suffix);
            reversed.to_owned()
        }
        // PostgreSQL estimates that `LIKE '%abc%'` matches about 1% of the
        // rows, so it would often read the btree index on the folded column
        // in order and filter each row until `LIMIT` rows match. For a
        // literal that matches far fewer rows, that reads most rows under
        // the parent: 100 ms and more for 200,000 items on the benchmark
        // machine, against a few ms on the trigram index. Ordering by an
        // expression that no btree index provides leaves the trigram index
        // as the cheaper plan. It sorts as the column does, bytewise
        // (collation "C"). Without a trigram index, the column's order
        // lets the btree scan stop early.
        Access::Contains(literal)
            if scope.trigram_indexes && literal.chars().count() >= TRIGRAM_LENGTH =>
        {
            format!("({folded} || '')")
        }
        // A shorter literal contains no whole trigram, so the trigram index
        // would return every row. Reading the btree index in order stops
        // once `LIMIT` rows match, which is soon when many rows match, as
        // they usually do for a short literal.
        Access::Contains(_) | Access::All => folded.to_owned(),
    };
    if !pattern.access_is_exact() {
        sql.push(format!(" AND {folded} LIKE "))
            .push_bind(pattern.to_like());
    }
    sql.push(format!(" ORDER BY {order}, {id} LIMIT "))
        .push_bind(i64::try_from(scope.limit).unwrap_or(i64::MAX));
}

/// Characters of a pg_trgm trigram.
const TRIGRAM_LENGTH: usize = 3;

/// Appends `prefix <= column < upper`, which a btree index on the column
/// (collation "C") reads as one range.
fn push_range(sql: &mut QueryBuilder<'_, Postgres>, column: &str, prefix: &str) {
    sql.push(format!(" AND {column} >= "))
        .push_bind(prefix.to_owned());
    if let Some(upper) = pattern::prefix_upper_bound_text(prefix) {
        sql.push(format!(" AND {column} < ")).push_bind(upper);
    }
}
