//! Search patterns shared by every store engine: case folding, the `*`
//! wildcard, and the index-friendly part of a pattern.

/// Version of the [`fold`] rules. Stores record the version their folded
/// copies were computed with and compute them again when it changes.
pub const FOLD_VERSION: u32 = 1;

/// Folds a value for case-insensitive comparison. Stores keep folded copies
/// of searchable columns, computed with this same function, so that the
/// database compares bytes and still matches without regard to case.
///
/// Each character is lowercased on its own, because `str::to_lowercase`
/// picks final sigma by context and so folds `ΑΣ*` and `ασ*` differently.
/// A few full case foldings follow Unicode CaseFolding.txt: final sigma
/// to sigma, and ß and ẞ to `ss`. Dotted capital I folds to `i`, as in
/// Turkish, so that `istanbul` finds `İstanbul`.
///
/// NOTE: other full foldings (ligatures such as `ﬁ`, `ŉ`) are not applied,
/// so those characters match only their own lowercase form.
pub fn fold(value: &str) -> String {
    let mut folded = String::with_capacity(value.len());
    for character in value.chars() {
        match character {
            'ς' => folded.push('σ'),
            'ß' | 'ẞ' => folded.push_str("ss"),
            'İ' => folded.push('i'),
            _ => folded.extend(character.to_lowercase()),
        }
    }
    folded
}

/// Reverses a folded value character by character; an index on the reversed
/// value turns an "ends with" search into a "begins with" range.
pub fn reverse(folded: &str) -> String {
    folded.chars().rev().collect()
}

/// A folded search value split at its `*` wildcards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    /// Literal segments between wildcards; a leading or trailing `*` leaves
    /// an empty first or last segment.
    segments: Vec<String>,
}

