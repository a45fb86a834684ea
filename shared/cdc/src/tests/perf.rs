//! Throughput check (ignored by default): `cargo test --release -p riskmonitor-cdc -- --ignored --nocapture throughput`.

use super::support::*;
use std::time::Instant;

#[test]
#[ignore = "a measurement, not a check; run in release"]
fn throughput() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let registry = runtime.block_on(TestRegistry::start());
    let decoder = registry.decoder();
    let (opt, fut) = (option_position(), future_position());
    let avro = (avro_key(42), avro_value("u", Some(&opt), Some(&opt), "false"));
    let json = (
        json_key(7),
        serde_json::to_vec(&json_envelope("u", Some(&fut), Some(&fut), "false", Decimals::Text)).unwrap(),
    );
    let precise = (
        json_key(42),
        with_schema(
            connect_schema(Decimals::Precise),
            json_envelope("u", Some(&opt), Some(&opt), "false", Decimals::Precise),
        ),
    );
    let only = std::env::var("CDC_PERF_ONLY").ok(); // e.g. `avro`, to profile one path
    for (name, (key, value)) in [("avro", avro), ("json", json), ("json+schema", precise)] {
        if only.as_deref().is_some_and(|o| o != name) {
            continue;
        }
        runtime.block_on(async {
            decoder.decode(Some(&key), Some(&value)).await.unwrap(); // warm the schema cache
            let n = 200_000;
            let start = Instant::now();
            for _ in 0..n {
                std::hint::black_box(decoder.decode(Some(&key), Some(&value)).await.unwrap());
            }
            let secs = start.elapsed().as_secs_f64();
            println!(
                "{name:>12}: {:>9.0} records/s ({:.2} us each, {} bytes)",
                n as f64 / secs,
                secs * 1e6 / n as f64,
                value.len()
            );
        });
    }
}
