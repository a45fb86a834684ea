//! The binary starts against the stack, reports ready, exits 0 on SIGTERM; bad settings fail fast.

use riskmonitor_testkit::{TestEnv, unique};
use std::collections::BTreeMap;
use std::path::Path;

const BIN: &str = env!("CARGO_BIN_EXE_llm-analyzer");

#[tokio::test]
async fn starts_ready_and_exits_cleanly_on_sigterm() {
    let env = TestEnv::from_env();
    let kafka = env.kafka_settings(&unique("al"));
    riskmonitor_testkit::kafka::create_topics(&kafka).await;
    let vars = BTreeMap::from([
        ("RISKMONITOR_DATABASE__URL".to_owned(), env.captured_database_url()),
        ("RISKMONITOR_KAFKA__BROKERS".to_owned(), env.brokers.clone()),
        ("RISKMONITOR_KAFKA__REGISTRY_URL".to_owned(), env.ccompat_url()),
        (
            "RISKMONITOR_KAFKA__TOPICS__ALERTS_PENDING_ANALYSIS__NAME".to_owned(),
            kafka.topics.alerts_pending_analysis.name.clone(),
        ),
        ("RISKMONITOR_ANALYZER__GROUP_ID".to_owned(), unique("al-")),
    ]);
    riskmonitor_testkit::lifecycle::ready_then_clean_exit_on_sigterm(Path::new(BIN), &vars).await;
}

#[tokio::test]
async fn a_bad_setting_exits_non_zero_naming_the_key() {
    riskmonitor_testkit::lifecycle::bad_setting_names_the_key(Path::new(BIN)).await;
    let env = BTreeMap::from([("RISKMONITOR_LLM__URL".to_owned(), "ftp://nope".to_owned())]);
    let (code, _, stderr) = riskmonitor_testkit::process::run_to_end(Path::new(BIN), &env, &[]).await;
    assert_ne!(code, Some(0));
    assert!(stderr.contains("llm.url"), "{stderr}");
}
