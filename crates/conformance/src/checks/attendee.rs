//! Fetch Attendee: strict responses, the AND rule, begins-with and case-insensitive matching, record limits, malformed requests.

mod semantics;

use protocol::limits::{MAX_RECORDS, attendee_request};
use protocol::{Attendee, AttendeeSearchRequest, AttendeeSearchResponse, AttendeeVersion};

use super::malformed::{self, Bodies};
use super::{Check, Context, Findings, exchange_of, response};
use crate::client::{Probe, Sent};
use crate::report::{Exchange, Finding};

pub(crate) const EXAMPLE: Check = Check {
    id: "attendee.example_request",
    rule: "The response to the documented example request (LastName Doe, Company Acme) is a 200 XML AttendeeSearchResponse in which every Attendee carries each element of the version once and in order, with ExternalID, FirstName and LastName non-empty and every field within its response length.",
};
pub(crate) const BROAD_SEARCH: Check = Check {
    id: "attendee.broad_search",
    rule: "A search with every field empty, or else a one-letter last name, returns attendees that pass the same strict validation; the checker takes a record from them for the checks below.",
};
pub(crate) const MATCHING_PAIR: Check = semantics::MATCHING_PAIR;
pub(crate) const MISMATCHED_PAIR: Check = semantics::MISMATCHED_PAIR;
pub(crate) const BEGINS_WITH: Check = semantics::BEGINS_WITH;
pub(crate) const CASE_INSENSITIVE: Check = semantics::CASE_INSENSITIVE;
pub(crate) const MAX_RECORDS_ONE: Check = Check {
    id: "attendee.max_records.one",
    rule: "MaximumNumberRecords 1 returns at most 1 attendee.",
};
pub(crate) const MAX_RECORDS_TWO: Check = Check {
    id: "attendee.max_records.two",
    rule: "MaximumNumberRecords 2 returns at most 2 attendees.",
};
pub(crate) const MAX_RECORDS_CAP: Check = Check {
    id: "attendee.max_records.cap",
    rule: "MaximumNumberRecords 1000 returns at most 100 attendees, the most a host shows.",
};

/// Checks that need a record found by the broad search.
const DATA_CHECKS: [Check; 7] = [
    MATCHING_PAIR,
    MISMATCHED_PAIR,
    BEGINS_WITH,
    CASE_INSENSITIVE,
    MAX_RECORDS_ONE,
    MAX_RECORDS_TWO,
    MAX_RECORDS_CAP,
];

/// Lists every check of this module, malformed requests included.
pub(crate) fn checks() -> Vec<Check> {
    let mut checks = vec![EXAMPLE, BROAD_SEARCH];
    checks.extend(DATA_CHECKS);
    checks.extend(malformed::ATTENDEE_CHECKS);
    checks
}

/// Login id sent as OwnerLoginID when none is configured, from the documented example.
const DEFAULT_OWNER: &str = "owner@example.com";

/// One-letter last names tried when an empty search finds nothing, in turn.
const BROAD_LAST_NAMES: [&str; 6] = ["a", "e", "s", "m", "r", "b"];

/// Search fields by element name, such as `("LastName", "Doe")`.
type Fields<'a> = [(&'a str, &'a str)];

/// A search as sent and the response after strict validation.
pub(crate) struct Searched {
    pub sent: Sent,
    pub response: Result<AttendeeSearchResponse, String>,
}

impl Searched {
    fn exchange(&self) -> Exchange {
        exchange_of(&self.sent)
    }
}

/// Sends Fetch Attendee searches to the configured path.
pub(crate) struct Searcher<'a> {
    context: &'a Context<'a>,
    version: AttendeeVersion,
}

impl<'a> Searcher<'a> {
    fn new(context: &'a Context<'a>) -> Self {
        Searcher {
            context,
            version: context.attendee_version,
        }
    }

    fn path(&self) -> &str {
        &self.context.config.attendee_path
    }

