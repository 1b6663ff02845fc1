//! Companies, users, their roles, API tokens, and the rule of who may manage registrations.

use std::collections::BTreeSet;
use std::fmt;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use connector::Secret;
use rand::RngCore;
use time::OffsetDateTime;

use super::fields::{FieldErrors, parse_line, rules};
use crate::store::{HostStore, NewCompany, NewUser, StoreError};

/// Identifier of a company.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CompanyId(pub i64);

/// Identifier of a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UserId(pub i64);

/// Edition of a company, which decides which roles manage registrations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edition {
    Standard,
    Professional,
}

impl Edition {
    pub fn as_str(self) -> &'static str {
        match self {
            Edition::Standard => "standard",
            Edition::Professional => "professional",
        }
    }

    pub fn parse(text: &str) -> Option<Edition> {
        match text {
            "standard" => Some(Edition::Standard),
            "professional" => Some(Edition::Professional),
            _ => None,
        }
    }
}

/// A user's role; a user may hold several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Employee,
    /// Approves or sends back other employees' reports and travel requests
    /// in the `APPROVAL` step; it grants nothing else.
    Approver,
    CanAdminister,
    WebServicesAdministrator,
    CompanyAdministrator,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Employee,
        Role::Approver,
        Role::CanAdminister,
        Role::WebServicesAdministrator,
        Role::CompanyAdministrator,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Employee => "employee",
            Role::Approver => "approver",
            Role::CanAdminister => "can-administer",
            Role::WebServicesAdministrator => "web-services-administrator",
            Role::CompanyAdministrator => "company-administrator",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == text)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// A company of the platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Company {
    pub id: CompanyId,
    pub name: String,
    pub edition: Edition,
    pub development_partner: bool,
}

impl Company {
    /// Returns the company's domain, sent as `xcompanydomain` and
    /// `company_domain` in Launch External URL queries.
    pub fn domain(&self) -> String {
        company_domain(&self.name)
    }
}

/// Returns the domain of a company name: lowercased, each run of characters
/// other than a-z and 0-9 replaced by `-`, trimmed of `-`, followed by
/// `.example`, so "Demo Company" becomes `demo-company.example`.
pub fn company_domain(name: &str) -> String {
    let mut label = String::with_capacity(name.len());
    for character in name.to_lowercase().chars() {
        if character.is_ascii_lowercase() || character.is_ascii_digit() {
            label.push(character);
        } else if !label.ends_with('-') {
            label.push('-');
        }
    }
    format!("{}.example", label.trim_matches('-'))
}

/// A user of a company.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub company_id: CompanyId,
    pub login: String,
    pub roles: BTreeSet<Role>,
}

/// The authenticated user behind a request, with their company.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user: User,
    pub company: Company,
}

impl Actor {
    /// Returns whether this user may list, create, change and test registrations
    /// of their own company; see [`may_manage_registrations`].
    pub fn may_manage_registrations(&self) -> bool {
        may_manage_registrations(&self.company, &self.user.roles)
    }

    /// Returns whether this user has the employee role, which expense reports require.
    pub fn is_employee(&self) -> bool {
        self.user.roles.contains(&Role::Employee)
    }

    /// Returns whether this user has the approver role, which the approval step requires.
    pub fn is_approver(&self) -> bool {
        self.user.roles.contains(&Role::Approver)
    }
}

/// The permission rule: on Standard companies, Can Administer; on
/// Professional companies that are Development Partners, Web Services
/// Administrator or Company Administrator. No other role qualifies, and no
/// role at all on a Professional company that is not a Development Partner.
pub fn may_manage_registrations(company: &Company, roles: &BTreeSet<Role>) -> bool {
    match company.edition {
        Edition::Standard => roles.contains(&Role::CanAdminister),
        Edition::Professional => {
            company.development_partner
                && (roles.contains(&Role::WebServicesAdministrator)
                    || roles.contains(&Role::CompanyAdministrator))
        }
    }
}