/// Index access path that finds the candidates of a pattern without a full scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access<'a> {
    /// No wildcard: the folded value equals this.
    Exact(&'a str),
    /// The folded value begins with this.
    Prefix(&'a str),
    /// The reversed folded value begins with this (already reversed).
    Suffix(String),
    /// The folded value contains this literal segment.
    Contains(&'a str),
    /// Only wildcards: every value matches.
    All,
}

impl Pattern {
    /// Builds the pattern of a raw search value; folding happens here.
    pub fn new(raw: &str) -> Pattern {
        let folded = fold(raw);
        Pattern {
            segments: folded.split('*').map(str::to_owned).collect(),
        }
    }

    /// Builds a "begins with" pattern: the value followed by an implicit `*`,
    /// as attendee fields are searched.
    pub fn begins_with(raw: &str) -> Pattern {
        let mut pattern = Pattern::new(raw);
        if pattern.segments.last().is_some_and(|last| !last.is_empty()) {
            pattern.segments.push(String::new());
        }
        pattern
    }

    fn has_wildcard(&self) -> bool {
        self.segments.len() > 1
    }

    /// Picks the most selective indexed access: a literal prefix first, then
    /// a literal suffix, then the longest inner segment.
    pub fn access(&self) -> Access<'_> {
        if !self.has_wildcard() {
            return Access::Exact(&self.segments[0]);
        }
        let first = &self.segments[0];
        if !first.is_empty() {
            return Access::Prefix(first);
        }
        let last = &self.segments[self.segments.len() - 1];
        if !last.is_empty() {
            return Access::Suffix(reverse(last));
        }
        match self.segments.iter().max_by_key(|segment| segment.chars().count()) {
            Some(longest) if !longest.is_empty() => Access::Contains(longest),
            _ => Access::All,
        }
    }

    /// Tells whether every value that [`Self::access`] finds matches the
    /// whole pattern, so that the caller need not test it with
    /// [`Self::matches`]. True for an exact value, for `x*` and `*x`, and for
    /// wildcards alone. A "contains" access is never exact, because the
    /// trigram index folds case by its own rules.
    pub fn access_is_exact(&self) -> bool {
        match self.segments.as_slice() {
            [_] => true,
            [first, last] => first.is_empty() || last.is_empty(),
            segments => segments.iter().all(String::is_empty),
        }
    }

    /// Returns the pattern as the operand of SQL `LIKE` with the escape
    /// character `\` (PostgreSQL's default): each `*` becomes `%`, and
    /// `%`, `_` and `\` in the literal segments are escaped. On folded values
    /// compared bytewise, it matches exactly what [`Self::matches`] matches.
    pub fn to_like(&self) -> String {
        let escaped: Vec<String> = self
            .segments
            .iter()
            .map(|segment| {
                let mut escaped = String::with_capacity(segment.len());
                for character in segment.chars() {
                    if matches!(character, '%' | '_' | '\\') {
                        escaped.push('\\');
                    }
                    escaped.push(character);
                }
                escaped
            })
            .collect();
        escaped.join("%")
    }

    /// Tests a folded value against the whole pattern.
    pub fn matches(&self, folded: &str) -> bool {
        let segments = &self.segments;
        if !self.has_wildcard() {
            return folded == segments[0];
        }
        let first = &segments[0];
        let last = &segments[segments.len() - 1];
        if folded.len() < first.len() + last.len() {
            return false;
        }
        if !folded.starts_with(first.as_str()) || !folded.ends_with(last.as_str()) {
            return false;
        }
        // Inner segments must appear in order between the fixed ends; a
        // greedy leftmost search is exact for `*`-only patterns.
        let mut rest = &folded[first.len()..folded.len() - last.len()];
        for segment in &segments[1..segments.len() - 1] {
            match rest.find(segment.as_str()) {
                Some(at) => rest = &rest[at + segment.len()..],
                None => return false,
            }
        }
        true
    }
}

/// Returns the smallest byte string greater than every string that begins
/// with `prefix`, for a range scan `prefix <= value < upper`. The result may
/// not be valid UTF-8, which is why stores bind it as raw text bytes; `None`
/// means no upper bound (an empty prefix).
pub fn prefix_upper_bound(prefix: &str) -> Option<Vec<u8>> {
    let mut bytes = prefix.as_bytes().to_vec();
    while let Some(last) = bytes.pop() {
        if last < u8::MAX {
            bytes.push(last + 1);
            return Some(bytes);
        }
    }
    None
}

/// Returns the smallest string greater than every string that begins with
/// `prefix` in code point order, which is also the byte order of UTF-8, for
/// a range scan `prefix <= value < upper` on a column that only accepts
/// valid UTF-8, such as PostgreSQL text. `None` means no upper bound: an
/// empty prefix, or one of `char::MAX` alone.
pub fn prefix_upper_bound_text(prefix: &str) -> Option<String> {
    let mut characters: Vec<char> = prefix.chars().collect();
    while let Some(last) = characters.pop() {
        // The next scalar value; after U+D7FF that skips the surrogates.
        if let Some(next) = (last as u32 + 1..=char::MAX as u32).find_map(char::from_u32) {
            characters.push(next);
            return Some(characters.into_iter().collect());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_exact_without_wildcard() {
        assert_eq!(Pattern::new("West").access(), Access::Exact("west"));
    }

    #[test]
    fn access_prefix_suffix_contains_all() {
        assert_eq!(Pattern::new("San*").access(), Access::Prefix("san"));
        assert_eq!(Pattern::new("*West").access(), Access::Suffix("tsew".into()));
        assert_eq!(Pattern::new("*ber*").access(), Access::Contains("ber"));
        assert_eq!(Pattern::new("*").access(), Access::All);
        assert_eq!(Pattern::new("**").access(), Access::All);
    }

    #[test]
    fn matches_each_form() {
        assert!(Pattern::new("San*").matches("san francisco"));
        assert!(!Pattern::new("San*").matches("pasadena"));
        assert!(Pattern::new("*West").matches("far west"));
        assert!(!Pattern::new("*West").matches("western"));
        assert!(Pattern::new("*ber*").matches("berlin"));
        assert!(Pattern::new("*ber*").matches("alberta"));
        assert!(Pattern::new("west").matches("west"));
        assert!(!Pattern::new("west").matches("western"));
        assert!(Pattern::new("s*n*o").matches("san francisco"));
        assert!(!Pattern::new("ab*ba").matches("aba"));
    }

    #[test]
    fn access_is_exact_for_single_literal_forms() {
        assert!(Pattern::new("West").access_is_exact());
        assert!(Pattern::new("San*").access_is_exact());
        assert!(Pattern::new("*West").access_is_exact());
        assert!(Pattern::new("*").access_is_exact());
        assert!(Pattern::new("**").access_is_exact());
    }

    #[test]
    fn access_is_not_exact_with_more_segments() {
        assert!(!Pattern::new("s*n").access_is_exact());
        assert!(!Pattern::new("*ber*").access_is_exact());
        assert!(!Pattern::new("s*n*").access_is_exact());
        assert!(!Pattern::new("*s*n").access_is_exact());
    }

    #[test]
    fn to_like_escapes_sql_wildcards() {
        assert_eq!(Pattern::new("S*n F*").to_like(), "s%n f%");
        assert_eq!(Pattern::new("*50%_off\\*").to_like(), "%50\\%\\_off\\\\%");
        assert_eq!(Pattern::begins_with("Doe").to_like(), "doe%");
        assert_eq!(Pattern::new("West").to_like(), "west");
    }

    #[test]
    fn begins_with_adds_trailing_wildcard() {
        let pattern = Pattern::begins_with("Sm*th");
        assert!(pattern.matches("smithers"));
        assert!(!pattern.matches("asmith"));
        assert_eq!(Pattern::begins_with("Doe").access(), Access::Prefix("doe"));
    }

    #[test]
    fn fold_is_case_insensitive_beyond_ascii() {
        assert_eq!(fold("ÉCOLE Zoë"), "école zoë");
    }

    #[test]
    fn fold_sigma_ignores_position() {
        assert_eq!(fold("ΑΣ*"), fold("ας*"));
        assert_eq!(fold("ΟΔΟΣ"), fold("οδοσ"));
    }

    #[test]
    fn fold_sharp_s_and_dotted_i() {
        assert_eq!(fold("Straße"), fold("STRASSE"));
        assert_eq!(fold("STRAẞE"), "strasse");
        assert_eq!(fold("İstanbul"), "istanbul");
    }

    #[test]
    fn upper_bound_orders_after_prefix() {
        let upper = prefix_upper_bound("sa").expect("bound");
        assert!(b"san francisco".as_slice() < upper.as_slice());
        assert!(b"sb".as_slice() >= upper.as_slice());
        assert_eq!(prefix_upper_bound(""), None);
    }

    #[test]
    fn text_upper_bound_orders_after_prefix() {
        let upper = prefix_upper_bound_text("sa").expect("bound");
        assert_eq!(upper, "sb");
        assert!("san francisco" < upper.as_str());
        assert_eq!(prefix_upper_bound_text(""), None);
    }

    #[test]
    fn text_upper_bound_stays_valid_text() {
        assert_eq!(prefix_upper_bound_text("a\u{d7ff}").as_deref(), Some("a\u{e000}"));
        assert_eq!(prefix_upper_bound_text("a\u{10ffff}").as_deref(), Some("b"));
        assert!("zoë" < prefix_upper_bound_text("zo").unwrap().as_str());
    }
}
