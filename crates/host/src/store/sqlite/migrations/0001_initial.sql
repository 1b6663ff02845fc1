-- Version 1 of the host's SQLite schema: the schema that stores created
-- before versions were recorded, so every statement uses IF NOT EXISTS.
-- Times are Unix milliseconds (UTC).

CREATE TABLE IF NOT EXISTS companies (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    edition TEXT NOT NULL CHECK (edition IN ('standard', 'professional')),
    development_partner INTEGER NOT NULL CHECK (development_partner IN (0, 1)),
    created_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies (id),
    login TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS user_roles (
    user_id INTEGER NOT NULL REFERENCES users (id),
    role TEXT NOT NULL,
    PRIMARY KEY (user_id, role)
);

-- Only the SHA-256 of each token is kept.
CREATE TABLE IF NOT EXISTS api_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS registrations (
    id INTEGER PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies (id),
    name TEXT NOT NULL,
    -- Lowercased name: names are unique within a company regardless of case.
    name_key TEXT NOT NULL,
    description TEXT NOT NULL,
    host_name TEXT NOT NULL,
    user_name TEXT NOT NULL,
    -- XChaCha20-Poly1305: version byte, nonce, ciphertext and tag.
    sealed_password BLOB NOT NULL,
    verified INTEGER NOT NULL CHECK (verified IN (0, 1)),
    last_test_at INTEGER,
    last_test_duration_ms INTEGER,
    last_test_succeeded INTEGER,
    last_test_tls_version TEXT,
    last_test_cipher_suite TEXT,
    last_test_failure_kind TEXT,
    last_test_failure TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    revision INTEGER NOT NULL,
    UNIQUE (company_id, name_key)
);

CREATE TABLE IF NOT EXISTS registration_services (
    registration_id INTEGER NOT NULL REFERENCES registrations (id),
    service TEXT NOT NULL,
    enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    endpoint_path TEXT NOT NULL,
    -- JSON of the service-specific settings.
    settings TEXT NOT NULL,
    PRIMARY KEY (registration_id, service)
);

CREATE TABLE IF NOT EXISTS audit_entries (
    id INTEGER PRIMARY KEY,
    registration_id INTEGER NOT NULL REFERENCES registrations (id),
    at INTEGER NOT NULL,
    actor_user_id INTEGER NOT NULL REFERENCES users (id),
    actor_login TEXT NOT NULL,
    action TEXT NOT NULL,
    service TEXT,
    -- JSON array of changed field names.
    changes TEXT NOT NULL,
    result TEXT
);

CREATE INDEX IF NOT EXISTS audit_entries_by_registration
    ON audit_entries (registration_id, id);

-- Browser sessions of the admin pages; only the SHA-256 of each id is kept.
CREATE TABLE IF NOT EXISTS web_sessions (
    id_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);

-- The newest callouts of each registration (the host keeps 50), shown on
-- the registration page. Rows never carry credentials.
CREATE TABLE IF NOT EXISTS callout_log (
    id INTEGER PRIMARY KEY,
    registration_id INTEGER NOT NULL REFERENCES registrations (id),
    at INTEGER NOT NULL,
    service TEXT NOT NULL,
    duration_ms INTEGER NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('succeeded', 'failed', 'invalid_answer')),
    -- Records or items passed on, for a succeeded callout.
    result_count INTEGER,
    -- The connector returned more than the requested maximum.
    refine_search INTEGER NOT NULL CHECK (refine_search IN (0, 1)),
    -- Stable code of a failure, such as timed_out.
    failure_kind TEXT,
    -- The failure's detail, or the rule an invalid response broke.
    error TEXT
);

CREATE INDEX IF NOT EXISTS callout_log_by_registration
    ON callout_log (registration_id, id);

-- The last Verify services run of each registration. A new run replaces
-- the row. The report never contains the connector password.
CREATE TABLE IF NOT EXISTS registration_verifications (
    registration_id INTEGER PRIMARY KEY REFERENCES registrations (id),
    -- When the run started.
    at INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    actor_user_id INTEGER NOT NULL REFERENCES users (id),
    actor_login TEXT NOT NULL,
    -- format_version of the report, also inside the JSON.
    report_format INTEGER NOT NULL,
    -- The conformance checker's report as JSON.
    report TEXT NOT NULL
);

