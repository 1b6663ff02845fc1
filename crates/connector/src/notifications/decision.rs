//! The decision sent to the host once the rules have run.

use super::rules::RuleFailure;
use crate::config::FailureAction;

/// Maximum length of a send-back comment or exception message the host accepts, in characters.
pub const MAX_COMMENT_CHARS: usize = 2000;

/// Decision the worker sends to the host about one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Every rule passed.
    Approve,
    /// A rule failed: back to the employee with this comment.
    SendBack { comment: String },
    /// A rule failed: post these exceptions, then approve.
    Exceptions { failures: Vec<RuleFailure> },
}

impl Decision {
    /// Chooses the decision for the failures found in a `kind` ("report" or "travel request").
    pub fn choose(failures: Vec<RuleFailure>, action: FailureAction, kind: &str) -> Decision {
        if failures.is_empty() {
            return Decision::Approve;
        }
        match action {
            FailureAction::SendBack => Decision::SendBack {
                comment: send_back_comment(kind, &failures),
            },
            FailureAction::Exceptions => Decision::Exceptions { failures },
        }
    }

    /// Returns the name stored with a done notification.
    pub fn label(&self) -> &'static str {
        match self {
            Decision::Approve => "approve",
            Decision::SendBack { .. } => "send_back",
            Decision::Exceptions { .. } => "exceptions",
        }
    }
}

/// Writes one line per failure under a heading, within [`MAX_COMMENT_CHARS`];
/// failures that do not fit are counted in a last line.
pub fn send_back_comment(kind: &str, failures: &[RuleFailure]) -> String {
    let mut comment = format!("The {kind} did not pass validation:");
    // Room for the last line, which counts what did not fit.
    let reserve = 40;
    for (index, failure) in failures.iter().enumerate() {
        let line = format!("\n- {}", failure.message);
        let used = comment.chars().count() + line.chars().count();
        if used + reserve > MAX_COMMENT_CHARS {
            let left = failures.len() - index;
            comment.push_str(&format!("\n- and {left} more problems"));
            return comment;
        }
        comment.push_str(&line);
    }
    comment
}

/// Cuts a message to [`MAX_COMMENT_CHARS`] characters.
pub fn bounded_message(message: &str) -> String {
    message.chars().take(MAX_COMMENT_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(message: &str) -> RuleFailure {
        RuleFailure {
            entry_id: Some("7".to_owned()),
            code: "FIELD_REQUIRED",
            message: message.to_owned(),
        }
    }

    #[test]
    fn choose_without_failures_approves() {
        let decision = Decision::choose(Vec::new(), FailureAction::SendBack, "report");

        assert_eq!(decision, Decision::Approve);
    }

    #[test]
    fn comment_lists_each_failure() {
        let comment = send_back_comment("report", &[failure("first problem"), failure("second problem")]);

        assert_eq!(
            comment,
            "The report did not pass validation:\n- first problem\n- second problem"
        );
    }

    #[test]
    fn comment_stays_within_host_limit() {
        let failures: Vec<_> = (0..100).map(|_| failure(&"x".repeat(100))).collect();

        let comment = send_back_comment("report", &failures);

        assert!(comment.chars().count() <= MAX_COMMENT_CHARS, "{}", comment.len());
        assert!(comment.ends_with("more problems"), "{comment}");
    }
}
