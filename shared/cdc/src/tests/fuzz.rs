//! Property tests: arbitrary and mutated records never panic the decoder (Ok or Err, nothing else).

use super::support::*;
use crate::avro::{self, Plan};
use crate::error::Part;
use crate::json;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestRunner};
use std::sync::LazyLock;

/// One edit of a byte string.
#[derive(Debug, Clone)]
enum Mutation {
    Set(Index, u8),
    Truncate(Index),
    Insert(Index, u8),
    Remove(Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        1 => any::<Index>().prop_map(Mutation::Truncate),
        2 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        2 => any::<Index>().prop_map(Mutation::Remove),
    ]
}

fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        if bytes.is_empty() {
            break;
        }
        match m {
            Mutation::Set(i, b) => {
                let i = i.index(bytes.len());
                bytes[i] = *b;
            }
            Mutation::Truncate(i) => bytes.truncate(i.index(bytes.len())),
            Mutation::Insert(i, b) => {
                let i = i.index(bytes.len());
                bytes.insert(i, *b);
            }
            Mutation::Remove(i) => {
                let i = i.index(bytes.len());
                bytes.remove(i);
            }
        }
    }
    bytes
}

/// Valid JSON records to mutate.
static JSON: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
    let (opt, fut) = (option_position(), future_position());
    vec![
        serde_json::to_vec(&json_envelope("u", Some(&opt), Some(&fut), "false", Decimals::Text)).unwrap(),
        with_schema(
            connect_schema(Decimals::Precise),
            json_envelope("c", None, Some(&opt), "first", Decimals::Precise),
        ),
        json_key(42),
        br#"{"ts_ms":1795607586000}"#.to_vec(),
    ]
});

/// Valid Avro envelope datums (without the 5-byte Confluent header) to mutate.
static AVRO: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
    let (opt, fut) = (option_position(), future_position());
    vec![
        avro_value("u", Some(&opt), Some(&fut), "false")[5..].to_vec(),
        avro_value("d", Some(&opt), None, "false")[5..].to_vec(),
        avro_value("r", None, Some(&fut), "last")[5..].to_vec(),
    ]
});

static PLAN: LazyLock<Plan> = LazyLock::new(|| Plan::compile(&avro::schema::parse(ENVELOPE_SCHEMA).unwrap()).unwrap());

fn decode_json(bytes: &[u8]) {
    let _ = json::decode(bytes, Part::Value).and_then(|e| e.into_message());
    let _ = json::decode(bytes, Part::Key).and_then(|e| e.into_key());
}

proptest! {
    #![proptest_config(Config { cases: 2_000, ..Config::default() })]

    #[test]
    fn json_arbitrary_bytes(mut bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        decode_json(&bytes);
        bytes.insert(0, b'{');
        decode_json(&bytes);
    }

    #[test]
    fn json_mutations(which in 0usize..4, mutations in prop::collection::vec(mutation(), 1..8)) {
        let bytes = mutate(JSON[which].clone(), &mutations);
        decode_json(&bytes);
    }

    #[test]
    fn avro_arbitrary_datums(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = avro::decode(&PLAN, &bytes, Part::Value).and_then(|e| e.into_message());
    }

    #[test]
    fn avro_mutations(which in 0usize..3, mutations in prop::collection::vec(mutation(), 1..8)) {
        let bytes = mutate(AVRO[which].clone(), &mutations);
        let _ = avro::decode(&PLAN, &bytes, Part::Value).and_then(|e| e.into_message());
    }
}

/// Whole records through [`crate::Decoder`], Avro schemas served by the local registry.
#[test]
fn decoder_never_panics() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let registry = runtime.block_on(TestRegistry::start());
    let decoder = registry.decoder();
    let opt = option_position();
    let values = [
        avro_value("c", None, Some(&opt), "false"),
        serde_json::to_vec(&json_envelope("c", None, Some(&opt), "false", Decimals::Text)).unwrap(),
    ];
    let keys = [avro_key(42), json_key(42)];
    let strategy = (
        0usize..2,
        0usize..2,
        prop::collection::vec(mutation(), 0..6),
        prop::collection::vec(mutation(), 0..3),
        any::<bool>(),
        prop::collection::vec(any::<u8>(), 0..64),
    );
    let mut runner = TestRunner::new(Config { cases: 500, ..Config::default() });
    let result = runner.run(&strategy, |(v, k, value_mutations, key_mutations, tombstone, noise)| {
        let value = mutate(values[v].clone(), &value_mutations);
        let key = mutate(keys[k].clone(), &key_mutations);
        runtime.block_on(async {
            let value = if tombstone { None } else { Some(value.as_slice()) };
            let _ = decoder.decode(Some(&key), value).await;
            let _ = decoder.decode(Some(&noise), Some(&noise)).await;
            let _ = decoder.decode(None, Some(&noise)).await;
        });
        Ok(())
    });
    result.unwrap();
}
