//! Fetch List: strict responses and codes, connected levels, wildcard forms, search by code, item limits, malformed requests.

mod wildcard;

use protocol::limits::{MAX_RECORDS, list_request};
use protocol::{FetchListRequest, FetchListResponse, ListItem, SearchBy};

use super::malformed::{self, Bodies};
use super::{Check, Context, Findings, exchange_of, quoted, response};
use crate::client::{Probe, Sent};
use crate::report::{Exchange, Finding};

pub(crate) const EXAMPLE: Check = Check {
    id: "list.example_request",
    rule: "The response to the documented connected-list example (long-code US-W-CA, short-code CA, query San*, search-by TEXT, code-by-level US, W, CA) is a 200 XML fetch-list-response whose items each carry code, short-code, text and match-value, with code equal to the request's long code, `-` and the item's short code.",
};
pub(crate) const FIRST_LEVEL: Check = Check {
    id: "list.first_level",
    rule: "Query `*` with an empty long-code returns valid first-level items, each with code equal to its short code.",
};
pub(crate) const CONNECTED_LEVELS: Check = Check {
    id: "list.connected_levels",
    rule: "Query `*` under an item (long-code its code, short-code its short code, code-by-level its codes) returns valid items whose code is that long code, `-` and their short code.",
};
pub(crate) const WILDCARD_ALL: Check = wildcard::ALL;
pub(crate) const WILDCARD_PREFIX: Check = wildcard::PREFIX;
pub(crate) const WILDCARD_SUFFIX: Check = wildcard::SUFFIX;
pub(crate) const WILDCARD_CONTAINS: Check = wildcard::CONTAINS;
pub(crate) const WILDCARD_EXACT: Check = wildcard::EXACT;
pub(crate) const SEARCH_BY_CODE: Check = Check {
    id: "list.search_by_code",
    rule: "search-by CODE is supported: an item's short code as the query finds that item, and every result's short code equals the query ignoring case.",
};
pub(crate) const NUM_TO_RETURN_ONE: Check = Check {
    id: "list.num_to_return.one",
    rule: "num-to-return 1 returns at most 1 item.",
};
pub(crate) const NUM_TO_RETURN_TWO: Check = Check {
    id: "list.num_to_return.two",
    rule: "num-to-return 2 returns at most 2 items.",
};
pub(crate) const NUM_TO_RETURN_CAP: Check = Check {
    id: "list.num_to_return.cap",
    rule: "num-to-return 1000 returns at most 100 items, the most a host shows.",
};

/// Checks that need items found by the first-level search.
const DATA_CHECKS: [Check; 10] = [
    CONNECTED_LEVELS,
    WILDCARD_PREFIX,
    WILDCARD_SUFFIX,
    WILDCARD_CONTAINS,
    WILDCARD_EXACT,
    WILDCARD_ALL,
    SEARCH_BY_CODE,
    NUM_TO_RETURN_ONE,
    NUM_TO_RETURN_TWO,
    NUM_TO_RETURN_CAP,
];

/// Lists every check of this module, malformed requests included.
pub(crate) fn checks() -> Vec<Check> {
    let mut checks = vec![EXAMPLE, FIRST_LEVEL];
    checks.extend(DATA_CHECKS);
    checks.extend(malformed::LIST_CHECKS);
    checks
}

/// Language code sent with every request.
const LANG_CODE: &str = "EN";

/// A list search as sent and the response after strict validation.
pub(crate) struct Searched {
    pub sent: Sent,
    pub response: Result<FetchListResponse, String>,
}

impl Searched {
    fn exchange(&self) -> Exchange {
        exchange_of(&self.sent)
    }
}

/// One level of a connected list: the `*` request under a parent and its items.
#[derive(Debug, Clone)]
pub(crate) struct Level {
    pub request: FetchListRequest,
    pub items: Vec<ListItem>,
}

/// Sends Fetch List requests to the configured path.
pub(crate) struct Searcher<'a> {
    context: &'a Context<'a>,
}

impl<'a> Searcher<'a> {
    fn path(&self) -> &str {
        &self.context.config.list_path
    }

    /// Builds a request under `long_code` as a host does.
    fn request(&self, long_code: &str, short_code: &str, query: &str) -> FetchListRequest {
        let code_by_level = if long_code.is_empty() {
            Vec::new()
        } else {
            long_code.split('-').map(str::to_owned).collect()
        };
        FetchListRequest {
            long_code: long_code.to_owned(),
            short_code: short_code.to_owned(),
            query: query.to_owned(),
            search_by: SearchBy::Text,
            lang_code: LANG_CODE.to_owned(),
            num_to_return: Some(MAX_RECORDS as u32),
            list_name: self.context.config.list_name.clone(),
            code_by_level,
            ..FetchListRequest::default()
        }
    }

