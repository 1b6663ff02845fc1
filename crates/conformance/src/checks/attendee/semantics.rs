//! Search semantics probed with values of a record the connector returned:
//! the AND rule, begins-with and case-insensitive matching.

use protocol::Attendee;
use protocol::limits::MAX_RECORDS;

use super::{Searched, Searcher};
use crate::checks::{Check, Findings, begins_with_folded, contains_folded, quoted, swap_case};
use crate::report::Finding;

pub(crate) const MATCHING_PAIR: Check = Check {
    id: "attendee.and_rule.matching_pair",
    rule: "A search on a record's last name and company (its first name when the company is empty) returns that record, and every result matches both fields: fields combine with AND, never OR.",
};
pub(crate) const MISMATCHED_PAIR: Check = Check {
    id: "attendee.and_rule.mismatched_pair",
    rule: "A search on a record's last name and a company value that no returned record contains returns no result with another company: fields combine with AND, never OR.",
};
pub(crate) const BEGINS_WITH: Check = Check {
    id: "attendee.begins_with",
    rule: "A prefix of a last name finds every record the full value finds, and each result's last name begins with the prefix (this project's begins-with matching; the published contract requires only AND).",
};
pub(crate) const CASE_INSENSITIVE: Check = Check {
    id: "attendee.case_insensitive",
    rule: "A last name with the case of its letters swapped still finds the record (this project's case-insensitive matching; the published contract requires only AND).",
};

/// Values that are unlikely in real data; the first one no returned record
/// contains serves as "a company nobody has".
const ABSENT_VALUES: [&str; 5] = ["Zqxv", "Qzvx", "Xjqz", "Vqzj", "Jzxq"];

/// The record the values come from, and the field paired with its last name.
struct Seed<'a> {
    attendee: &'a Attendee,
    /// `Company`, or `FirstName` when the company is empty.
    second_element: &'static str,
}

impl Seed<'_> {
    fn second_value(&self) -> &str {
        self.attendee.field(self.second_element).unwrap_or_default()
    }
}

/// Runs the four semantic checks with a record from `attendees`.
pub(crate) async fn run(searcher: &Searcher<'_>, findings: &mut Findings, attendees: &[Attendee]) {
    let Some(seed) = choose_seed(attendees) else {
        findings.skip_all(
            &[
                MATCHING_PAIR,
                MISMATCHED_PAIR,
                BEGINS_WITH,
                CASE_INSENSITIVE,
            ],
            "every returned last name contains `*`, which a search reads as a wildcard",
        );
        return;
    };

    let matching_ids = matching_pair(searcher, findings, &seed).await;
    mismatched_pair(searcher, findings, &seed, attendees).await;
    begins_with(searcher, findings, &seed, matching_ids.as_deref()).await;
    case_insensitive(searcher, findings, &seed).await;
}

/// Picks the first record whose values a search can carry literally.
fn choose_seed(attendees: &[Attendee]) -> Option<Seed<'_>> {
    let attendee = attendees
        .iter()
        .find(|attendee| !attendee.last_name.contains('*') && !attendee.first_name.contains('*'))?;
    let second_element = if attendee.company.is_empty() || attendee.company.contains('*') {
        "FirstName"
    } else {
        "Company"
    };
    Some(Seed {
        attendee,
        second_element,
    })
}

/// Searches on the seed's last name and second field; returns the ExternalIDs found.
async fn matching_pair(
    searcher: &Searcher<'_>,
    findings: &mut Findings,
    seed: &Seed<'_>,
) -> Option<Vec<String>> {
    let last_name = seed.attendee.last_name.as_str();
    let second = seed.second_value();
    let fields = [("LastName", last_name), (seed.second_element, second)];
    let searched = searcher
        .search_or_skip(findings, MATCHING_PAIR, &fields, Some(MAX_RECORDS as u32))
        .await?;
    let Ok(response) = &searched.response else {
        findings.push(invalid(MATCHING_PAIR, &searched));
        return None;
    };

    let results = &response.attendees;
    // Contains, not begins-with: a connector that matches anywhere in a
    // value still keeps the AND rule, and begins-with has its own check.
    let offender = results.iter().find(|result| {
        !contains_folded(&result.last_name, last_name)
            || !contains_folded(
                result.field(seed.second_element).unwrap_or_default(),
                second,
            )
    });
    let finding = if let Some(offender) = offender {
        MATCHING_PAIR.fail(format!(
            "{} returned for LastName {} and {} {}: the connector combined the fields with OR",
            describe(offender, seed.second_element),
            quoted(last_name),
            seed.second_element,
            quoted(second)
        ))
    } else if !contains_record(results, seed.attendee) {
        missing_record(MATCHING_PAIR, seed.attendee, results.len(), true)
    } else {
        MATCHING_PAIR.pass(format!(
            "{} result(s), the record {} among them, all match both fields",
            results.len(),
            quoted(&seed.attendee.external_id)
        ))
    };
    findings.push(finding.with_exchanges([searched.exchange()]));
    Some(
        results
            .iter()
            .map(|result| result.external_id.clone())
            .collect(),
    )
}

