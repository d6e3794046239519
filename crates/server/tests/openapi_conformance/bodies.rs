//! The property test of request-body validation: for every operation that takes a
//! JSON body, arbitrary JSON values and valid bodies with one field replaced, removed
//! or added are answered without a server error, as documented, and a refusal of the
//! body's content is a problem naming the field.

use crate::cases::{Body, Case};
use crate::document::{Document, Operation};
use crate::{Caller, callers, send};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::{Map, Value};
use std::cell::RefCell;

/// Any JSON value, nested a few levels.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("JSON numbers are finite", |f| f.is_finite()).prop_map(Value::from),
        ".{0,40}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A change to one field of a valid body.
#[derive(Debug, Clone)]
enum Mutation {
    Replace(prop::sample::Index, Value),
    Remove(prop::sample::Index),
    Add(String, Value),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<prop::sample::Index>(), json_value()).prop_map(|(i, v)| Mutation::Replace(i, v)),
        any::<prop::sample::Index>().prop_map(Mutation::Remove),
        ("[a-z_]{1,12}", json_value()).prop_map(|(k, v)| Mutation::Add(k, v)),
    ]
}

fn mutate(valid: &Value, change: &Mutation) -> Value {
    let Value::Object(fields) = valid else { return valid.clone() };
    let mut out: Map<String, Value> = fields.clone();
    let keys: Vec<String> = fields.keys().cloned().collect();
    match change {
        Mutation::Replace(i, v) if !keys.is_empty() => {
            out.insert(keys[i.index(keys.len())].clone(), v.clone());
        }
        Mutation::Remove(i) if !keys.is_empty() => {
            out.remove(&keys[i.index(keys.len())]);
        }
        Mutation::Add(k, v) => {
            out.insert(k.clone(), v.clone());
        }
        _ => {}
    }
    Value::Object(out)
}

#[derive(Debug, Clone)]
enum Input {
    Arbitrary(Value),
    Mutated(Mutation),
}

/// The first caller the operation does not refuse outright, or none.
async fn allowed_caller<'a>(
    s: &crate::common::TestServer,
    callers: &'a [Caller],
    op: &Operation,
    case: &Case,
) -> Option<&'a Caller> {
    for caller in callers {
        if !matches!(send(s, caller, op, case).await.status, 401 | 403) {
            return Some(caller);
        }
    }
    None
}

#[test]
fn arbitrary_and_mutated_bodies_are_refused_precisely() {
    let cases = crate::env_number("CPNIGUARD_CONFORMANCE_BODY_CASES", 12) as u32;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    for s in runtime.block_on(crate::common::servers()) {
        let doc = RefCell::new(runtime.block_on(Document::fetch(&s)));
        let (callers, account) = runtime.block_on(callers(&s));
        let mut ids = crate::cases::KnownIds::default();
        ids.set("accounts", account);
        let mut rng = StdRng::seed_from_u64(crate::env_number("CPNIGUARD_CONFORMANCE_SEED", 20));
        let mut exercised = 0;
        let operations = doc.borrow().operations();
        for op in operations {
            if !matches!(op.body(), Some(("application/json", _))) {
                continue;
            }
            let base = crate::cases::well_formed(&doc.borrow(), &op, &ids, 1, &mut rng).remove(0);
            let Some(caller) = runtime.block_on(allowed_caller(&s, &callers, &op, &base)) else { continue };
            let Body::Json(valid) = base.body.clone() else { continue };
            exercised += 1;
            let config = Config { cases, failure_persistence: None, max_shrink_iters: 64, ..Config::default() };
            let mut runner = TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
            let input = prop_oneof![json_value().prop_map(Input::Arbitrary), mutation().prop_map(Input::Mutated)];
            let result = runner.run(&input, |input| {
                let body = match &input {
                    Input::Arbitrary(v) => v.clone(),
                    Input::Mutated(m) => mutate(&valid, m),
                };
                let case = Case {
                    what: format!("{input:?}"),
                    target: base.target.clone(),
                    body: Body::Json(body),
                    malformed: false,
                };
                let got = runtime.block_on(send(&s, caller, &op, &case));
                let problems = crate::checks::check(&mut doc.borrow_mut(), &op, &got);
                if problems.is_empty() { Ok(()) } else { Err(TestCaseError::fail(problems.join("; "))) }
            });
            if let Err(e) = result {
                panic!("{}: {} as {}: {e}", s.backend, op.name(), caller.name);
            }
        }
        assert!(exercised > 20, "{}: only {exercised} operations with a JSON body were exercised", s.backend);
    }
}
