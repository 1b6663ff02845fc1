//! The query forms of Fetch List, each built from a returned item's text:
//! `x*`, `*x`, `*x*`, exact, and `*`.

use protocol::FetchListRequest;
use protocol::limits::MAX_RECORDS;

use super::{Level, Searcher};
use crate::checks::{
    Check, Findings, begins_with_folded, contains_folded, ends_with_folded, quoted,
};
use crate::report::{Finding, Outcome};

pub(crate) const PREFIX: Check = Check {
    id: "list.wildcard.prefix",
    rule: "Query `x*` returns items whose text begins with x, the item x was taken from among them.",
};
pub(crate) const SUFFIX: Check = Check {
    id: "list.wildcard.suffix",
    rule: "Query `*x` returns items whose text ends with x, the item x was taken from among them.",
};
pub(crate) const CONTAINS: Check = Check {
    id: "list.wildcard.contains",
    rule: "Query `*x*` returns items whose text contains x, the item x was taken from among them (this project's reading; the published contract defines `*`, `x*` and `*x` only).",
};
pub(crate) const EXACT: Check = Check {
    id: "list.wildcard.exact",
    rule: "A query without `*` returns the items whose text equals it ignoring case, the item it was taken from among them (this project's reading; the published contract defines `*`, `x*` and `*x` only).",
};
pub(crate) const ALL: Check = Check {
    id: "list.wildcard.all",
    rule: "Query `*` returns every item under the parent: a superset of what each other form returned under the same parent.",
};

/// A query form, the fragment it is built from, and how results must relate to it.
struct Form {
    check: Check,
    query: String,
    fragment: String,
    matches: fn(&str, &str) -> bool,
    /// `Fail` for forms the published contract defines, `Warn` for this project's readings.
    severity: Outcome,
    relation: &'static str,
}

fn equals_folded(value: &str, query: &str) -> bool {
    value.to_lowercase() == query.to_lowercase()
}

/// Runs the five forms under `level`'s parent with fragments of one item's text.
pub(crate) async fn run(searcher: &Searcher<'_>, findings: &mut Findings, level: &Level) {
    let checks = [PREFIX, SUFFIX, CONTAINS, EXACT, ALL];
    let Some(source) = level
        .items
        .iter()
        .find(|item| item.text.chars().count() >= 2 && !item.text.contains('*'))
    else {
        findings.skip_all(
            &checks,
            "no item text has two characters or more without `*`",
        );
        return;
    };

    let (prefix, suffix, middle) = fragments(&source.text);
    let forms = [
        Form {
            check: PREFIX,
            query: format!("{prefix}*"),
            fragment: prefix,
            matches: begins_with_folded,
            severity: Outcome::Fail,
            relation: "begin with",
        },
        Form {
            check: SUFFIX,
            query: format!("*{suffix}"),
            fragment: suffix,
            matches: ends_with_folded,
            severity: Outcome::Fail,
            relation: "end with",
        },
        Form {
            check: CONTAINS,
            query: format!("*{middle}*"),
            fragment: middle,
            matches: contains_folded,
            severity: Outcome::Warn,
            relation: "contain",
        },
        Form {
            check: EXACT,
            query: source.text.clone(),
            fragment: source.text.clone(),
            matches: equals_folded,
            severity: Outcome::Warn,
            relation: "equal",
        },
    ];

    let mut returned_codes: Vec<String> = Vec::new();
    for form in &forms {
        let request = FetchListRequest {
            query: form.query.clone(),
            ..level.request.clone()
        };
        if let Some(codes) = run_form(searcher, findings, form, &request, &source.code).await {
            returned_codes.extend(codes);
        }
    }

    check_all(searcher, findings, level, &source.code, &returned_codes).await;
}

