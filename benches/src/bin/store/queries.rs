//! Query sets drawn from the data set: queries whose literal parts are taken
//! from existing values (so they find something), and the same queries with
//! one character replaced by `q` (so they find nothing).

use std::time::Duration;

use connector::store::{AttendeeQuery, ListQuery};
use protocol::{Attendee, SearchBy};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::dataset::{Dataset, LANG, LIST_NAME};

/// Whether the queries of a set are expected to find something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    Matches,
    NoMatch,
}

/// A latency target on the 99th percentile.
pub type Target = Option<Duration>;

/// Queries of one kind.
pub struct QuerySet<Q> {
    pub name: String,
    pub expect: Expect,
    pub target: Target,
    pub queries: Vec<Q>,
}

/// List query shapes, named after the pattern they send.
#[derive(Debug, Clone, Copy)]
enum ListShape {
    Prefix,
    Suffix,
    Contains,
    Exact,
    All,
}

/// Prefix and suffix searches must stay under this at the 99th percentile.
const PREFIX_SUFFIX_TARGET: Duration = Duration::from_micros(20);
/// "Contains" searches must stay under this at the 99th percentile.
const CONTAINS_TARGET: Duration = Duration::from_millis(3);

/// Shortest and longest literal of a prefix, suffix or contains query.
const LITERAL_LENGTHS: std::ops::RangeInclusive<usize> = 3..=5;

/// Builds the list query sets: `count` matching queries per shape and a
/// tenth as many non-matching ones per shape (none for `*`).
pub fn list_sets(dataset: &Dataset, count: usize, limit: usize, seed: u64) -> Vec<QuerySet<ListQuery>> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x4c49_5354);
    let shapes = [
        (ListShape::Prefix, "prefix `abc*`", Some(PREFIX_SUFFIX_TARGET)),
        (ListShape::Suffix, "suffix `*xyz`", Some(PREFIX_SUFFIX_TARGET)),
        (ListShape::Contains, "contains `*bcd*`", Some(CONTAINS_TARGET)),
        (ListShape::Exact, "exact text", None),
        (ListShape::All, "all `*`", None),
    ];
    let misses = (count / 10).max(1);
    let mut sets = Vec::new();
    for (shape, name, target) in shapes {
        let mut matching = Vec::with_capacity(count);
        let mut missing = Vec::with_capacity(misses);
        while matching.len() < count {
            let text = dataset.text(rng.random_range(0..dataset.rows));
            let Some((pattern, miss)) = list_pattern(&mut rng, shape, &text) else {
                continue;
            };
            matching.push(list_query(pattern, limit));
            if let Some(miss) = miss.filter(|_| missing.len() < misses) {
                missing.push(list_query(miss, limit));
            }
        }
        sets.push(QuerySet {
            name: name.to_owned(),
            expect: Expect::Matches,
            target,
            queries: matching,
        });
        if !missing.is_empty() {
            sets.push(QuerySet {
                name: format!("{name}, no match"),
                expect: Expect::NoMatch,
                target,
                queries: missing,
            });
        }
    }
    sets
}

/// Returns the matching pattern for `text` and its non-matching variant, or
/// `None` when the text is too short for the shape.
fn list_pattern(rng: &mut StdRng, shape: ListShape, text: &str) -> Option<(String, Option<String>)> {
    let characters: Vec<char> = text.chars().collect();
    let length = rng.random_range(LITERAL_LENGTHS);
    let literal: Vec<char> = match shape {
        ListShape::Prefix => characters.get(..length)?.to_vec(),
        ListShape::Suffix => characters.get(characters.len().checked_sub(length)?..)?.to_vec(),
        ListShape::Contains => {
            // Strictly inside the text, so that the query is not also a prefix or suffix.
            let last_start = characters.len().checked_sub(length + 1)?;
            if last_start < 1 {
                return None;
            }
            let start = rng.random_range(1..=last_start);
            characters[start..start + length].to_vec()
        }
        ListShape::Exact => characters.clone(),
        ListShape::All => return Some(("*".to_owned(), None)),
    };
    let wrap = |literal: &[char]| -> String {
        let literal: String = literal.iter().collect();
        match shape {
            ListShape::Prefix => format!("{literal}*"),
            ListShape::Suffix => format!("*{literal}"),
            ListShape::Contains => format!("*{literal}*"),
            ListShape::Exact | ListShape::All => literal,
        }
    };
    Some((wrap(&literal), Some(wrap(&without_match(&literal)))))
}

