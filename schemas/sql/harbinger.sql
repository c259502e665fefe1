-- Curated tables of Harbinger Stream in PostgreSQL (13 or later).
-- The job upserts into them idempotently: a row is keyed by its natural key and only replaced by a
-- revision that is not older, so any replay of the job's output converges to the same rows.

CREATE TABLE IF NOT EXISTS severity_aggregates (
    country_code     CHAR(2)          NOT NULL,
    event_type       VARCHAR(32)      NOT NULL,
    window_start     TIMESTAMPTZ      NOT NULL,
    window_end       TIMESTAMPTZ      NOT NULL,
    event_count      BIGINT           NOT NULL CHECK (event_count > 0),
    severity_sum     DOUBLE PRECISION NOT NULL,
    severity_mean    DOUBLE PRECISION NOT NULL,
    severity_min     DOUBLE PRECISION NOT NULL,
    severity_max     DOUBLE PRECISION NOT NULL,
    severity_stddev  DOUBLE PRECISION NOT NULL,
    revision         INTEGER          NOT NULL CHECK (revision >= 0),
    PRIMARY KEY (country_code, event_type, window_start)
);

CREATE INDEX IF NOT EXISTS severity_aggregates_window_start ON severity_aggregates (window_start);

CREATE TABLE IF NOT EXISTS anomaly_alerts (
    alert_id          VARCHAR(128)     NOT NULL PRIMARY KEY,
    country_code      CHAR(2)          NOT NULL,
    event_type        VARCHAR(32)      NOT NULL,
    window_start      TIMESTAMPTZ      NOT NULL,
    window_end        TIMESTAMPTZ      NOT NULL,
    metric            VARCHAR(32)      NOT NULL,
    observed          DOUBLE PRECISION NOT NULL,
    baseline_mean     DOUBLE PRECISION NOT NULL,
    baseline_stddev   DOUBLE PRECISION NOT NULL,
    z_score           DOUBLE PRECISION NOT NULL,
    threshold         DOUBLE PRECISION NOT NULL,
    baseline_windows  INTEGER          NOT NULL,
    -- 0 for the decision made when the window closed, higher for re-scores by late revisions of the window;
    -- the upsert keeps the highest. A retracted alert stays as a row with retracted = TRUE (deleting it would
    -- let a replayed older revision bring it back).
    revision          INTEGER          NOT NULL DEFAULT 0 CHECK (revision >= 0),
    retracted         BOOLEAN          NOT NULL DEFAULT FALSE
);

-- Tables created by 0.1.0 lack the two columns: running this file again adds them (existing rows: revision 0,
-- not retracted, which is what 0.1.0's alerts were).
ALTER TABLE anomaly_alerts ADD COLUMN IF NOT EXISTS revision INTEGER NOT NULL DEFAULT 0;
ALTER TABLE anomaly_alerts ADD COLUMN IF NOT EXISTS retracted BOOLEAN NOT NULL DEFAULT FALSE;

-- The alerts that hold now, with the table's columns, for readers that should not see retracted ones.
CREATE OR REPLACE VIEW current_anomaly_alerts AS
    SELECT alert_id, country_code, event_type, window_start, window_end, metric, observed, baseline_mean,
           baseline_stddev, z_score, threshold, baseline_windows, revision, retracted
    FROM anomaly_alerts WHERE NOT retracted;

CREATE INDEX IF NOT EXISTS anomaly_alerts_window_start ON anomaly_alerts (window_start);
