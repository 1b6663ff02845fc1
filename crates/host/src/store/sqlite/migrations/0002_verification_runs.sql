-- The Verify services run in progress of each registration, so that host
-- processes sharing the database start one run at a time. A run whose
-- process died frees the registration when its lease ends.
CREATE TABLE verification_runs (
    registration_id INTEGER PRIMARY KEY REFERENCES registrations (id),
    -- Random id of the run.
    owner TEXT NOT NULL,
    lease_until INTEGER NOT NULL
);