/// Reason an account operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    #[error("a company named `{0}` already exists")]
    CompanyExists(String),
    #[error("no company named `{0}`")]
    CompanyNotFound(String),
    #[error("a user with login `{0}` already exists")]
    UserExists(String),
    #[error("no user with login `{0}`")]
    UserNotFound(String),
    #[error("failed to hash the password")]
    Hashing,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A company as entered.
#[derive(Debug, Clone)]
pub struct CompanyInput {
    pub name: String,
    pub edition: String,
    pub development_partner: bool,
}

/// A user as entered.
#[derive(Debug, Clone)]
pub struct UserInput {
    pub company_name: String,
    pub login: String,
    pub roles: Vec<String>,
    pub password: Secret,
}

/// Creates a company; names are unique.
pub async fn create_company(
    store: &dyn HostStore,
    input: &CompanyInput,
) -> Result<Company, AccountError> {
    let mut errors = FieldErrors::default();
    let name = errors.check(
        "name",
        parse_line(input.name.trim(), 1..=100, rules::NAME_LENGTH),
    );
    let edition = errors.check(
        "edition",
        Edition::parse(&input.edition).ok_or("must be standard or professional"),
    );
    let (Some(name), Some(edition)) = (name, edition) else {
        return Err(AccountError::Invalid(errors));
    };

    let company = NewCompany {
        name: name.clone(),
        edition,
        development_partner: input.development_partner,
        created_at: OffsetDateTime::now_utc(),
    };
    match store.insert_company(&company).await {
        Err(StoreError::Duplicate) => Err(AccountError::CompanyExists(name)),
        other => Ok(other?),
    }
}

/// Minimum and maximum length of a user's own password.
const USER_PASSWORD_LENGTHS: std::ops::RangeInclusive<usize> = 12..=128;

/// Creates a user of an existing company with at least one role. The
/// password is stored as an argon2id hash.
pub async fn create_user(store: &dyn HostStore, input: &UserInput) -> Result<User, AccountError> {
    let mut errors = FieldErrors::default();
    let login = errors.check("login", parse_login(&input.login));
    let mut roles = BTreeSet::new();
    for role in &input.roles {
        match Role::parse(role) {
            Some(role) => {
                roles.insert(role);
            }
            None => errors.push(
                "role",
                "must be employee, approver, can-administer, web-services-administrator or company-administrator",
            ),
        }
    }
    if input.roles.is_empty() {
        errors.push("role", rules::REQUIRED);
    }
    let password_length = input.password.expose().chars().count();
    if !USER_PASSWORD_LENGTHS.contains(&password_length) {
        errors.push("password", "must be 12 to 128 characters");
    }
    let Some(login) = login else {
        return Err(AccountError::Invalid(errors));
    };
    if !errors.is_empty() {
        return Err(AccountError::Invalid(errors));
    }

    let company_name = input.company_name.trim();
    let company = store
        .company_by_name(company_name)
        .await?
        .ok_or_else(|| AccountError::CompanyNotFound(company_name.to_owned()))?;
    let password_hash = hash_password(input.password.clone()).await?;
    let user = NewUser {
        company_id: company.id,
        login: login.clone(),
        roles,
        password_hash,
        created_at: OffsetDateTime::now_utc(),
    };
    match store.insert_user(&user).await {
        Err(StoreError::Duplicate) => Err(AccountError::UserExists(login)),
        other => Ok(other?),
    }
}

/// Accepts a login of 1 to 128 characters without spaces or control characters.
fn parse_login(text: &str) -> Result<String, &'static str> {
    let login = parse_line(text.trim(), 1..=128, "must be 1 to 128 characters")?;
    if login.chars().any(char::is_whitespace) {
        return Err("must not contain spaces");
    }
    Ok(login)
}

async fn hash_password(password: Secret) -> Result<String, AccountError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        Argon2::default()
            .hash_password(password.expose().as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|_| AccountError::Hashing)
    })
    .await
    .map_err(|_| AccountError::Hashing)?
}

/// Prefix of every API token, so that scanners and readers recognize one.
pub const API_TOKEN_PREFIX: &str = "cht_";

