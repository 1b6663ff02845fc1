//! Search results as the entry page and the JSON endpoints show them.

use protocol::{ATTENDEE_ELEMENTS, Attendee, ListItem};
use serde::Serialize;

use crate::dispatch::{AttendeeResults, ListResults};

/// Shown under results when the connector found more than one search shows.
const REFINE_SEARCH: &str = "More results were found than are shown. Refine your search.";

/// Shown when a list search found nothing.
const NO_ITEMS: &str = "No items match.";

/// Shown when an attendee search found no attendee.
const NO_ATTENDEES: &str = "No attendees match.";

/// Returns the note shown under results: none found, more found than shown, or nothing.
fn results_note(count: usize, refine_search: bool, none_found: &str) -> Option<String> {
    if count == 0 {
        Some(none_found.to_owned())
    } else if refine_search {
        Some(REFINE_SEARCH.to_owned())
    } else {
        None
    }
}

/// Returns the sentence shown when a search callout failed.
pub(crate) fn failure_text(user_message: &str) -> String {
    format!("The search failed: {user_message}.")
}

/// One list item offered at a level.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ItemView {
    pub short_code: String,
    /// The item's long code: the codes of its parents and its own, joined by `-`.
    pub code: String,
    pub text: String,
}

impl From<ListItem> for ItemView {
    fn from(item: ListItem) -> Self {
        ItemView {
            short_code: item.short_code,
            code: item.code,
            text: item.text,
        }
    }
}

/// The items a list search found at one level.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ListResultsView {
    pub level: usize,
    pub items: Vec<ItemView>,
    pub refine_search: bool,
    /// Note shown under the results, if any.
    pub message: Option<String>,
}

impl ListResultsView {
    pub(crate) fn new(level: usize, results: ListResults) -> Self {
        ListResultsView {
            level,
            message: results_note(results.items.len(), results.refine_search, NO_ITEMS),
            items: results.items.into_iter().map(ItemView::from).collect(),
            refine_search: results.refine_search,
        }
    }
}

/// One attendee found, with a cell per column of the table.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct AttendeeRowView {
    pub external_id: String,
    pub cells: Vec<String>,
}

/// The attendees a search found, as a table with a column for every
/// attendee field that is non-empty in at least one result.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct AttendeeTableView {
    pub attendee_type: String,
    pub columns: Vec<String>,
    pub rows: Vec<AttendeeRowView>,
    pub refine_search: bool,
    /// Note shown under the results, if any.
    pub message: Option<String>,
}

impl AttendeeTableView {
    pub(crate) fn new(attendee_type: &str, results: AttendeeResults) -> Self {
        let used: Vec<&str> = ATTENDEE_ELEMENTS
            .iter()
            .copied()
            .filter(|name| {
                results
                    .attendees
                    .iter()
                    .any(|attendee| !value(attendee, name).is_empty())
            })
            .collect();
        let rows = results
            .attendees
            .iter()
            .map(|attendee| AttendeeRowView {
                external_id: attendee.external_id.clone(),
                cells: used
                    .iter()
                    .map(|name| value(attendee, name).to_owned())
                    .collect(),
            })
            .collect();
        AttendeeTableView {
            attendee_type: attendee_type.trim().to_owned(),
            columns: used.into_iter().map(column_label).collect(),
            message: results_note(results.attendees.len(), results.refine_search, NO_ATTENDEES),
            rows,
            refine_search: results.refine_search,
        }
    }
}

fn value<'a>(attendee: &'a Attendee, name: &str) -> &'a str {
    attendee.field(name).unwrap_or_default()
}

/// Returns the column heading of an attendee element, such as `Last name` or `Custom 7`.
fn column_label(name: &str) -> String {
    let fixed = match name {
        "ExternalID" => "External ID",
        "FirstName" => "First name",
        "MiddleInitial" => "Middle initial",
        "LastName" => "Last name",
        "Suffix" => "Suffix",
        "Company" => "Company",
        "AttendeeTypeCode" => "Attendee type",
        "Title" => "Title",
        custom => {
            return match custom.strip_prefix("Custom") {
                Some(number) => format!("Custom {number}"),
                None => custom.to_owned(),
            };
        }
    };
    fixed.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attendee(external_id: &str, title: &str) -> Attendee {
        Attendee {
            external_id: external_id.to_owned(),
            first_name: "John".to_owned(),
            last_name: "Doe".to_owned(),
            title: title.to_owned(),
            ..Attendee::default()
        }
    }

    #[test]
    fn attendee_table_columns_of_non_empty_fields() {
        let results = AttendeeResults {
            attendees: vec![attendee("E1", ""), attendee("E2", "Dr")],
            refine_search: false,
        };

        let table = AttendeeTableView::new("BUSGUEST", results);

        assert_eq!(
            table.columns,
            ["External ID", "First name", "Last name", "Title"]
        );
        assert_eq!(table.rows[0].cells, ["E1", "John", "Doe", ""]);
    }

    #[test]
    fn custom_column_label() {
        assert_eq!(column_label("Custom21"), "Custom 21");
    }
}
