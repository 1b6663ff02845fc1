//! In-memory sorted copies of list texts, for "begins with", "ends with",
//! exact and `*` searches without SQLite's cost per row and per page.
//!
//! One [`TextIndex`] covers the default-language texts of one list under
//! one parent (a group). A search that finds no index for its group runs on
//! SQLite and requests one from a background thread. Indexes are tagged with
//! the `list_version` of the snapshot they were read from, and a search uses
//! one only when its own snapshot has the same version. Their total size is
//! bounded by a budget; a group that does not fit stays on SQLite.

mod builds;

use rusqlite::{Connection, params};

use super::StoreError;
use crate::store::pattern::{self, Access, Pattern};
use protocol::ListItem;

pub use builds::TextIndexStats;
pub(super) use builds::TextIndexes;

/// Default bound on the memory of all text indexes together. An index takes
/// twice the bytes of its values plus 36 bytes per item: about 120 MiB for
/// the 1,000,000 items of the store benchmark.
pub const DEFAULT_BUDGET: usize = 256 * 1024 * 1024;

/// The default-language texts of one list under one parent.
#[derive(Debug, Clone)]
pub(super) struct Group {
    pub list_id: i64,
    pub parent_id: i64,
    /// The list's default language.
    pub lang: String,
}

impl Group {
    fn key(&self) -> GroupKey {
        (self.list_id, self.parent_id)
    }
}

/// List id and parent id: a list's default language never changes, so
/// these two name a group.
type GroupKey = (i64, i64);

/// Offsets of one item's values in [`Texts::values`]. The values follow
/// each other in this order, and the long code ends where the next item's key
/// starts (or at the end of the values).
#[derive(Clone, Copy)]
struct Entry {
    key: u32,
    text: u32,
    short_code: u32,
    long_code: u32,
}

/// Items with their values side by side in one string, sorted by a search
/// key, so that the items a search returns lie next to each other in memory.
#[derive(Default)]
struct Texts {
    values: String,
    entries: Vec<Entry>,
}

impl Texts {
    /// Appends an item from its search key, text, short code and long code.
    /// The caller keeps the values under 4 GiB, so offsets fit in u32.
    fn push(&mut self, values: [&str; 4]) {
        let mut offsets = [0u32; 4];
        for (offset, value) in offsets.iter_mut().zip(values) {
            *offset = self.values.len() as u32;
            self.values.push_str(value);
        }
        let [key, text, short_code, long_code] = offsets;
        self.entries.push(Entry {
            key,
            text,
            short_code,
            long_code,
        });
    }

    /// Returns the search key, text, short code and long code of an item.
    fn values(&self, position: usize) -> [&str; 4] {
        let entry = self.entries[position];
        let end = match self.entries.get(position + 1) {
            Some(next) => next.key as usize,
            None => self.values.len(),
        };
        [
            &self.values[entry.key as usize..entry.text as usize],
            &self.values[entry.text as usize..entry.short_code as usize],
            &self.values[entry.short_code as usize..entry.long_code as usize],
            &self.values[entry.long_code as usize..end],
        ]
    }

    fn key(&self, position: usize) -> &str {
        let entry = self.entries[position];
        &self.values[entry.key as usize..entry.text as usize]
    }

    fn item(&self, position: usize) -> ListItem {
        let [_, text, short_code, long_code] = self.values(position);
        ListItem {
            code: long_code.to_owned(),
            short_code: short_code.to_owned(),
            text: text.to_owned(),
            match_value: text.to_owned(),
        }
    }

    fn memory(&self) -> usize {
        self.values.capacity() + self.entries.capacity() * std::mem::size_of::<Entry>()
    }

    fn shrink_to_fit(&mut self) {
        self.values.shrink_to_fit();
        self.entries.shrink_to_fit();
    }
}

/// The texts of one group, sorted twice.
pub(super) struct TextIndex {
    /// `list_version` of the snapshot the index was read from.
    version: i64,
    /// Items keyed by folded text, equal texts in text id order: the order
    /// of `list_text_keys`.
    by_fold: Texts,
    /// The same items keyed by character-reversed folded text, equal ones
    /// in text id order: the order of `list_text_reversed_keys`. A copy
    /// instead of a permutation of `by_fold`, so that an "ends with" search
    /// reads adjacent memory and compares bytes too.
    by_reversed: Texts,
    /// Position in `by_fold` of each item of `by_reversed`.
    fold_ranks: Vec<u32>,
}