    /// Builds the request body a host sends for `fields` and `maximum`.
    fn body(&self, fields: &Fields<'_>, maximum: Option<u32>) -> Result<Vec<u8>, String> {
        let mut criteria = Attendee::empty(self.version);
        for (name, value) in fields {
            if let Some(field) = criteria.field_mut(name) {
                *field = (*value).to_owned();
            }
        }
        let owner = &self.context.config.owner_login_id;
        let request = AttendeeSearchRequest {
            criteria,
            owner_login_id: if owner.is_empty() {
                DEFAULT_OWNER.to_owned()
            } else {
                owner.clone()
            },
            maximum_number_records: maximum,
        };
        request
            .to_xml(self.version)
            .map_err(|error| format!("the request cannot be written: {error}"))
    }

    /// Returns the probe of a search, for the credential and load checks.
    fn probe(&self, fields: &Fields<'_>, maximum: Option<u32>) -> Result<Probe, String> {
        Ok(Probe::post_xml(self.path(), self.body(fields, maximum)?))
    }

    pub async fn search(
        &self,
        fields: &Fields<'_>,
        maximum: Option<u32>,
    ) -> Result<Searched, String> {
        let probe = self.probe(fields, maximum)?;
        let sent = self.context.client.send(&probe).await;
        let response = response::attendees(&sent, self.version);
        Ok(Searched { sent, response })
    }

    /// Sends a search, or records `check` as skipped when the request cannot be written.
    pub async fn search_or_skip(
        &self,
        findings: &mut Findings,
        check: Check,
        fields: &Fields<'_>,
        maximum: Option<u32>,
    ) -> Option<Searched> {
        match self.search(fields, maximum).await {
            Ok(searched) => Some(searched),
            Err(error) => {
                findings.push(check.skipped(error));
                None
            }
        }
    }
}

/// The example request's fields.
const EXAMPLE_FIELDS: [(&str, &str); 2] = [("LastName", "Doe"), ("Company", "Acme")];

/// Returns the documented example request, for the credential checks.
pub(crate) fn example_probe(context: &Context<'_>) -> Result<Probe, String> {
    Searcher::new(context).probe(&EXAMPLE_FIELDS, Some(25))
}

/// Runs the Fetch Attendee checks and returns the request the load run repeats.
pub(crate) async fn run(context: &Context<'_>, findings: &mut Findings) -> Option<Probe> {
    let searcher = Searcher::new(context);

    match searcher.search(&EXAMPLE_FIELDS, Some(25)).await {
        Err(error) => findings.push(EXAMPLE.fail(error)),
        Ok(searched) => findings.push(judge_valid(EXAMPLE, &searched)),
    }

    let broad = broad_search(&searcher, findings).await;
    match &broad {
        Some(broad) => {
            semantics::run(&searcher, findings, &broad.attendees).await;
            record_limits(&searcher, findings, &broad.fields()).await;
        }
        None => findings.skip_all(
            &DATA_CHECKS,
            "the broad search found no attendee to take values from",
        ),
    }

    run_malformed(&searcher, findings).await;

    match &broad {
        Some(broad) => searcher
            .probe(&broad.fields(), Some(MAX_RECORDS as u32))
            .ok(),
        None => example_probe(context).ok(),
    }
}

/// Records `check` as passed when the response is valid, failed otherwise.
fn judge_valid(check: Check, searched: &Searched) -> Finding {
    let finding = match &searched.response {
        Ok(response) => check.pass(format!(
            "valid response with {} attendee(s)",
            response.attendees.len()
        )),
        Err(error) => check.fail(error.clone()),
    };
    finding.with_exchanges([searched.exchange()])
}

/// Records found by the broad search, and the last name that found them.
struct Broad {
    last_name: &'static str,
    attendees: Vec<Attendee>,
}

impl Broad {
    fn fields(&self) -> Vec<(&'static str, &'static str)> {
        if self.last_name.is_empty() {
            Vec::new()
        } else {
            vec![("LastName", self.last_name)]
        }
    }
}