/// Replaces the middle character with `q`, which no generated text contains.
fn without_match(literal: &[char]) -> Vec<char> {
    let mut changed = literal.to_vec();
    let middle = changed.len() / 2;
    if let Some(character) = changed.get_mut(middle) {
        *character = 'q';
    }
    changed
}

fn list_query(pattern: String, limit: usize) -> ListQuery {
    ListQuery {
        list_name: LIST_NAME.to_owned(),
        parent_long_code: String::new(),
        query: pattern,
        search_by: SearchBy::Text,
        lang_code: LANG.to_owned(),
        limit,
    }
}

/// Attendee query shapes: which criteria are set.
#[derive(Debug, Clone, Copy)]
enum AttendeeShape {
    LastName,
    LastNameAndCompany,
    TypeAndLastName,
    FirstName,
}

/// Builds the attendee query sets: `count` matching queries per shape and a
/// tenth as many non-matching ones per shape.
pub fn attendee_sets(dataset: &Dataset, count: usize, limit: usize, seed: u64) -> Vec<QuerySet<AttendeeQuery>> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x4154_5445);
    let shapes = [
        (AttendeeShape::LastName, "last name `Abc`"),
        (AttendeeShape::LastNameAndCompany, "last name + company"),
        (AttendeeShape::TypeAndLastName, "type + last name"),
        (AttendeeShape::FirstName, "first name only"),
    ];
    let misses = (count / 10).max(1);
    let mut sets = Vec::new();
    for (shape, name) in shapes {
        let mut matching = Vec::with_capacity(count);
        let mut missing = Vec::with_capacity(misses);
        while matching.len() < count {
            let attendee = dataset.attendee(rng.random_range(0..dataset.rows));
            let Some(last_name) = beginning(&mut rng, &attendee.last_name) else { continue };
            let Some(first_name) = beginning(&mut rng, &attendee.first_name) else { continue };
            let Some(company) = beginning(&mut rng, &attendee.company) else { continue };
            let criteria = match shape {
                AttendeeShape::LastName => Attendee {
                    last_name,
                    ..Attendee::default()
                },
                AttendeeShape::LastNameAndCompany => Attendee {
                    last_name,
                    company,
                    ..Attendee::default()
                },
                AttendeeShape::TypeAndLastName => Attendee {
                    last_name,
                    attendee_type_code: attendee.attendee_type_code.clone(),
                    ..Attendee::default()
                },
                AttendeeShape::FirstName => Attendee {
                    first_name,
                    ..Attendee::default()
                },
            };
            if missing.len() < misses {
                missing.push(attendee_query(without_attendee_match(shape, &criteria), limit));
            }
            matching.push(attendee_query(criteria, limit));
        }
        sets.push(QuerySet {
            name: name.to_owned(),
            expect: Expect::Matches,
            target: None,
            queries: matching,
        });
        sets.push(QuerySet {
            name: format!("{name}, no match"),
            expect: Expect::NoMatch,
            target: None,
            queries: missing,
        });
    }
    sets
}

/// Returns the first three to five characters of a value, or `None` when it is shorter.
fn beginning(rng: &mut StdRng, value: &str) -> Option<String> {
    let length = rng.random_range(LITERAL_LENGTHS);
    let characters: Vec<char> = value.chars().collect();
    let length = length.min(characters.len());
    (length >= 3).then(|| characters[..length].iter().collect())
}

/// Breaks the last criterion of the shape, so that the index on the first
/// one still finds candidates that the last one then rejects.
fn without_attendee_match(shape: AttendeeShape, criteria: &Attendee) -> Attendee {
    let mut changed = criteria.clone();
    let spoil = |value: &str| -> String {
        let characters: Vec<char> = value.chars().collect();
        without_match(&characters).into_iter().collect()
    };
    match shape {
        AttendeeShape::LastName | AttendeeShape::TypeAndLastName => {
            changed.last_name = spoil(&criteria.last_name);
        }
        AttendeeShape::LastNameAndCompany => changed.company = spoil(&criteria.company),
        AttendeeShape::FirstName => changed.first_name = spoil(&criteria.first_name),
    }
    changed
}

fn attendee_query(criteria: Attendee, limit: usize) -> AttendeeQuery {
    AttendeeQuery {
        criteria,
        owner_login_id: None,
        limit,
        custom_field_count: 25,
    }
}