    fn probe(&self, request: &FetchListRequest) -> Result<Probe, String> {
        let body = request
            .to_xml()
            .map_err(|error| format!("the request cannot be written: {error}"))?;
        Ok(Probe::post_xml(self.path(), body))
    }

    pub async fn search(&self, request: &FetchListRequest) -> Result<Searched, String> {
        let probe = self.probe(request)?;
        let sent = self.context.client.send(&probe).await;
        let response = response::list_items(&sent, request);
        Ok(Searched { sent, response })
    }

    /// Sends `request`, or records `check` as skipped when the request cannot be written.
    pub async fn search_or_skip(
        &self,
        findings: &mut Findings,
        check: Check,
        request: &FetchListRequest,
    ) -> Option<Searched> {
        match self.search(request).await {
            Ok(searched) => Some(searched),
            Err(error) => {
                findings.push(check.skipped(error));
                None
            }
        }
    }
}

/// Builds the documented example request.
fn example_request(searcher: &Searcher<'_>) -> FetchListRequest {
    FetchListRequest {
        query: "San*".to_owned(),
        num_to_return: Some(10),
        ..searcher.request("US-W-CA", "CA", "")
    }
}

/// Returns the documented example request, for the credential checks.
pub(crate) fn example_probe(context: &Context<'_>) -> Result<Probe, String> {
    let searcher = Searcher { context };
    searcher.probe(&example_request(&searcher))
}

/// Runs the Fetch List checks and returns the request the load run repeats.
pub(crate) async fn run(context: &Context<'_>, findings: &mut Findings) -> Option<Probe> {
    let searcher = Searcher { context };

    let example = example_request(&searcher);
    match searcher.search(&example).await {
        Err(error) => findings.push(EXAMPLE.fail(error)),
        Ok(searched) => findings.push(judge_valid(EXAMPLE, &searched)),
    }

    let levels = discover_levels(&searcher, findings).await;
    match levels.last() {
        Some(deepest) => {
            wildcard::run(&searcher, findings, deepest).await;
            search_by_code(&searcher, findings, deepest).await;
            item_limits(&searcher, findings, deepest).await;
        }
        None => findings.skip_all(
            &DATA_CHECKS[1..],
            "the first level returned no item to take values from",
        ),
    }

    run_malformed(&searcher, findings, &example).await;

    match levels.last() {
        Some(deepest) => searcher.probe(&deepest.request).ok(),
        None => searcher.probe(&example).ok(),
    }
}

fn judge_valid(check: Check, searched: &Searched) -> Finding {
    let finding = match &searched.response {
        Ok(response) => check.pass(format!(
            "valid response with {} item(s)",
            response.items.len()
        )),
        Err(error) => check.fail(error.clone()),
    };
    finding.with_exchanges([searched.exchange()])
}

/// Lists the first level, then descends through the first item of each
/// level while items come back. Returns the non-empty levels, first level first.
async fn discover_levels(searcher: &Searcher<'_>, findings: &mut Findings) -> Vec<Level> {
    let first = searcher.request("", "", "*");
    let searched = match searcher.search(&first).await {
        Ok(searched) => searched,
        Err(error) => {
            findings.push(FIRST_LEVEL.fail(error));
            findings.push(CONNECTED_LEVELS.skipped("the first level could not be listed"));
            return Vec::new();
        }
    };
    let items = match &searched.response {
        Err(_) => {
            findings.push(judge_valid(FIRST_LEVEL, &searched));
            findings.push(CONNECTED_LEVELS.skipped("the first level is invalid"));
            return Vec::new();
        }
        Ok(response) if response.items.is_empty() => {
            findings.push(
                FIRST_LEVEL
                    .warn("no first-level item; the checks that need data are skipped")
                    .with_exchanges([searched.exchange()]),
            );
            findings.push(CONNECTED_LEVELS.skipped("the first level is empty"));
            return Vec::new();
        }
        Ok(response) => response.items.clone(),
    };
    findings.push(judge_valid(FIRST_LEVEL, &searched));

    let mut levels = vec![Level {
        request: first,
        items,
    }];
    let mut last_exchange = None;
    while levels.len() < list_request::MAX_LEVELS {
        let Some(parent) = levels.last().and_then(|level| level.items.first()) else {
            break;
        };
        let request = searcher.request(&parent.code, &parent.short_code, "*");
        let searched = match searcher.search(&request).await {
            Ok(searched) => searched,
            // The parent's code has more levels than a request carries.
            Err(_) => break,
        };
        let exchange = searched.exchange();
        match searched.response {
            Err(error) => {
                findings.push(CONNECTED_LEVELS.fail(error).with_exchanges([exchange]));
                return levels;
            }
            Ok(response) if response.items.is_empty() => break,
            Ok(response) => {
                levels.push(Level {
                    request,
                    items: response.items,
                });
                last_exchange = Some(exchange);
            }
        }
    }

    let finding = match levels.last() {
        Some(deepest) if levels.len() > 1 => CONNECTED_LEVELS
            .pass(format!(
                "{} level(s) below the first, down to long code {}, all valid",
                levels.len() - 1,
                quoted(&deepest.request.long_code)
            ))
            .with_exchanges(last_exchange),
        _ => CONNECTED_LEVELS.skipped(format!(
            "no item under {}: the list has a single level",
            quoted(&levels[0].items[0].code)
        )),
    };
    findings.push(finding);
    levels
}

