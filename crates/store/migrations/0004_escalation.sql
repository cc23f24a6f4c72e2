-- Escalation: triggers recorded on a case, and the SSVC decision points a coordinator
-- sets (Automatable, Mission and Well-Being Impact); the others follow from triggers.

CREATE TABLE case_triggers (
    case_id TEXT NOT NULL REFERENCES cases(id),
    trigger_name TEXT NOT NULL,
    note TEXT NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES users(id),
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (case_id, trigger_name)
);

CREATE TABLE case_ssvc (
    case_id TEXT PRIMARY KEY REFERENCES cases(id),
    automatable TEXT NOT NULL,
    mission_impact TEXT NOT NULL,
    updated_by TEXT NOT NULL REFERENCES users(id),
    updated_at BIGINT NOT NULL
);