/// Sends one form and judges it; returns the codes it returned when valid.
async fn run_form(
    searcher: &Searcher<'_>,
    findings: &mut Findings,
    form: &Form,
    request: &FetchListRequest,
    source_code: &str,
) -> Option<Vec<String>> {
    let check = form.check;
    let searched = searcher.search_or_skip(findings, check, request).await?;
    let response = match &searched.response {
        Ok(response) => response,
        Err(error) => {
            findings.push(
                check
                    .fail(error.clone())
                    .with_exchanges([searched.exchange()]),
            );
            return None;
        }
    };

    let items = &response.items;
    let offender = items
        .iter()
        .find(|item| !(form.matches)(&item.text, &form.fragment));
    let found = items.iter().any(|item| item.code == source_code);
    let finding: Finding = if let Some(offender) = offender {
        check.finding(
            form.severity,
            format!(
                "query {} returned {} with text {}, which does not {} {}",
                quoted(&form.query),
                quoted(&offender.code),
                quoted(&offender.text),
                form.relation,
                quoted(&form.fragment)
            ),
        )
    } else if !found && items.len() >= MAX_RECORDS {
        check.skipped(format!(
            "inconclusive: query {} returned {} items, the most a response carries, without {}",
            quoted(&form.query),
            items.len(),
            quoted(source_code)
        ))
    } else if !found {
        check.finding(
            form.severity,
            format!(
                "query {} did not return {}, whose text {} it was built from",
                quoted(&form.query),
                quoted(source_code),
                quoted(&form.fragment)
            ),
        )
    } else {
        check.pass(format!(
            "query {} returned {} item(s), all matching, {} among them",
            quoted(&form.query),
            items.len(),
            quoted(source_code)
        ))
    };
    findings.push(finding.with_exchanges([searched.exchange()]));
    Some(items.iter().map(|item| item.code.clone()).collect())
}

/// Sends `*` under the same parent and checks it returned everything the other forms did.
async fn check_all(
    searcher: &Searcher<'_>,
    findings: &mut Findings,
    level: &Level,
    source_code: &str,
    returned_codes: &[String],
) {
    let Some(searched) = searcher.search_or_skip(findings, ALL, &level.request).await else {
        return;
    };
    let finding = match &searched.response {
        Err(error) => ALL.fail(error.clone()),
        Ok(response) => {
            let items = &response.items;
            let missing = std::iter::once(source_code)
                .chain(returned_codes.iter().map(String::as_str))
                .find(|code| !items.iter().any(|item| item.code == *code));
            match missing {
                Some(code) if items.len() >= MAX_RECORDS => ALL.skipped(format!(
                    "inconclusive: `*` returned {} items, the most a response carries, without {}",
                    items.len(),
                    quoted(code)
                )),
                Some(code) => ALL.fail(format!(
                    "`*` did not return {}, which another query under the same parent returned",
                    quoted(code)
                )),
                None => ALL.pass(format!(
                    "`*` returned {} item(s), every item the other forms returned among them",
                    items.len()
                )),
            }
        }
    };
    findings.push(finding.with_exchanges([searched.exchange()]));
}

/// Splits a text into a leading half, a trailing half and its middle.
/// Each piece loses its edge white space, because parsers strip it, and an
/// empty piece falls back to the whole text.
fn fragments(text: &str) -> (String, String, String) {
    let characters: Vec<char> = text.chars().collect();
    let count = characters.len();
    let piece = |range: std::ops::Range<usize>| -> String {
        let piece: String = characters[range].iter().collect();
        let trimmed = piece.trim();
        if trimmed.is_empty() {
            text.to_owned()
        } else {
            trimmed.to_owned()
        }
    };

    let prefix = piece(0..count.div_ceil(2));
    let suffix = piece(count / 2..count);
    let middle = if count >= 3 {
        piece(1..count - 1)
    } else {
        text.to_owned()
    };
    (prefix, suffix, middle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_of_city() {
        assert_eq!(
            fragments("San Jose"),
            ("San".to_owned(), "Jose".to_owned(), "an Jos".to_owned())
        );
    }

    #[test]
    fn fragments_of_two_characters() {
        assert_eq!(
            fragments("NY"),
            ("N".to_owned(), "Y".to_owned(), "NY".to_owned())
        );
    }
}