/// Searches with every field empty, then with one-letter last names, until attendees come back.
async fn broad_search(searcher: &Searcher<'_>, findings: &mut Findings) -> Option<Broad> {
    let candidates = std::iter::once("").chain(BROAD_LAST_NAMES);
    for last_name in candidates {
        let fields: Vec<(&str, &str)> = if last_name.is_empty() {
            Vec::new()
        } else {
            vec![("LastName", last_name)]
        };
        let searched = match searcher.search(&fields, Some(MAX_RECORDS as u32)).await {
            Ok(searched) => searched,
            Err(error) => {
                findings.push(BROAD_SEARCH.fail(error));
                return None;
            }
        };
        match &searched.response {
            Err(_) => {
                findings.push(judge_valid(BROAD_SEARCH, &searched));
                return None;
            }
            Ok(response) if !response.attendees.is_empty() => {
                let described = if last_name.is_empty() {
                    "every field empty".to_owned()
                } else {
                    format!("LastName \"{last_name}\"")
                };
                let finding = BROAD_SEARCH
                    .pass(format!(
                        "{} valid attendee(s) for {described}",
                        response.attendees.len()
                    ))
                    .with_exchanges([searched.exchange()]);
                findings.push(finding);
                return Some(Broad {
                    last_name,
                    attendees: response.attendees.clone(),
                });
            }
            Ok(_) => {}
        }
    }

    findings.push(BROAD_SEARCH.warn(format!(
        "no attendee found with every field empty or with the last names {}; the checks that need data are skipped",
        BROAD_LAST_NAMES.join(", ")
    )));
    None
}

/// Asks for 1, 2 and 1000 records with the broad search's fields.
async fn record_limits(searcher: &Searcher<'_>, findings: &mut Findings, fields: &Fields<'_>) {
    for (check, maximum, limit) in [
        (MAX_RECORDS_ONE, 1, 1),
        (MAX_RECORDS_TWO, 2, 2),
        (MAX_RECORDS_CAP, 1000, MAX_RECORDS),
    ] {
        let Some(searched) = searcher
            .search_or_skip(findings, check, fields, Some(maximum))
            .await
        else {
            continue;
        };
        let finding = match &searched.response {
            Err(error) => check.fail(error.clone()),
            Ok(response) if response.attendees.len() > limit => check.fail(format!(
                "{} attendees returned for MaximumNumberRecords {maximum}; at most {limit} allowed",
                response.attendees.len()
            )),
            Ok(response) => check.pass(format!(
                "{} attendee(s) returned for MaximumNumberRecords {maximum}",
                response.attendees.len()
            )),
        };
        findings.push(finding.with_exchanges([searched.exchange()]));
    }
}

async fn run_malformed(searcher: &Searcher<'_>, findings: &mut Findings) {
    let valid = match searcher.body(&EXAMPLE_FIELDS, Some(25)) {
        Ok(valid) => valid,
        Err(error) => {
            findings.skip_all(&malformed::ATTENDEE_CHECKS, &error);
            return;
        }
    };
    let over_long = "A".repeat(attendee_request::LAST_NAME + 1);
    let bodies = Bodies {
        wrong_root: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
                     <fetch-list-request><query>Doe*</query><search-by>TEXT</search-by></fetch-list-request>"
            .to_owned(),
        doctype: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
                  <!DOCTYPE AttendeeSearchRequest [<!ENTITY name \"Doe\">]>\
                  <AttendeeSearchRequest><Attendee><LastName>&name;</LastName>\
                  <MaximumNumberRecords>25</MaximumNumberRecords></Attendee></AttendeeSearchRequest>"
            .to_owned(),
        over_long_field: attendee_document(&format!("<LastName>{over_long}</LastName>"), "25"),
        negative_count: attendee_document("<LastName>Doe</LastName>", "-1"),
        valid,
    };
    malformed::run(
        searcher.context,
        findings,
        &malformed::ATTENDEE_CHECKS,
        searcher.path(),
        &bodies,
    )
    .await;
}

/// Writes a request by hand, for values the protocol writer rejects.
fn attendee_document(fields: &str, maximum: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <AttendeeSearchRequest><Attendee>{fields}\
         <MaximumNumberRecords>{maximum}</MaximumNumberRecords></Attendee></AttendeeSearchRequest>"
    )
}