/// Searches on the seed's last name and a second value no record contains.
async fn mismatched_pair(
    searcher: &Searcher<'_>,
    findings: &mut Findings,
    seed: &Seed<'_>,
    attendees: &[Attendee],
) {
    let element = seed.second_element;
    let absent = ABSENT_VALUES.iter().copied().find(|candidate| {
        attendees.iter().all(|attendee| {
            !contains_folded(attendee.field(element).unwrap_or_default(), candidate)
        })
    });
    let Some(absent) = absent else {
        findings.push(MISMATCHED_PAIR.skipped(format!(
            "every candidate value ({}) occurs in a returned {element}",
            ABSENT_VALUES.join(", ")
        )));
        return;
    };

    let last_name = seed.attendee.last_name.as_str();
    let fields = [("LastName", last_name), (element, absent)];
    let Some(searched) = searcher
        .search_or_skip(findings, MISMATCHED_PAIR, &fields, Some(MAX_RECORDS as u32))
        .await
    else {
        return;
    };
    let Ok(response) = &searched.response else {
        findings.push(invalid(MISMATCHED_PAIR, &searched));
        return;
    };

    let offender = response
        .attendees
        .iter()
        .find(|result| !contains_folded(result.field(element).unwrap_or_default(), absent));
    let finding = match offender {
        Some(offender) => MISMATCHED_PAIR.fail(format!(
            "{} returned for LastName {} and {element} {}: the connector combined the fields with OR",
            describe(offender, element),
            quoted(last_name),
            quoted(absent)
        )),
        None => MISMATCHED_PAIR.pass(format!(
            "{} result(s), none with another {element}",
            response.attendees.len()
        )),
    };
    findings.push(finding.with_exchanges([searched.exchange()]));
}

/// Searches on a prefix of the seed's last name.
async fn begins_with(
    searcher: &Searcher<'_>,
    findings: &mut Findings,
    seed: &Seed<'_>,
    matching_ids: Option<&[String]>,
) {
    let last_name = seed.attendee.last_name.as_str();
    let Some(prefix) = prefix_of(last_name) else {
        findings.push(BEGINS_WITH.skipped(format!(
            "the last name {} has no shorter prefix",
            quoted(last_name)
        )));
        return;
    };

    let fields = [("LastName", prefix.as_str())];
    let Some(searched) = searcher
        .search_or_skip(findings, BEGINS_WITH, &fields, Some(MAX_RECORDS as u32))
        .await
    else {
        return;
    };
    let Ok(response) = &searched.response else {
        findings.push(invalid(BEGINS_WITH, &searched));
        return;
    };

    let results = &response.attendees;
    let truncated = results.len() >= MAX_RECORDS;
    let offender = results
        .iter()
        .find(|result| !begins_with_folded(&result.last_name, &prefix));
    let lost = matching_ids
        .unwrap_or_default()
        .iter()
        .find(|id| !results.iter().any(|result| &result.external_id == *id));

    let finding = if let Some(offender) = offender {
        BEGINS_WITH.warn(format!(
            "the result {} has LastName {}, which does not begin with {}",
            quoted(&offender.external_id),
            quoted(&offender.last_name),
            quoted(&prefix)
        ))
    } else if truncated && (lost.is_some() || !contains_record(results, seed.attendee)) {
        BEGINS_WITH.skipped(format!(
            "inconclusive: {} results for the prefix {}, the most a response carries, without every record of the full last name",
            results.len(),
            quoted(&prefix)
        ))
    } else if let Some(lost) = lost {
        BEGINS_WITH.warn(format!(
            "the record {} found by the full last name is missing for the prefix {}",
            quoted(lost),
            quoted(&prefix)
        ))
    } else if !contains_record(results, seed.attendee) {
        missing_record(BEGINS_WITH, seed.attendee, results.len(), false)
    } else {
        BEGINS_WITH.pass(format!(
            "{} result(s) for the prefix {}, all beginning with it, the record {} among them",
            results.len(),
            quoted(&prefix),
            quoted(&seed.attendee.external_id)
        ))
    };
    findings.push(finding.with_exchanges([searched.exchange()]));
}