-- Expense reports of the sandbox; only the owner sees a report.
CREATE TABLE IF NOT EXISTS expense_reports (
    id INTEGER PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies (id),
    owner_user_id INTEGER NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE INDEX IF NOT EXISTS expense_reports_by_owner
    ON expense_reports (owner_user_id, id);

CREATE TABLE IF NOT EXISTS expense_entries (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES expense_reports (id),
    expense_type TEXT NOT NULL,
    -- YYYY-MM-DD.
    transaction_date TEXT NOT NULL,
    -- Hundredths of the currency unit.
    amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
    -- ISO 4217 code, such as EUR.
    currency TEXT NOT NULL,
    business_purpose TEXT NOT NULL,
    -- The configured list of the list field; NULL when the field is unbound.
    list_registration_id INTEGER REFERENCES registrations (id),
    list_name TEXT,
    list_category TEXT,
    -- JSON array of the items chosen, level 1 first: [{"short_code", "text"}].
    list_choices TEXT,
    -- The chosen short codes joined by `-`, and the deepest chosen item's text.
    list_code TEXT,
    list_text TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE INDEX IF NOT EXISTS expense_entries_by_report
    ON expense_entries (report_id, id);

-- Attendees picked from Fetch Attendee results, as the connector returned them.
CREATE TABLE IF NOT EXISTS expense_entry_attendees (
    id INTEGER PRIMARY KEY,
    entry_id INTEGER NOT NULL REFERENCES expense_entries (id),
    attendee_type_code TEXT NOT NULL,
    external_id TEXT NOT NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    company TEXT NOT NULL,
    UNIQUE (entry_id, attendee_type_code, external_id)
);

-- Travel requests of the sandbox, with their expected expenses; only the owner edits one.
CREATE TABLE IF NOT EXISTS travel_requests (
    id INTEGER PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies (id),
    owner_user_id INTEGER NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    purpose TEXT NOT NULL,
    -- YYYY-MM-DD; the end is not before the start.
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE INDEX IF NOT EXISTS travel_requests_by_owner
    ON travel_requests (owner_user_id, id);

CREATE TABLE IF NOT EXISTS travel_request_expenses (
    id INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES travel_requests (id),
    expense_type TEXT NOT NULL,
    -- YYYY-MM-DD.
    transaction_date TEXT NOT NULL,
    -- Hundredths of the currency unit.
    amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
    currency TEXT NOT NULL,
    business_purpose TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE INDEX IF NOT EXISTS travel_request_expenses_by_request
    ON travel_request_expenses (request_id, id);

-- The workflow step of each expense report and travel request that was
-- ever submitted; an object without a row is NOT_SUBMITTED.
CREATE TABLE IF NOT EXISTS workflow_states (
    object_type TEXT NOT NULL CHECK (object_type IN ('EXPRPT', 'TRAVELREQ')),
    object_id INTEGER NOT NULL,
    company_id INTEGER NOT NULL REFERENCES companies (id),
    step TEXT NOT NULL CHECK (step IN ('NOT_SUBMITTED', 'EXTERNAL_VALIDATION_SUBMIT', 'APPROVAL',
        'EXTERNAL_VALIDATION_PREEXTRACT', 'READY_FOR_EXTRACT', 'SENT_BACK')),
    -- The comment of the latest send-back, while the step is SENT_BACK.
    comment TEXT,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (object_type, object_id)
);

CREATE INDEX IF NOT EXISTS workflow_states_by_step
    ON workflow_states (company_id, step, updated_at);

-- Every step change: who acted (a user, or a connector through its
-- registration), from which step, and where the object stopped.
CREATE TABLE IF NOT EXISTS workflow_events (
    id INTEGER PRIMARY KEY,
    object_type TEXT NOT NULL,
    object_id INTEGER NOT NULL,
    at INTEGER NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('submit', 'approve', 'send_back')),
    from_step TEXT NOT NULL,
    to_step TEXT NOT NULL,
    actor_user_id INTEGER REFERENCES users (id),
    actor_login TEXT,
    registration_id INTEGER REFERENCES registrations (id),
    comment TEXT,
    CHECK ((actor_user_id IS NULL) <> (registration_id IS NULL))
);

CREATE INDEX IF NOT EXISTS workflow_events_by_object
    ON workflow_events (object_type, object_id, id);

-- The Event Notification queue. Each registration's queued notifications
-- are sent one at a time in id order. A dispatcher claims one by setting
-- the lease columns; when the lease expires unreleased (the host died
-- while sending), the notification is sent again.
CREATE TABLE IF NOT EXISTS notifications (
    id INTEGER PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies (id),
    registration_id INTEGER NOT NULL REFERENCES registrations (id),
    object_type TEXT NOT NULL CHECK (object_type IN ('EXPRPT', 'TRAVELREQ')),
    object_id INTEGER NOT NULL,
    event_type TEXT NOT NULL,
    object_uri TEXT NOT NULL,
    -- YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS, as sent.
    event_date_time TEXT NOT NULL,
    context TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'delivered', 'failed')),
    attempts INTEGER NOT NULL CHECK (attempts >= 0),
    queued_at INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    last_attempt_at INTEGER,
    -- A stable code and a sentence; never a credential.
    last_error TEXT,
    lease_owner TEXT,
    lease_until INTEGER,
    created_at INTEGER NOT NULL,
    delivered_at INTEGER
);

-- Finds the head (lowest id) of each registration's queue.
CREATE INDEX IF NOT EXISTS notifications_queue_heads
    ON notifications (status, registration_id, id);

CREATE INDEX IF NOT EXISTS notifications_by_company
    ON notifications (company_id, status, id);

-- Client credentials of a registration for the host web services. Only the
-- SHA-256 of the secret is kept; the secret has 256 random bits.
CREATE TABLE IF NOT EXISTS client_credentials (
    registration_id INTEGER PRIMARY KEY REFERENCES registrations (id),
    company_id INTEGER NOT NULL REFERENCES companies (id),
    client_id TEXT NOT NULL UNIQUE,
    secret_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- OAuth 2.0 token pairs issued to registrations; only SHA-256 hashes are
-- kept. Deleting a row revokes both tokens of the pair. A pair from the
-- authorization_code grant stores the user it acts for and the hash of its
-- launch code, and a refresh keeps both. Both are NULL for client_credentials.
CREATE TABLE IF NOT EXISTS oauth_tokens (
    access_hash TEXT PRIMARY KEY,
    refresh_hash TEXT NOT NULL UNIQUE,
    registration_id INTEGER NOT NULL REFERENCES registrations (id),
    company_id INTEGER NOT NULL REFERENCES companies (id),
    access_expires_at INTEGER NOT NULL,
    refresh_expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    user_id INTEGER REFERENCES users (id),
    code_hash TEXT
);

CREATE INDEX IF NOT EXISTS oauth_tokens_by_registration
    ON oauth_tokens (registration_id);

-- The index on oauth_tokens (code_hash) is created in Rust by
-- upgrade_oauth_tokens, after it adds the columns that older databases lack.

-- Single-use client_auth_code values of Launch External URL v4, stored as
-- SHA-256 hashes. Each is bound to the launching user, the registration and
-- its V4 OAuth client. used_at is set by the exchange for tokens.
CREATE TABLE IF NOT EXISTS launch_codes (
    code_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    company_id INTEGER NOT NULL REFERENCES companies (id),
    registration_id INTEGER NOT NULL REFERENCES registrations (id),
    client_id TEXT NOT NULL,
    redirect_url TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    created_at INTEGER NOT NULL
);

-- Exceptions connectors added to reports and travel requests; entry_id is
-- NULL for an exception on the header.
CREATE TABLE IF NOT EXISTS object_exceptions (
    id INTEGER PRIMARY KEY,
    object_type TEXT NOT NULL CHECK (object_type IN ('EXPRPT', 'TRAVELREQ')),
    object_id INTEGER NOT NULL,
    entry_id INTEGER,
    code TEXT NOT NULL,
    message TEXT NOT NULL,
    registration_id INTEGER NOT NULL REFERENCES registrations (id),
    created_at INTEGER NOT NULL
);

CREATE INDEX IF NOT EXISTS object_exceptions_by_object
    ON object_exceptions (object_type, object_id, id);

-- Approved amounts connectors set on entries; an entry without a row is
-- approved for its whole amount.
CREATE TABLE IF NOT EXISTS approved_amounts (
    object_type TEXT NOT NULL CHECK (object_type IN ('EXPRPT', 'TRAVELREQ')),
    entry_id INTEGER NOT NULL,
    amount_cents INTEGER NOT NULL CHECK (amount_cents >= 0),
    registration_id INTEGER NOT NULL REFERENCES registrations (id),
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (object_type, entry_id)
);

-- Custom fields with a Launch button that opens the Launch External URL
-- form of a registration. Codes are unique within a company without regard
-- to case, so that `/custom-fields/{code}` cannot name two fields.
CREATE TABLE IF NOT EXISTS launch_fields (
    id INTEGER PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies (id),
    registration_id INTEGER NOT NULL REFERENCES registrations (id),
    code TEXT NOT NULL,
    label TEXT NOT NULL,
    object_type TEXT NOT NULL CHECK (object_type IN ('HEADER', 'ENTRY', 'ALLOCATION')),
    multiline INTEGER NOT NULL CHECK (multiline IN (0, 1)),
    -- Size of the popup window, in CSS pixels.
    popup_width INTEGER NOT NULL CHECK (popup_width BETWEEN 200 AND 2000),
    popup_height INTEGER NOT NULL CHECK (popup_height BETWEEN 200 AND 2000),
    created_at INTEGER NOT NULL,
    UNIQUE (company_id, code COLLATE NOCASE)
);

-- Allocations split an expense entry by percentage; the percentages of one
-- entry add up to at most 100.
CREATE TABLE IF NOT EXISTS expense_allocations (
    id INTEGER PRIMARY KEY,
    entry_id INTEGER NOT NULL REFERENCES expense_entries (id),
    percentage INTEGER NOT NULL CHECK (percentage BETWEEN 1 AND 100),
    created_at INTEGER NOT NULL
);

CREATE INDEX IF NOT EXISTS expense_allocations_by_entry
    ON expense_allocations (entry_id, id);

-- The value of a launch field on one object. `object_id` is a report, an
-- entry or an allocation id, as the field's object type says.
CREATE TABLE IF NOT EXISTS custom_field_values (
    field_id INTEGER NOT NULL REFERENCES launch_fields (id),
    object_id INTEGER NOT NULL,
    value TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (field_id, object_id)
);