impl TextIndex {
    /// Reads a group from `snapshot`, a connection in a read transaction at
    /// list version `version`. Returns `None` when the index would take more
    /// than `max_bytes`.
    fn read(
        snapshot: &Connection,
        group: &Group,
        version: i64,
        max_bytes: usize,
    ) -> Result<Option<TextIndex>, StoreError> {
        let mut statement = snapshot.prepare(
            "SELECT text_fold, text, short_code, long_code FROM list_text_keys
             WHERE list_id = ?1 AND parent_id = ?2 AND lang = ?3
             ORDER BY text_fold, text_id",
        )?;
        let mut rows = statement.query(params![group.list_id, group.parent_id, group.lang])?;
        let mut by_fold = Texts::default();
        // Each item is stored twice, with one rank; u32 offsets bound each copy.
        let per_item = 2 * std::mem::size_of::<Entry>() + std::mem::size_of::<u32>();
        let limit = max_bytes.min(u32::MAX as usize);
        while let Some(row) = rows.next()? {
            let mut values = [""; 4];
            for (column, value) in values.iter_mut().enumerate() {
                *value = row.get_ref(column)?.as_str().map_err(|error| {
                    rusqlite::Error::FromSqlConversionFailure(
                        column,
                        rusqlite::types::Type::Text,
                        Box::new(error),
                    )
                })?;
            }
            by_fold.push(values);
            if 2 * by_fold.values.len() + by_fold.entries.len() * per_item > limit {
                return Ok(None);
            }
        }
        by_fold.shrink_to_fit();

        let mut fold_ranks: Vec<u32> = (0..by_fold.entries.len() as u32).collect();
        // A stable sort keeps equal texts in text id order. Comparing
        // characters from the end orders like SQLite's bytewise comparison
        // of the reversed texts, because UTF-8 preserves code point order.
        fold_ranks.sort_by(|&a, &b| {
            let a = by_fold.key(a as usize).chars().rev();
            let b = by_fold.key(b as usize).chars().rev();
            a.cmp(b)
        });
        let mut by_reversed = Texts {
            values: String::with_capacity(by_fold.values.len()),
            entries: Vec::with_capacity(by_fold.entries.len()),
        };
        for &rank in &fold_ranks {
            let [fold, text, short_code, long_code] = by_fold.values(rank as usize);
            by_reversed.push([&pattern::reverse(fold), text, short_code, long_code]);
        }
        Ok(Some(TextIndex {
            version,
            by_fold,
            by_reversed,
            fold_ranks,
        }))
    }

    /// Bytes of memory the index holds.
    pub fn memory(&self) -> usize {
        self.by_fold.memory()
            + self.by_reversed.memory()
            + self.fold_ranks.capacity() * std::mem::size_of::<u32>()
    }

    /// Number of texts in the index.
    pub fn len(&self) -> usize {
        self.by_fold.entries.len()
    }

    /// Returns at most `limit` items matching the pattern, in folded-text
    /// order, as the SQLite search of the same group returns them. Returns
    /// `None` for a "contains" pattern, which needs the trigram index.
    pub fn search(&self, pattern: &Pattern, limit: usize) -> Option<Vec<ListItem>> {
        let check = !pattern.access_is_exact();
        let texts = &self.by_fold;
        let count = texts.entries.len();
        let mut items = Vec::with_capacity(limit.min(count));
        match pattern.access() {
            Access::Exact(value) => {
                let start = partition(count, |position| texts.key(position) < value);
                for position in start..count {
                    if texts.key(position) != value || items.len() >= limit {
                        break;
                    }
                    items.push(texts.item(position));
                }
            }
            Access::Prefix(prefix) => {
                let start = partition(count, |position| texts.key(position) < prefix);
                for position in start..count {
                    let folded = texts.key(position);
                    if !folded.starts_with(prefix) || items.len() >= limit {
                        break;
                    }
                    if !check || pattern.matches(folded) {
                        items.push(texts.item(position));
                    }
                }
            }
            Access::Suffix(reversed) => {
                let texts = &self.by_reversed;
                let reversed = reversed.as_str();
                let start = partition(count, |position| texts.key(position) < reversed);
                let mut found: Vec<(u32, u32)> = Vec::with_capacity(limit.min(count));
                for position in start..count {
                    let key = texts.key(position);
                    if !key.starts_with(reversed) || found.len() >= limit {
                        break;
                    }
                    if !check || pattern.matches(&pattern::reverse(key)) {
                        // Positions are below the u32 rank count.
                        found.push((self.fold_ranks[position], position as u32));
                    }
                }
                // Ranks follow folded-text order, equal texts in text id
                // order, which is how the SQLite search sorts a page found
                // by the reversed texts.
                found.sort_unstable();
                items.extend(
                    found
                        .into_iter()
                        .map(|(_, position)| texts.item(position as usize)),
                );
            }
            Access::All => items.extend((0..count.min(limit)).map(|position| texts.item(position))),
            Access::Contains(_) => return None,
        }
        Some(items)
    }
}

/// Returns the first position in `0..len` for which `is_before` is false,
/// by binary search; `is_before` must hold for a prefix of the range only.
fn partition(len: usize, is_before: impl Fn(usize) -> bool) -> usize {
    let (mut low, mut high) = (0, len);
    while low < high {
        let middle = low + (high - low) / 2;
        if is_before(middle) {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    low
}