/// Searches on the seed's last name with its letters' case swapped.
async fn case_insensitive(searcher: &Searcher<'_>, findings: &mut Findings, seed: &Seed<'_>) {
    let last_name = seed.attendee.last_name.as_str();
    let swapped = swap_case(last_name);
    if swapped == last_name {
        findings.push(CASE_INSENSITIVE.skipped(format!(
            "the last name {} has no letter with case",
            quoted(last_name)
        )));
        return;
    }

    let fields = [("LastName", swapped.as_str())];
    let Some(searched) = searcher
        .search_or_skip(
            findings,
            CASE_INSENSITIVE,
            &fields,
            Some(MAX_RECORDS as u32),
        )
        .await
    else {
        return;
    };
    let Ok(response) = &searched.response else {
        findings.push(invalid(CASE_INSENSITIVE, &searched));
        return;
    };

    let results = &response.attendees;
    let finding = if contains_record(results, seed.attendee) {
        CASE_INSENSITIVE.pass(format!(
            "LastName {} found the record {}",
            quoted(&swapped),
            quoted(&seed.attendee.external_id)
        ))
    } else if results.len() >= MAX_RECORDS {
        CASE_INSENSITIVE.skipped(format!(
            "inconclusive: {} results for {}, the most a response carries, without the record",
            results.len(),
            quoted(&swapped)
        ))
    } else {
        missing_record(CASE_INSENSITIVE, seed.attendee, results.len(), false)
    };
    findings.push(finding.with_exchanges([searched.exchange()]));
}

fn invalid(check: Check, searched: &Searched) -> Finding {
    let error = searched
        .response
        .as_ref()
        .err()
        .cloned()
        .unwrap_or_default();
    check.fail(error).with_exchanges([searched.exchange()])
}

/// Records a missing seed record: a failure for the AND checks, a warning
/// for the matching conventions.
fn missing_record(check: Check, record: &Attendee, count: usize, is_failure: bool) -> Finding {
    let message = format!(
        "the record {} whose values were searched is not among the {count} result(s)",
        quoted(&record.external_id)
    );
    if count >= MAX_RECORDS {
        return check.skipped(format!(
            "inconclusive: {message}, the most a response carries"
        ));
    }
    if is_failure {
        check.fail(message)
    } else {
        check.warn(message)
    }
}

fn contains_record(results: &[Attendee], record: &Attendee) -> bool {
    results
        .iter()
        .any(|result| result.external_id == record.external_id)
}

fn describe(attendee: &Attendee, element: &str) -> String {
    format!(
        "the record {} (LastName {}, {element} {})",
        quoted(&attendee.external_id),
        quoted(&attendee.last_name),
        quoted(attendee.field(element).unwrap_or_default())
    )
}

/// Returns the first half of `value`, at least one character, without
/// trailing white space (which a parser may strip); `None` when no shorter
/// prefix exists.
fn prefix_of(value: &str) -> Option<String> {
    let count = value.chars().count();
    if count < 2 {
        return None;
    }
    let prefix: String = value.chars().take(count.div_ceil(2)).collect();
    let prefix = prefix.trim_end().to_owned();
    (!prefix.is_empty() && prefix.chars().count() < count).then_some(prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_of_takes_first_half() {
        assert_eq!(prefix_of("Manyson").as_deref(), Some("Many"));
    }

    #[test]
    fn prefix_of_single_character_is_none() {
        assert_eq!(prefix_of("X"), None);
    }

    #[test]
    fn prefix_of_drops_trailing_space() {
        assert_eq!(prefix_of("Van Dyke").as_deref(), Some("Van"));
    }
}
