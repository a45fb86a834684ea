-- The contract's tables (../shared/CONTRACT.md): written by the trading systems and the risk
-- managers, read by RiskMonitor. Debezium streams `positions`.

CREATE TABLE IF NOT EXISTS positions (
    position_id     BIGINT          NOT NULL,
    desk            VARCHAR(64)     NOT NULL,
    instrument_id   VARCHAR(64)     NOT NULL,
    instrument_type ENUM('EQUITY','FUTURE','OPTION') NOT NULL,
    underlying      VARCHAR(32)     NOT NULL,
    quantity        DECIMAL(24,6)   NOT NULL,
    multiplier      DECIMAL(18,6)   NOT NULL DEFAULT 1,
    price           DECIMAL(24,8)   NOT NULL,
    delta           DECIMAL(12,8)   NOT NULL DEFAULT 1,
    vega            DECIMAL(24,8)   NOT NULL DEFAULT 0,
    option_type     ENUM('CALL','PUT') NULL,
    strike          DECIMAL(24,8)   NULL,
    expiry          DATE            NULL,
    currency        CHAR(3)         NOT NULL DEFAULT 'USD',
    updated_at      TIMESTAMP(6)    NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    PRIMARY KEY (position_id),
    KEY idx_positions_desk (desk, position_id),
    KEY idx_positions_underlying (underlying)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS risk_limits (
    desk          VARCHAR(64)   NOT NULL,
    metric        ENUM('gross_notional','net_delta','vega') NOT NULL,
    limit_value   DECIMAL(24,4) NOT NULL,
    resolve_ratio DECIMAL(6,4)  NOT NULL DEFAULT 0.95,
    PRIMARY KEY (desk, metric)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
