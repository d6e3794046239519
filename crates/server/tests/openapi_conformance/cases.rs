//! The requests sent to one operation: a well-formed one (documented examples first,
//! then values built from the schemas, with ids of records the run created where the
//! path takes one) and malformed ones (garbage path segments, wrong query types, broken
//! bodies, a wrong content type, an oversized body).

use crate::document::{Document, Operation};
use crate::generate;
use rand::Rng;
use rand::rngs::StdRng;
use serde_json::Value;
use std::collections::HashMap;

#[derive(Clone)]
pub enum Body {
    None,
    Json(Value),
    Raw { content_type: &'static str, bytes: Vec<u8> },
}

pub struct Case {
    /// What the case is, for failure messages.
    pub what: String,
    /// Path and query, filled in.
    pub target: String,
    pub body: Body,
    /// The request is malformed: only a 4xx may answer it.
    pub malformed: bool,
}

/// Ids of records the run has seen, by the kind of record: the path segment naming
/// it (`/api/v1/campaigns` and `/api/v1/accounts/{id}/interactions` return
/// `campaigns` and `interactions`; `/api/v1/campaigns/{id}/audiences/{audience}` takes
/// one of each), so operations on one record reach a real one and not only the 404.
#[derive(Default)]
pub struct KnownIds(HashMap<String, Vec<String>>);

/// The literal segment before each `{parameter}` of a path template.
fn kinds_of_parameters(template: &str) -> Vec<(String, String)> {
    let segments: Vec<&str> = template.split('/').collect();
    segments
        .iter()
        .enumerate()
        .filter(|(_, s)| s.starts_with('{'))
        .map(|(i, s)| {
            (s.to_string(), segments[..i].iter().rev().find(|p| !p.starts_with('{')).unwrap_or(&"").to_string())
        })
        .collect()
}

impl KnownIds {
    pub fn set(&mut self, kind: &str, id: String) {
        self.0.entry(kind.to_owned()).or_default().insert(0, id);
    }

    /// Remembers the ids in a 2xx JSON body of `op` (top level, or one level down:
    /// `{"campaign": {"id": ...}}`, `{"items": [{"id": ...}]}`) under the kind of
    /// record its path ends with.
    pub fn learn(&mut self, op: &Operation, body: &Value) {
        let kind = op.path.split('/').rev().find(|s| !s.starts_with('{')).unwrap_or_default().to_owned();
        let mut found = Vec::new();
        collect_ids(body, 0, &mut found);
        let known = self.0.entry(kind).or_default();
        for id in found.into_iter().take(4) {
            if !known.contains(&id) && known.len() < 16 {
                known.push(id);
            }
        }
    }

