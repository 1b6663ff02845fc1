//! Turning JSON request bodies into domain inputs, with one `422` entry per wrong field.

use connector::Secret;
use serde_json::{Map, Value};

use super::errors::ApiError;
use crate::domain::fields::{FieldErrors, rules};
use crate::domain::launch_fields::{LaunchFieldInput, launch_rules};
use crate::domain::services::{ConfiguredListInput, WorkflowStepInput};
use crate::domain::{RegistrationInput, ServiceInput, ServiceKind, ServiceSettingsInput};

/// Reads the members of one JSON object, recording wrong types and unknown members.
struct ObjectReader<'a> {
    object: &'a Map<String, Value>,
    /// Path of the object, such as `lists[2].`; empty at the top.
    prefix: String,
    known: Vec<&'static str>,
}

impl<'a> ObjectReader<'a> {
    fn new(value: &'a Value, prefix: &str, errors: &mut FieldErrors) -> Option<Self> {
        match value {
            Value::Object(object) => Some(ObjectReader {
                object,
                prefix: prefix.to_owned(),
                known: Vec::new(),
            }),
            _ => {
                let field = prefix.trim_end_matches('.');
                errors.push(
                    if field.is_empty() { "body" } else { field },
                    rules::MUST_BE_OBJECT,
                );
                None
            }
        }
    }

