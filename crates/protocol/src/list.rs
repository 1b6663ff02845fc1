//! Fetch List: `fetch-list-request` and `fetch-list-response`.

mod request;
mod response;

/// Which item attribute a list query applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SearchBy {
    #[default]
    Text,
    Code,
}

impl SearchBy {
    /// Returns the value as the request carries it: `TEXT` or `CODE`.
    pub fn as_str(self) -> &'static str {
        match self {
            SearchBy::Text => "TEXT",
            SearchBy::Code => "CODE",
        }
    }

    /// Reads `TEXT` or `CODE` in any letter case; other values give `None`.
    pub fn from_name(value: &str) -> Option<SearchBy> {
        if value.eq_ignore_ascii_case("TEXT") {
            Some(SearchBy::Text)
        } else if value.eq_ignore_ascii_case("CODE") {
            Some(SearchBy::Code)
        } else {
            None
        }
    }
}

/// List query sent by the host.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchListRequest {
    /// Parent item keys joined by `-`; empty for the first level.
    pub long_code: String,
    /// Key of the parent item; empty for the first level.
    pub short_code: String,
    /// Search text, possibly with `*` wildcards.
    pub query: String,
    pub search_by: SearchBy,
    /// Language code of the user, for example `EN`.
    pub lang_code: String,
    /// The most items to return; `None` when the element is empty or absent.
    pub num_to_return: Option<u32>,
    /// Platform-internal values the connector ignores (list-name may still
    /// pick the list); kept so the host can send them.
    pub protected_list_key: String,
    pub list_name: String,
    pub connector_version: String,
    pub config_options: String,
    /// Codes chosen at each level of a connected list: level1, level2, …
    pub code_by_level: Vec<String>,
}

/// One list item in a response.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListItem {
    /// The request's long code joined to `short_code` with `-`.
    pub code: String,
    pub short_code: String,
    pub text: String,
    /// The value the query matched.
    pub match_value: String,
}

/// List response returned by the connector.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchListResponse {
    pub items: Vec<ListItem>,
}
