//! Consumer-group replay.

use crate::AdminError;
use rdkafka::consumer::{BaseConsumer, Consumer};
use riskmonitor_kafka::KafkaSettings;
use riskmonitor_kafka::admin::{PartitionReset, ResetTo, reset_group_offsets};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct Replay {
    pub group: String,
    pub topic: String,
    /// Empty: every partition.
    pub partitions: Vec<i32>,
    pub to: ResetTo,
    pub dry_run: bool,
    /// Wait this long for the group's members to leave instead of refusing at once.
    pub wait_for_stop: Option<Duration>,
}

/// Members of `group` right now.
pub fn active_members(settings: &KafkaSettings, group: &str) -> Result<Vec<String>, AdminError> {
    let client: BaseConsumer = settings.client_config("riskmonitor-admin").create()?;
    let groups = client.fetch_group_list(Some(group), Duration::from_secs(10))?;
    Ok(groups
        .groups()
        .iter()
        .filter(|g| g.name() == group)
        .flat_map(|g| g.members().iter().map(|m| format!("{} ({})", m.client_id(), m.client_host())))
        .collect())
}

/// Plans the reset, and applies it unless it is a dry run.
pub fn run(settings: &KafkaSettings, r: &Replay) -> Result<Vec<PartitionReset>, AdminError> {
    if !r.dry_run {
        let started = Instant::now();
        loop {
            let members = active_members(settings, &r.group)?;
            if members.is_empty() {
                break;
            }
            match r.wait_for_stop {
                Some(limit) if started.elapsed() < limit => std::thread::sleep(Duration::from_secs(1)),
                _ => {
                    return Err(AdminError::Refused(format!(
                        "group {} has {} active member(s): {}. Stop (scale to 0) the service first, or pass \
                         --wait-for-stop SECONDS",
                        r.group,
                        members.len(),
                        members.join(", ")
                    )));
                }
            }
        }
    }
    Ok(reset_group_offsets(settings, &r.group, &r.topic, &r.partitions, r.to, r.dry_run)?)
}

/// A table of the plan: partition, current, target, and the lag the reset creates.
pub fn render(plan: &[PartitionReset], dry_run: bool) -> String {
    let mut out = format!("{:>9} {:>12} {:>12} {:>12}\n", "partition", "current", "target", "new lag");
    let mut total = 0;
    for p in plan {
        let lag = p.high_watermark - p.target;
        total += lag;
        let current = p.current.map_or("-".to_owned(), |c| c.to_string());
        out.push_str(&format!("{:>9} {:>12} {:>12} {:>12}\n", p.partition, current, p.target, lag));
    }
    out.push_str(&format!(
        "{} messages to (re)consume{}\n",
        total,
        if dry_run { " (dry run: nothing changed)" } else { "" }
    ));
    out
}
