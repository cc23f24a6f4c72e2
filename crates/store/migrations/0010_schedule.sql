-- The scheduler: a case's status-update cadence, and a mark for each thing the
-- scheduler owed a case and did (a reminder, an update, a nudge, the embargo's end),
-- so each is done once. Shared dialect only.

CREATE TABLE case_schedules (
    case_id TEXT PRIMARY KEY REFERENCES cases(id),
    -- Hours between status updates while the embargo is active; 0 sends none.
    status_cadence_hours BIGINT NOT NULL
);

CREATE TABLE schedule_marks (
    case_id TEXT NOT NULL REFERENCES cases(id),
    mark TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (case_id, mark)
);