    fn of_kind(&self, kind: &str, rng: &mut StdRng) -> Option<String> {
        let known = self.0.get(kind).filter(|k| !k.is_empty())?;
        Some(known[rng.random_range(0..known.len())].clone())
    }
}

fn collect_ids(value: &Value, depth: usize, found: &mut Vec<String>) {
    if depth > 2 {
        return;
    }
    match value {
        Value::Object(fields) => {
            if let Some(id) = fields.get("id").and_then(Value::as_str).filter(|id| uuid::Uuid::parse_str(id).is_ok()) {
                found.push(id.to_owned());
            }
            for v in fields.values() {
                collect_ids(v, depth + 1, found);
            }
        }
        Value::Array(items) => items.iter().take(4).for_each(|v| collect_ids(v, depth + 1, found)),
        _ => {}
    }
}

/// Well-formed requests: the documented body examples, then `generated` more.
pub fn well_formed(doc: &Document, op: &Operation, ids: &KnownIds, generated: usize, rng: &mut StdRng) -> Vec<Case> {
    let mut out = Vec::new();
    let examples = op.body_examples(doc);
    for (i, example) in examples.iter().enumerate() {
        out.push(Case {
            what: format!("documented example {i}"),
            target: target(doc, op, ids, rng),
            body: Body::Json(example.clone()),
            malformed: false,
        });
    }
    for i in 0..generated.max(usize::from(out.is_empty())) {
        out.push(Case {
            what: format!("generated request {i}"),
            target: target(doc, op, ids, rng),
            body: body(doc, op, rng),
            malformed: false,
        });
    }
    out
}

/// The path filled in (real ids where known) and a query of valid values: every
/// required parameter, some optional ones.
pub fn target(doc: &Document, op: &Operation, ids: &KnownIds, rng: &mut StdRng) -> String {
    let mut path = op.path.clone();
    let kinds = kinds_of_parameters(&op.path);
    for param in op.parameters("path") {
        let name = param["name"].as_str().unwrap_or_default();
        let placeholder = format!("{{{name}}}");
        let kind = kinds.iter().find(|(p, _)| *p == placeholder).map(|(_, k)| k.as_str()).unwrap_or_default();
        let value = ids.of_kind(kind, rng).unwrap_or_else(|| scalar(&generate::valid(doc, &param["schema"], rng)));
        path = path.replace(&placeholder, &value);
    }
    let mut query = form_urlencoded::Serializer::new(String::new());
    for param in op.parameters("query") {
        if param["required"] == true || rng.random_bool(0.3) {
            let value = generate::valid(doc, &param["schema"], rng);
            let name = param["name"].as_str().unwrap_or_default();
            match value {
                Value::Array(items) => items.iter().for_each(|v| {
                    query.append_pair(name, &scalar(v));
                }),
                Value::Null => {}
                other => {
                    query.append_pair(name, &scalar(&other));
                }
            }
        }
    }
    let query = query.finish();
    if query.is_empty() { path } else { format!("{path}?{query}") }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn body(doc: &Document, op: &Operation, rng: &mut StdRng) -> Body {
    match op.body() {
        None => Body::None,
        Some(("application/json", schema)) => Body::Json(generate::valid(doc, schema, rng)),
        Some((_, _)) => Body::Raw { content_type: "text/csv", bytes: b"account_number\nCONF-0001\n".to_vec() },
    }
}

/// Malformed requests, each built from a well-formed `base`.
pub fn malformed(doc: &Document, op: &Operation, base: &Case, max_body: usize, rng: &mut StdRng) -> Vec<Case> {
    let mut out = Vec::new();
    let (path_part, query_part) =
        base.target.split_once('?').map_or((base.target.as_str(), None), |(p, q)| (p, Some(q)));
    let filled: Vec<&str> = path_part.split('/').collect();
    let template: Vec<&str> = op.path.split('/').collect();
    for (position, segment) in template.iter().enumerate() {
        if segment.starts_with('{') && filled.len() == template.len() {
            for garbage in generate::garbage_segments() {
                let mut broken = filled.clone();
                broken[position] = garbage;
                let target = match query_part {
                    Some(q) => format!("{}?{q}", broken.join("/")),
                    None => broken.join("/"),
                };
                out.push(Case {
                    what: format!("path {segment} = {garbage:?}"),
                    target,
                    body: base.body.clone(),
                    malformed: true,
                });
            }
        }
    }
    for param in op.parameters("query") {
        let name = param["name"].as_str().unwrap_or_default();
        for value in generate::malformed_query(doc.resolve(&param["schema"])) {
            let encoded: String = form_urlencoded::byte_serialize(value.as_bytes()).collect();
            let target = format!("{path_part}?{name}={encoded}");
            out.push(Case {
                what: format!("query {name} = {value:?}"),
                target,
                body: base.body.clone(),
                malformed: true,
            });
        }
    }
    if let (Some(("application/json", schema)), Body::Json(valid)) = (op.body(), &base.body) {
        for broken in generate::malformed_bodies(doc, schema, valid, rng) {
            out.push(Case {
                what: format!("body {}", broken.what),
                target: base.target.clone(),
                body: Body::Json(broken.value),
                malformed: broken.forbidden,
            });
        }
        let raw = |what: &str, content_type: &'static str, bytes: Vec<u8>| Case {
            what: what.to_owned(),
            target: base.target.clone(),
            body: Body::Raw { content_type, bytes },
            malformed: true,
        };
        out.push(raw("body not JSON", "application/json", b"{\"broken\": ".to_vec()));
        out.push(raw("JSON sent as text/plain", "text/plain", valid.to_string().into_bytes()));
        out.push(raw("body over the size limit", "application/json", oversized(max_body)));
    }
    out
}

fn oversized(max_body: usize) -> Vec<u8> {
    let mut bytes = b"{\"padding\": \"".to_vec();
    bytes.resize(max_body + 16, b'z');
    bytes.extend_from_slice(b"\"}");
    bytes
}
