//! The attendee search rules that every store engine applies after its
//! index lookup: each criterion tested on each candidate, and the order of
//! the returned page.

use super::AttendeeQuery;
use super::pattern::{self, Pattern};
use protocol::Attendee;

/// Separator of the custom fields in their one column; a control character
/// that XML 1.0 text cannot carry, and that imports reject.
pub(crate) const CUSTOM_SEPARATOR: char = '\u{1f}';

/// Number of custom fields stored per attendee (the v2.0 count).
pub(crate) const CUSTOM_FIELDS: usize = 25;

/// One criterion tested on each candidate, with the value it reads.
struct Criterion {
    pattern: Pattern,
    field: fn(&Attendee) -> &str,
    custom_index: Option<usize>,
}

impl Criterion {
    fn matches(&self, attendee: &Attendee) -> bool {
        let value = match self.custom_index {
            Some(index) => attendee.custom.get(index).map(String::as_str).unwrap_or(""),
            None => (self.field)(attendee),
        };
        self.pattern.matches(&pattern::fold(value))
    }
}

/// The non-empty text criteria of a query, each a "begins with" pattern.
pub(crate) struct Criteria {
    criteria: Vec<Criterion>,
}

impl Criteria {
    pub fn new(query: &AttendeeQuery) -> Criteria {
        let fields: [(&str, fn(&Attendee) -> &str); 7] = [
            (&query.criteria.external_id, |a| &a.external_id),
            (&query.criteria.first_name, |a| &a.first_name),
            (&query.criteria.middle_initial, |a| &a.middle_initial),
            (&query.criteria.last_name, |a| &a.last_name),
            (&query.criteria.suffix, |a| &a.suffix),
            (&query.criteria.company, |a| &a.company),
            (&query.criteria.title, |a| &a.title),
        ];
        let mut criteria: Vec<Criterion> = fields
            .into_iter()
            .filter(|(value, _)| !value.is_empty())
            .map(|(value, field)| Criterion {
                pattern: Pattern::begins_with(value),
                field,
                custom_index: None,
            })
            .collect();
        for (index, value) in query.criteria.custom.iter().enumerate() {
            if !value.is_empty() {
                criteria.push(Criterion {
                    pattern: Pattern::begins_with(value),
                    field: |a| &a.external_id,
                    custom_index: Some(index),
                });
            }
        }
        Criteria { criteria }
    }

    /// Tells whether the attendee matches every criterion.
    pub fn matches(&self, attendee: &Attendee) -> bool {
        self.criteria.iter().all(|criterion| criterion.matches(attendee))
    }
}

/// Sorts found attendees by folded last name, folded first name and
/// ExternalID, and keeps `custom_field_count` custom fields of each.
pub(crate) fn into_page(mut found: Vec<Attendee>, custom_field_count: usize) -> Vec<Attendee> {
    // Folding allocates, so each attendee's key is folded once instead of at
    // every comparison.
    found.sort_by_cached_key(|attendee| {
        (
            pattern::fold(&attendee.last_name),
            pattern::fold(&attendee.first_name),
            attendee.external_id.clone(),
        )
    });
    for attendee in &mut found {
        attendee.custom.truncate(custom_field_count);
    }
    found
}