/// Searches an item's short code with search-by CODE.
async fn search_by_code(searcher: &Searcher<'_>, findings: &mut Findings, level: &Level) {
    let Some(source) = level
        .items
        .iter()
        .find(|item| !item.short_code.contains('*'))
    else {
        findings.push(SEARCH_BY_CODE.skipped("every short code contains `*`"));
        return;
    };
    let request = FetchListRequest {
        query: source.short_code.clone(),
        search_by: SearchBy::Code,
        ..level.request.clone()
    };
    let Some(searched) = searcher
        .search_or_skip(findings, SEARCH_BY_CODE, &request)
        .await
    else {
        return;
    };
    let finding = match &searched.response {
        Err(error) => SEARCH_BY_CODE.fail(error.clone()),
        Ok(response) => {
            let items = &response.items;
            let found = items.iter().any(|item| item.code == source.code);
            let offender = items
                .iter()
                .find(|item| item.short_code.to_lowercase() != source.short_code.to_lowercase());
            if !found && items.len() < MAX_RECORDS {
                SEARCH_BY_CODE.fail(format!(
                    "the item {} is missing for its own short code {}",
                    quoted(&source.code),
                    quoted(&source.short_code)
                ))
            } else if let Some(offender) = offender {
                SEARCH_BY_CODE.warn(format!(
                    "the item {} has short code {}, not {}",
                    quoted(&offender.code),
                    quoted(&offender.short_code),
                    quoted(&source.short_code)
                ))
            } else {
                SEARCH_BY_CODE.pass(format!(
                    "short code {} found the item {}",
                    quoted(&source.short_code),
                    quoted(&source.code)
                ))
            }
        }
    };
    findings.push(finding.with_exchanges([searched.exchange()]));
}

/// Asks for 1, 2 and 1000 items of `level`.
async fn item_limits(searcher: &Searcher<'_>, findings: &mut Findings, level: &Level) {
    for (check, requested, limit) in [
        (NUM_TO_RETURN_ONE, 1, 1),
        (NUM_TO_RETURN_TWO, 2, 2),
        (NUM_TO_RETURN_CAP, 1000, MAX_RECORDS),
    ] {
        let request = FetchListRequest {
            num_to_return: Some(requested),
            ..level.request.clone()
        };
        let Some(searched) = searcher.search_or_skip(findings, check, &request).await else {
            continue;
        };
        let finding = match &searched.response {
            Err(error) => check.fail(error.clone()),
            Ok(response) if response.items.len() > limit => check.fail(format!(
                "{} items returned for num-to-return {requested}; at most {limit} allowed",
                response.items.len()
            )),
            Ok(response) => check.pass(format!(
                "{} item(s) returned for num-to-return {requested}",
                response.items.len()
            )),
        };
        findings.push(finding.with_exchanges([searched.exchange()]));
    }
}

async fn run_malformed(
    searcher: &Searcher<'_>,
    findings: &mut Findings,
    example: &FetchListRequest,
) {
    let valid = match example.to_xml() {
        Ok(valid) => valid,
        Err(error) => {
            findings.skip_all(
                &malformed::LIST_CHECKS,
                &format!("the request cannot be written: {error}"),
            );
            return;
        }
    };
    let over_long = "A".repeat(list_request::QUERY + 1);
    let bodies = Bodies {
        wrong_root: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
                     <AttendeeSearchRequest><Attendee><LastName>Doe</LastName></Attendee></AttendeeSearchRequest>"
            .to_owned(),
        doctype: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
                  <!DOCTYPE fetch-list-request [<!ENTITY query \"*\">]>\
                  <fetch-list-request><query>&query;</query><search-by>TEXT</search-by></fetch-list-request>"
            .to_owned(),
        over_long_field: list_document(&over_long, "10"),
        negative_count: list_document("*", "-1"),
        valid,
    };
    malformed::run(
        searcher.context,
        findings,
        &malformed::LIST_CHECKS,
        searcher.path(),
        &bodies,
    )
    .await;
}

/// Writes a first-level request by hand, for values the protocol writer rejects.
fn list_document(query: &str, num_to_return: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <fetch-list-request><long-code/><short-code/><query>{query}</query>\
         <search-by>TEXT</search-by><lang-code>{LANG_CODE}</lang-code>\
         <num-to-return>{num_to_return}</num-to-return></fetch-list-request>"
    )
}
