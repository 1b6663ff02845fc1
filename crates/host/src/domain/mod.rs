//! The host's domain: accounts and permissions, registrations, services and their rules.

pub mod accounts;
pub mod callout_log;
pub mod fields;
pub mod launch_admin;
pub mod launch_fields;
pub mod registration;
pub mod registrations;
pub mod services;
pub mod verification;

pub use accounts::{Actor, Company, CompanyId, Edition, Role, User, UserId, company_domain};
pub use fields::{FieldError, FieldErrors, rules};
pub use registration::{
    AuditAction, AuditEntry, Registration, RegistrationId, TestConnectionResult, TestOutcome,
};
pub use registrations::{DomainError, RegistrationInput, Registrations};
pub use services::{
    ServiceConfig, ServiceInput, ServiceKind, ServiceSettings, ServiceSettingsInput,
};
pub use verification::Verification;
