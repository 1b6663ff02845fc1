//! The validation rules of the configuration, applied to one report or travel request.

use std::collections::BTreeMap;

use super::amount::Amount;
use super::object::{Entry, HostObject, is_filled};
use crate::config::{ListValueRule, ValidationConfig};
use crate::store::{Store, StoreError};

/// One broken rule, in words the employee can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleFailure {
    /// The entry the failure is about; `None` for the header.
    pub entry_id: Option<String>,
    /// Exception code, at most 32 characters as the host requires.
    pub code: &'static str,
    pub message: String,
}

/// Failure that stopped the rules from being applied at all.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The list named by `validation.list_value.list` is not imported, or the store failed.
    #[error("failed to look up a list value")]
    Store(#[from] StoreError),
    /// The host sent an amount that is not a decimal number.
    #[error("entry {entry_id} has the amount {amount:?}, which is not a decimal number")]
    InvalidAmount { entry_id: String, amount: String },
}

/// The configured rules, with amounts parsed.
#[derive(Debug, Clone)]
pub struct Rules {
    list_value: Option<ListValueRule>,
    amount_limits: BTreeMap<String, Amount>,
    required_report_fields: Vec<String>,
    required_entry_fields: Vec<String>,
}

impl Rules {
    /// Builds the rules of a validated configuration; returns `None` when
    /// an amount limit does not parse, which validation rules out.
    pub fn from_config(config: &ValidationConfig) -> Option<Rules> {
        let mut amount_limits = BTreeMap::new();
        for (expense_type, limit) in &config.amount_limits {
            amount_limits.insert(expense_type.clone(), Amount::parse(limit)?);
        }
        Some(Rules {
            list_value: config.list_value.clone(),
            amount_limits,
            required_report_fields: config.required_fields.report.clone(),
            required_entry_fields: config.required_fields.entry.clone(),
        })
    }

    /// Applies every rule to the object and returns the failures, header first,
    /// then entry by entry in the host's order.
    pub async fn check(
        &self,
        object: &HostObject,
        store: &dyn Store,
    ) -> Result<Vec<RuleFailure>, CheckError> {
        let mut failures = Vec::new();
        let kind = object_kind(object);
        for name in &self.required_report_fields {
            if !is_filled(&object.custom_fields, name) {
                failures.push(RuleFailure {
                    entry_id: None,
                    code: "FIELD_REQUIRED",
                    message: format!("The field {name} of the {kind} is empty, but it is required."),
                });
            }
        }

        for entry in &object.entries {
            if let Some(rule) = &self.list_value {
                failures.extend(check_list_value(rule, entry, store).await?);
            }
            failures.extend(self.check_amount(entry)?);
            for name in &self.required_entry_fields {
                if !is_filled(&entry.custom_fields, name) {
                    failures.push(entry_failure(
                        entry,
                        "FIELD_REQUIRED",
                        format!("the field {name} is empty, but it is required."),
                    ));
                }
            }
        }
        Ok(failures)
    }

    fn check_amount(&self, entry: &Entry) -> Result<Option<RuleFailure>, CheckError> {
        let Some(limit) = self.amount_limits.get(&entry.expense_type) else {
            return Ok(None);
        };
        let amount = Amount::parse(&entry.amount).ok_or_else(|| CheckError::InvalidAmount {
            entry_id: entry.id.clone(),
            amount: entry.amount.chars().take(40).collect(),
        })?;
        if amount <= *limit {
            return Ok(None);
        }
        Ok(Some(entry_failure(
            entry,
            "AMOUNT_OVER_LIMIT",
            format!(
                "the amount exceeds the limit of {limit} {} for {}.",
                entry.currency, entry.expense_type
            ),
        )))
    }
}

async fn check_list_value(
    rule: &ListValueRule,
    entry: &Entry,
    store: &dyn Store,
) -> Result<Option<RuleFailure>, CheckError> {
    let list = &rule.list;
    let Some(value) = &entry.list_item else {
        let failure = entry_failure(
            entry,
            "LIST_VALUE_MISSING",
            format!("a value from the list {list} is required."),
        );
        return Ok(rule.required.then_some(failure));
    };

    if store.list_item_exists(list, &value.code).await? {
        return Ok(None);
    }
    Ok(Some(entry_failure(
        entry,
        "LIST_VALUE_UNKNOWN",
        format!("the list value {} is not in the list {list}.", value.code),
    )))
}

fn entry_failure(entry: &Entry, code: &'static str, rest: String) -> RuleFailure {
    RuleFailure {
        entry_id: Some(entry.id.clone()),
        code,
        message: format!("{}: {rest}", entry.label()),
    }
}

/// Returns the employee's word for the object: report or travel request.
pub fn object_kind(object: &HostObject) -> &'static str {
    match object.object_type.as_str() {
        "TRAVELREQ" => "travel request",
        _ => "report",
    }
}