/// Issues a new API token for a user and returns it. Only its SHA-256 hash
/// is stored, so the token cannot be shown again.
pub async fn issue_api_token(store: &dyn HostStore, login: &str) -> Result<Secret, AccountError> {
    let login = login.trim();
    let credentials = store
        .user_by_login(login)
        .await?
        .ok_or_else(|| AccountError::UserNotFound(login.to_owned()))?;

    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = format!(
        "{API_TOKEN_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    );
    store
        .insert_api_token(
            credentials.actor.user.id,
            &api_token_hash(&token),
            OffsetDateTime::now_utc(),
        )
        .await?;
    Ok(Secret::new(token))
}

/// SHA-256 of a token, in lowercase hexadecimal: the form tokens are stored and looked up in.
pub fn api_token_hash(token: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, token.as_bytes());
    digest
        .as_ref()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Maximum length of a bearer token that is looked up; longer ones are
/// rejected without a query.
const MAX_API_TOKEN_LENGTH: usize = 256;

/// Returns the actor an API token belongs to, or `None` for an unknown token.
pub async fn actor_for_api_token(
    store: &dyn HostStore,
    token: &str,
) -> Result<Option<Actor>, StoreError> {
    if token.is_empty() || token.len() > MAX_API_TOKEN_LENGTH {
        return Ok(None);
    }
    store.actor_by_token_hash(&api_token_hash(token)).await
}

/// Checks a login and password, for session logins. An unknown login costs
/// the same argon2 work as a known one, so timing does not tell them apart.
pub async fn actor_for_password(
    store: &dyn HostStore,
    login: &str,
    password: &Secret,
) -> Result<Option<Actor>, StoreError> {
    let credentials = store.user_by_login(login.trim()).await?;
    let (hash, actor) = match credentials {
        Some(credentials) => (credentials.password_hash, Some(credentials.actor)),
        None => (unknown_user_hash().to_owned(), None),
    };
    let password = password.clone();
    let matches = tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.expose().as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false);
    Ok(actor.filter(|_| matches))
}

/// Returns an argon2id hash of a random password, with the default
/// parameters, to verify against when the login is unknown.
fn unknown_user_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        Argon2::default()
            .hash_password(uuid::Uuid::new_v4().as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn company_domain_cases() {
        let cases = [
            ("Demo Company", "demo-company.example"),
            ("  ACME, Inc. ", "acme-inc.example"),
            ("Müller & Söhne 2", "m-ller-s-hne-2.example"),
            ("a--b", "a-b.example"),
        ];
        for (name, domain) in cases {
            assert_eq!(company_domain(name), domain, "{name}");
        }
    }

    fn company(edition: Edition, development_partner: bool) -> Company {
        Company {
            id: CompanyId(1),
            name: "Acme".to_owned(),
            edition,
            development_partner,
        }
    }

    fn roles(roles: &[Role]) -> BTreeSet<Role> {
        roles.iter().copied().collect()
    }

    #[test]
    fn standard_can_administer_may_manage() {
        let company = company(Edition::Standard, false);

        assert!(may_manage_registrations(
            &company,
            &roles(&[Role::CanAdminister])
        ));
    }

    #[test]
    fn standard_company_administrator_may_not_manage() {
        let company = company(Edition::Standard, false);

        assert!(!may_manage_registrations(
            &company,
            &roles(&[Role::CompanyAdministrator])
        ));
    }

    #[test]
    fn professional_partner_web_services_administrator_may_manage() {
        let company = company(Edition::Professional, true);

        assert!(may_manage_registrations(
            &company,
            &roles(&[Role::WebServicesAdministrator])
        ));
    }

    #[test]
    fn professional_without_partner_flag_may_not_manage() {
        let company = company(Edition::Professional, false);

        assert!(!may_manage_registrations(
            &company,
            &roles(&[Role::CompanyAdministrator, Role::WebServicesAdministrator])
        ));
    }

    #[test]
    fn api_token_hash_is_sha256_hex() {
        assert_eq!(
            api_token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn role_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
    }
}