    fn field(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    fn member(&mut self, name: &'static str) -> Option<&'a Value> {
        self.known.push(name);
        self.object.get(name)
    }

    fn string(&mut self, name: &'static str, errors: &mut FieldErrors) -> Option<String> {
        match self.member(name)? {
            Value::String(text) => Some(text.clone()),
            _ => {
                errors.push(self.field(name), rules::MUST_BE_STRING);
                None
            }
        }
    }

    fn boolean(&mut self, name: &'static str, errors: &mut FieldErrors) -> Option<bool> {
        match self.member(name)? {
            Value::Bool(flag) => Some(*flag),
            _ => {
                errors.push(self.field(name), rules::MUST_BE_BOOLEAN);
                None
            }
        }
    }

    fn integer(&mut self, name: &'static str, errors: &mut FieldErrors) -> Option<i64> {
        self.integer_or(name, rules::CONNECTED_LIST_LEVEL, errors)
    }

    /// Reads a whole number, recording `rule` when the member is of another type.
    fn integer_or(
        &mut self,
        name: &'static str,
        rule: &'static str,
        errors: &mut FieldErrors,
    ) -> Option<i64> {
        let value = self.member(name)?;
        match value.as_i64() {
            Some(number) => Some(number),
            None => {
                errors.push(self.field(name), rule);
                None
            }
        }
    }

    fn array(&mut self, name: &'static str, errors: &mut FieldErrors) -> Option<&'a Vec<Value>> {
        match self.member(name)? {
            Value::Array(items) => Some(items),
            _ => {
                errors.push(self.field(name), rules::MUST_BE_ARRAY);
                None
            }
        }
    }

    /// Records every member that no reader asked for.
    fn finish(self, errors: &mut FieldErrors) {
        for name in self.object.keys() {
            if !self.known.contains(&name.as_str()) {
                errors.push(self.field(name), rules::UNKNOWN_FIELD);
            }
        }
    }
}

/// Reads `{"name", "description", "host_name", "user_name", "password"}`, every member optional.
pub(super) fn registration_input(body: &Value) -> Result<RegistrationInput, ApiError> {
    let mut errors = FieldErrors::default();
    let Some(mut reader) = ObjectReader::new(body, "", &mut errors) else {
        return Err(ApiError::Invalid(errors));
    };
    let input = RegistrationInput {
        name: reader.string("name", &mut errors),
        description: reader.string("description", &mut errors),
        host_name: reader.string("host_name", &mut errors),
        user_name: reader.string("user_name", &mut errors),
        password: reader.string("password", &mut errors).map(Secret::new),
    };
    reader.finish(&mut errors);
    errors.into_result(input).map_err(ApiError::Invalid)
}

/// Reads a service configuration: `enabled` (required), `endpoint_path`,
/// and the settings of the service named in the URL.
pub(super) fn service_input(kind: ServiceKind, body: &Value) -> Result<ServiceInput, ApiError> {
    let mut errors = FieldErrors::default();
    let Some(mut reader) = ObjectReader::new(body, "", &mut errors) else {
        return Err(ApiError::Invalid(errors));
    };
    let enabled = reader.boolean("enabled", &mut errors);
    if enabled.is_none() && !reader.object.contains_key("enabled") {
        errors.push("enabled", rules::REQUIRED);
    }
    let endpoint_path = reader.string("endpoint_path", &mut errors);

    let settings = match kind {
        ServiceKind::FetchAttendee => {
            let items = reader.array("attendee_types", &mut errors);
            let mut attendee_types = Vec::new();
            for (index, item) in items.into_iter().flatten().enumerate() {
                match item {
                    Value::String(code) => attendee_types.push(code.clone()),
                    _ => errors.push(format!("attendee_types[{index}]"), rules::MUST_BE_STRING),
                }
            }
            ServiceSettingsInput::FetchAttendee { attendee_types }
        }
        ServiceKind::FetchList => {
            let items = reader.array("lists", &mut errors);
            let lists = items
                .into_iter()
                .flatten()
                .enumerate()
                .filter_map(|(index, item)| configured_list(index, item, &mut errors))
                .collect();
            ServiceSettingsInput::FetchList { lists }
        }
        ServiceKind::EventNotification => {
            let items = reader.array("workflow_steps", &mut errors);
            let workflow_steps = items
                .into_iter()
                .flatten()
                .enumerate()
                .filter_map(|(index, item)| workflow_step(index, item, &mut errors))
                .collect();
            ServiceSettingsInput::EventNotification { workflow_steps }
        }
        ServiceKind::LaunchExternalUrl => ServiceSettingsInput::LaunchExternalUrl {
            version: reader.string("version", &mut errors),
            oauth_client_id: reader.string("oauth_client_id", &mut errors),
            redirect_url: reader.string("redirect_url", &mut errors),
        },
    };
    reader.finish(&mut errors);

    let input = ServiceInput {
        enabled: enabled.unwrap_or(false),
        endpoint_path,
        settings,
    };
    errors.into_result(input).map_err(ApiError::Invalid)
}

fn configured_list(
    index: usize,
    item: &Value,
    errors: &mut FieldErrors,
) -> Option<ConfiguredListInput> {
    let mut reader = ObjectReader::new(item, &format!("lists[{index}]."), errors)?;
    let list = ConfiguredListInput {
        list_name: reader.string("list_name", errors),
        category: reader.string("category", errors),
        language_code: reader.string("language_code", errors),
        connected_list_level: reader.integer("connected_list_level", errors),
    };
    reader.finish(errors);
    Some(list)
}

fn workflow_step(
    index: usize,
    item: &Value,
    errors: &mut FieldErrors,
) -> Option<WorkflowStepInput> {
    let mut reader = ObjectReader::new(item, &format!("workflow_steps[{index}]."), errors)?;
    let step = WorkflowStepInput {
        step: reader.string("step", errors),
        expense_reports: reader.boolean("expense_reports", errors).unwrap_or(false),
        travel_requests: reader.boolean("travel_requests", errors).unwrap_or(false),
    };
    reader.finish(errors);
    Some(step)
}

/// Reads a launch field: `registration_id`, `code`, `label`, `object_type`,
/// `multiline` (default false), `popup_width` and `popup_height`. A missing
/// member breaks the rule of its value, which the domain reports.
pub(super) fn launch_field_input(body: &Value) -> Result<LaunchFieldInput, ApiError> {
    let mut errors = FieldErrors::default();
    let Some(mut reader) = ObjectReader::new(body, "", &mut errors) else {
        return Err(ApiError::Invalid(errors));
    };
    let input = LaunchFieldInput {
        registration_id: reader.integer_or(
            "registration_id",
            launch_rules::REGISTRATION_UNKNOWN,
            &mut errors,
        ),
        code: reader.string("code", &mut errors).unwrap_or_default(),
        label: reader.string("label", &mut errors).unwrap_or_default(),
        object_type: reader
            .string("object_type", &mut errors)
            .unwrap_or_default(),
        multiline: reader.boolean("multiline", &mut errors).unwrap_or(false),
        popup_width: reader.integer_or("popup_width", launch_rules::POPUP_SIZE, &mut errors),
        popup_height: reader.integer_or("popup_height", launch_rules::POPUP_SIZE, &mut errors),
    };
    reader.finish(&mut errors);
    errors.into_result(input).map_err(ApiError::Invalid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(error: ApiError) -> Vec<(String, String)> {
        match error {
            ApiError::Invalid(errors) => errors
                .0
                .into_iter()
                .map(|error| (error.field, error.rule))
                .collect(),
            _ => Vec::new(),
        }
    }

    #[test]
    fn registration_number_name_is_rejected() {
        let error = registration_input(&json!({"name": 5})).unwrap_err();

        assert_eq!(
            fields(error),
            [("name".to_owned(), rules::MUST_BE_STRING.to_owned())]
        );
    }

    #[test]
    fn registration_unknown_field_is_named() {
        let error = registration_input(&json!({"name": "HR", "colour": "red"})).unwrap_err();

        assert_eq!(
            fields(error),
            [("colour".to_owned(), rules::UNKNOWN_FIELD.to_owned())]
        );
    }

    #[test]
    fn registration_array_body_is_rejected() {
        let error = registration_input(&json!([])).unwrap_err();

        assert_eq!(
            fields(error),
            [("body".to_owned(), rules::MUST_BE_OBJECT.to_owned())]
        );
    }

    #[test]
    fn service_without_enabled_is_rejected() {
        let error = service_input(ServiceKind::FetchAttendee, &json!({})).unwrap_err();

        assert_eq!(
            fields(error),
            [("enabled".to_owned(), rules::REQUIRED.to_owned())]
        );
    }

    #[test]
    fn service_list_member_path_is_named() {
        let body = json!({"enabled": false, "lists": [{"list_name": 1, "extra": true}]});

        let error = service_input(ServiceKind::FetchList, &body).unwrap_err();

        assert_eq!(
            fields(error),
            [
                (
                    "lists[0].list_name".to_owned(),
                    rules::MUST_BE_STRING.to_owned()
                ),
                ("lists[0].extra".to_owned(), rules::UNKNOWN_FIELD.to_owned())
            ]
        );
    }

    #[test]
    fn service_settings_of_other_kind_are_unknown() {
        let body = json!({"enabled": false, "attendee_types": []});

        let error = service_input(ServiceKind::FetchList, &body).unwrap_err();

        assert_eq!(
            fields(error),
            [("attendee_types".to_owned(), rules::UNKNOWN_FIELD.to_owned())]
        );
    }
}
