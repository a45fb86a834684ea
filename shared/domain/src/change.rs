//! What the CDC stream says about positions, decoded from Debezium's envelope.

use crate::Position;
use serde::{Deserialize, Serialize};

/// Debezium's `op`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Op {
    /// `c`
    Create,
    /// `u`
    Update,
    /// `d`
    Delete,
    /// `r`: a row read by the initial (or an ad-hoc) snapshot.
    Read,
}

impl Op {
    pub fn from_code(code: &str) -> Option<Op> {
        match code {
            "c" => Some(Op::Create),
            "u" => Some(Op::Update),
            "d" => Some(Op::Delete),
            "r" => Some(Op::Read),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Op::Create => "c",
            Op::Update => "u",
            Op::Delete => "d",
            Op::Read => "r",
        }
    }
}

/// Where in the MariaDB binlog a change was read (Debezium's `source` block).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourcePosition {
    /// Binlog file name, e.g. `binlog.000001`.
    pub file: String,
    /// Byte position of the row event in that file.
    pub pos: u64,
    /// Index of the row within the binlog row event.
    pub row: u32,
    /// True for rows read by a snapshot (`snapshot` = true/first/last/...).
    pub snapshot: bool,
    pub server_id: i64,
    pub gtid: Option<String>,
    /// Commit time in the database, milliseconds since the epoch.
    pub ts_ms: i64,
}

impl SourcePosition {
    /// Sequence number of the binlog file (`binlog.000042` -> 42). MariaDB numbers its binlog
    /// files in increasing order, so `(file_seq, pos, row)` only grows on one server.
    pub fn file_seq(&self) -> u64 {
        self.file.rsplit('.').next().and_then(|n| n.parse().ok()).unwrap_or(0)
    }

    /// The key that orders the changes of one row: binlog file number, byte position of the
    /// row event, row index within the event, then streamed after snapshot-read. Every binlog
    /// change of a row is written after the previous change of that row, so this is strictly
    /// increasing per row; a snapshot read carries the binlog position the snapshot started
    /// from, which no later change of the row can precede.
    pub fn ordering_key(&self) -> (u64, u64, u32, u8) {
        (self.file_seq(), self.pos, self.row, if self.snapshot { 0 } else { 1 })
    }
}

/// One change of one row of `positions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PositionChange {
    pub position_id: i64,
    pub op: Op,
    pub before: Option<Position>,
    pub after: Option<Position>,
    pub source: SourcePosition,
    /// When Debezium processed the event, milliseconds since the epoch.
    pub ts_ms: i64,
}

/// Everything a message of the CDC topic can be.
// Nearly every message is a `Change`; boxing it would add an allocation per event for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CdcMessage {
    Change(PositionChange),
    /// The null-valued record Debezium writes after a delete so compaction can drop the key.
    Tombstone {
        position_id: i64,
    },
    /// A schema-change record (DDL) from the connector's schema change topic.
    SchemaChange {
        ddl: String,
    },
    /// A Debezium heartbeat record.
    Heartbeat,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(file: &str, pos: u64, row: u32, snapshot: bool) -> SourcePosition {
        SourcePosition { file: file.into(), pos, row, snapshot, server_id: 1, gtid: None, ts_ms: 0 }
    }

    #[test]
    fn ordering_key_follows_the_binlog() {
        assert!(
            src("binlog.000002", 4, 0, false).ordering_key() > src("binlog.000001", 9_999, 3, false).ordering_key()
        );
        assert!(
            src("binlog.000001", 500, 1, false).ordering_key() > src("binlog.000001", 500, 0, false).ordering_key()
        );
        assert!(src("binlog.000001", 500, 0, false).ordering_key() > src("binlog.000001", 500, 0, true).ordering_key());
        assert_eq!(src("mysql-bin.000010", 1, 0, false).file_seq(), 10);
    }
}
