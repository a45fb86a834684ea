-- RiskMonitor's own state. The database is the truth; Kafka only rings the doorbell.

-- cdc-risk-engine: the last applied change of every position, with what it contributes to its
-- desk. A deleted position keeps its row (desk NULL, zero contribution) so that an older event
-- arriving later is recognised as older and cannot resurrect it.
CREATE TABLE IF NOT EXISTS engine_positions (
    position_id    BIGINT          NOT NULL,
    desk           VARCHAR(64)     NULL,
    gross_notional DECIMAL(65,30)  NOT NULL,
    net_delta      DECIMAL(65,30)  NOT NULL,
    vega           DECIMAL(65,30)  NOT NULL,
    -- Debezium source position of the last applied change (see SourcePosition::ordering_key).
    src_file_seq   BIGINT UNSIGNED NOT NULL,
    src_pos        BIGINT UNSIGNED NOT NULL,
    src_row        INT UNSIGNED    NOT NULL,
    src_phase      TINYINT UNSIGNED NOT NULL,
    PRIMARY KEY (position_id),
    -- Only the desk: an index on the contributions would be rewritten on every event.
    KEY idx_engine_positions_desk (desk)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- cdc-risk-engine: per-desk aggregates over the positions currently on the desk.
CREATE TABLE IF NOT EXISTS desk_exposures (
    desk           VARCHAR(64)    NOT NULL,
    gross_notional DECIMAL(65,30) NOT NULL DEFAULT 0,
    net_delta      DECIMAL(65,30) NOT NULL DEFAULT 0,
    vega           DECIMAL(65,30) NOT NULL DEFAULT 0,
    position_count BIGINT         NOT NULL DEFAULT 0,
    updated_at     TIMESTAMP(6)   NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    PRIMARY KEY (desk)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One row per breach episode, which is also its alert. `open_flag` is 1 while the episode is
-- open and NULL once resolved: the unique key allows at most one open episode per (desk, metric)
-- whatever the number of replicas, restarts or replays.
CREATE TABLE IF NOT EXISTS alerts (
    alert_id          CHAR(36)       NOT NULL,
    desk              VARCHAR(64)    NOT NULL,
    metric            ENUM('gross_notional','net_delta','vega') NOT NULL,
    status            ENUM('pending_analysis','pending_delivery','delivered','consumed','delivery_failed')
                                     NOT NULL DEFAULT 'pending_analysis',
    value             DECIMAL(65,30) NOT NULL,
    limit_value       DECIMAL(24,4)  NOT NULL,
    resolve_ratio     DECIMAL(6,4)   NOT NULL,
    opened_at         TIMESTAMP(6)   NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    resolved_at       TIMESTAMP(6)   NULL,
    resolved_value    DECIMAL(65,30) NULL,
    open_flag         TINYINT AS (IF(resolved_at IS NULL, 1, NULL)) PERSISTENT,
    traceparent       VARCHAR(64)    NULL,
    -- llm-analyzer: a lease so that one replica analyses an alert at a time.
    claimed_by        VARCHAR(128)   NULL,
    claim_until       TIMESTAMP(6)   NULL,
    analysis          JSON           NULL,
    summary           TEXT           NULL,
    analysis_source   ENUM('llm','deterministic') NULL,
    analysed_at       TIMESTAMP(6)   NULL,
    acked_at          TIMESTAMP(6)   NULL,
    acked_by          VARCHAR(128)   NULL,
    acked_delivery_id CHAR(36)       NULL,
    -- webhook-notifier: reminders are spent and the alert is still not acked.
    escalated_at      TIMESTAMP(6)   NULL,
    status_changed_at TIMESTAMP(6)   NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (alert_id),
    UNIQUE KEY uq_alerts_one_open_episode (desk, metric, open_flag),
    KEY idx_alerts_status (status, status_changed_at),
    KEY idx_alerts_opened (opened_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- webhook-notifier: one row per webhook (breach, reminder, resolved); `delivery_id` is the
-- Standard Webhooks `webhook-id`, the same on every retry. The schedule lives here, so a
-- retry due later survives restarts, and the lease keeps two replicas from sending it at once.
CREATE TABLE IF NOT EXISTS deliveries (
    delivery_id     CHAR(36)      NOT NULL,
    alert_id        CHAR(36)      NOT NULL,
    kind            ENUM('breach','reminder','resolved') NOT NULL,
    reminder        INT           NOT NULL DEFAULT 0,
    -- cancelled: a reminder made moot by the ack before it went out.
    status          ENUM('pending','delivered','failed','cancelled') NOT NULL DEFAULT 'pending',
    payload         JSON          NOT NULL,
    attempts        INT           NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    lease_owner     VARCHAR(128)  NULL,
    lease_until     TIMESTAMP(6)  NULL,
    last_error      TEXT          NULL,
    created_at      TIMESTAMP(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    delivered_at    TIMESTAMP(6)  NULL,
    PRIMARY KEY (delivery_id),
    UNIQUE KEY uq_deliveries_alert_kind (alert_id, kind, reminder),
    KEY idx_deliveries_due (status, next_attempt_at),
    CONSTRAINT fk_deliveries_alert FOREIGN KEY (alert_id) REFERENCES alerts (alert_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS delivery_attempts (
    attempt_id   BIGINT       NOT NULL AUTO_INCREMENT,
    delivery_id  CHAR(36)     NOT NULL,
    attempt_no   INT          NOT NULL,
    started_at   TIMESTAMP(6) NOT NULL,
    status_code  INT          NULL,
    latency_ms   INT          NOT NULL,
    outcome      ENUM('delivered','retry','failed') NOT NULL,
    error        TEXT         NULL,
    PRIMARY KEY (attempt_id),
    UNIQUE KEY uq_attempts_delivery_no (delivery_id, attempt_no),
    CONSTRAINT fk_attempts_delivery FOREIGN KEY (delivery_id) REFERENCES deliveries (delivery_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Records that can never be processed (webhooks past their retry budget, for instance).
CREATE TABLE IF NOT EXISTS dead_letters (
    id         BIGINT       NOT NULL AUTO_INCREMENT,
    source     VARCHAR(64)  NOT NULL,
    reference  VARCHAR(128) NOT NULL,
    reason     TEXT         NOT NULL,
    payload    JSON         NULL,
    created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    UNIQUE KEY uq_dead_letters_ref (source, reference)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Transactional outbox: a Kafka message written in the same transaction as the state change it
-- announces; a relay publishes it, then deletes the row. A crash between the two publishes it
-- again, which consumers tolerate (they are idempotent).
CREATE TABLE IF NOT EXISTS outbox (
    id           BIGINT        NOT NULL AUTO_INCREMENT,
    topic        VARCHAR(249)  NOT NULL,
    msg_key      VARCHAR(255)  NOT NULL,
    payload      JSON          NOT NULL,
    created_at   TIMESTAMP(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
