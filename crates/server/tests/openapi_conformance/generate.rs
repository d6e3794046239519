//! Values built from the document's schemas: ones the schema allows (its examples
//! first, then values within its types, formats, enums and bounds) and ones it does
//! not (wrong types, missing required fields, out-of-range numbers, huge strings).

use crate::document::Document;
use rand::Rng;
use rand::rngs::StdRng;
use serde_json::{Map, Value, json};

const MAX_DEPTH: usize = 6;

/// A value `schema` allows.
pub fn valid(doc: &Document, schema: &Value, rng: &mut StdRng) -> Value {
    valid_at(doc, schema, rng, 0)
}

fn valid_at(doc: &Document, schema: &Value, rng: &mut StdRng, depth: usize) -> Value {
    let schema = doc.resolve(schema);
    if let Some(example) = schema.get("example") {
        return example.clone();
    }
    if let Some(examples) = schema["examples"].as_array().filter(|e| !e.is_empty()) {
        return examples[rng.random_range(0..examples.len())].clone();
    }
    if let Some(value) = schema.get("const") {
        return value.clone();
    }
    if let Some(values) = schema["enum"].as_array().filter(|e| !e.is_empty()) {
        return values[rng.random_range(0..values.len())].clone();
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(variants) = schema[key].as_array() {
            let concrete: Vec<&Value> = variants.iter().filter(|v| v["type"] != "null").collect();
            if concrete.is_empty() {
                return Value::Null;
            }
            let chosen = concrete[rng.random_range(0..concrete.len())];
            return merge_siblings(valid_at(doc, chosen, rng, depth + 1), schema, doc, rng, depth);
        }
    }
    if let Some(parts) = schema["allOf"].as_array() {
        let mut merged = Map::new();
        for part in parts {
            match valid_at(doc, part, rng, depth + 1) {
                Value::Object(m) => merged.extend(m),
                other if parts.len() == 1 => return other,
                _ => {}
            }
        }
        return merge_siblings(Value::Object(merged), schema, doc, rng, depth);
    }
    match type_of(schema).as_str() {
        "object" => object(doc, schema, rng, depth),
        "array" => {
            let min = schema["minItems"].as_u64().unwrap_or(0) as usize;
            let max = schema["maxItems"].as_u64().map_or(min.max(2), |m| m as usize).min(min.max(3));
            let count = if depth >= MAX_DEPTH { min } else { rng.random_range(min.max(1).min(max)..=max) };
            let items = &schema["items"];
            let mut out: Vec<Value> = Vec::new();
            for _ in 0..count {
                let item = valid_at(doc, items, rng, depth + 1);
                if schema["uniqueItems"] == true && out.contains(&item) {
                    continue;
                }
                out.push(item);
            }
            Value::Array(out)
        }
        "integer" => {
            let min = schema["minimum"].as_i64().unwrap_or(0);
            let max = schema["maximum"].as_i64().unwrap_or(min.saturating_add(100));
            json!(rng.random_range(min..=max.max(min)))
        }
        "number" => json!(rng.random_range(0..1000) as f64 / 10.0),
        "boolean" => json!(rng.random_bool(0.5)),
        "null" => Value::Null,
        _ => string(schema, rng),
    }
}

/// An object schema that also has its own properties beside a `oneOf`/`allOf`.
fn merge_siblings(value: Value, schema: &Value, doc: &Document, rng: &mut StdRng, depth: usize) -> Value {
    match (value, schema.get("properties")) {
        (Value::Object(mut m), Some(_)) => {
            if let Value::Object(own) = object(doc, schema, rng, depth) {
                m.extend(own);
            }
            Value::Object(m)
        }
        (value, _) => value,
    }
}

fn object(doc: &Document, schema: &Value, rng: &mut StdRng, depth: usize) -> Value {
    let required: Vec<&str> = schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let mut out = Map::new();
    for (name, property) in schema["properties"].as_object().into_iter().flatten() {
        if required.contains(&name.as_str()) || (depth < MAX_DEPTH && rng.random_bool(0.5)) {
            out.insert(name.clone(), valid_at(doc, property, rng, depth + 1));
        }
    }
    Value::Object(out)
}

/// The schema's type, the non-null one of a nullable type list.
pub fn type_of(schema: &Value) -> String {
    match &schema["type"] {
        Value::String(t) => t.clone(),
        Value::Array(types) => {
            types.iter().filter_map(Value::as_str).find(|t| *t != "null").unwrap_or("null").to_owned()
        }
        _ if schema.get("properties").is_some() => "object".to_owned(),
        _ => String::new(),
    }
}

fn string(schema: &Value, rng: &mut StdRng) -> Value {
    let day = rng.random_range(1..=28);
    let text = match schema["format"].as_str().unwrap_or_default() {
        "uuid" => uuid::Uuid::new_v4().to_string(),
        "date" => format!("2026-02-{day:02}"),
        "date-time" => format!("2026-02-{day:02}T10:{:02}:00Z", rng.random_range(0..60)),
        "email" => format!("conformance{}@example.com", rng.random_range(0..10_000)),
        _ => {
            let min = schema["minLength"].as_u64().unwrap_or(1) as usize;
            let max = schema["maxLength"].as_u64().map_or(min.max(12), |m| m as usize).min(min.max(24));
            let length = rng.random_range(min..=max.max(min));
            (0..length).map(|_| char::from(b'a' + rng.random_range(0..26u8))).collect()
        }
    };
    Value::String(text)
}

/// One way of breaking a valid value of `schema`, with what it is (for the failure
/// message).
pub struct Malformed {
    pub what: String,
    pub value: Value,
    /// The schema forbids it, so only a 4xx may answer it (a merely odd value, such as
    /// a 64 KiB string where no length is documented, need only be answered well).
    pub forbidden: bool,
}

/// Bodies `schema` does not allow, built from `valid_body`.
pub fn malformed_bodies(doc: &Document, schema: &Value, valid_body: &Value, rng: &mut StdRng) -> Vec<Malformed> {
    let schema = doc.resolve(schema);
    let mut out = vec![
        Malformed { what: "an array instead of the body".into(), value: json!([]), forbidden: true },
        Malformed { what: "a number instead of the body".into(), value: json!(42), forbidden: true },
        Malformed { what: "null instead of the body".into(), value: Value::Null, forbidden: true },
    ];
    let Value::Object(fields) = valid_body else { return out };
    let required: Vec<String> =
        schema["required"].as_array().into_iter().flatten().filter_map(|v| v.as_str().map(str::to_owned)).collect();
    if !required.is_empty() {
        let missing = &required[rng.random_range(0..required.len())];
        let mut body = fields.clone();
        body.remove(missing);
        out.push(Malformed {
            what: format!("without the required `{missing}`"),
            value: Value::Object(body),
            forbidden: true,
        });
    }
    let names: Vec<&String> = fields.keys().collect();
    if !names.is_empty() {
        let name = names[rng.random_range(0..names.len())];
        let property = doc.resolve(&schema["properties"][name.as_str()]);
        let mut body = fields.clone();
        body.insert(name.clone(), wrong_type(property));
        out.push(Malformed {
            what: format!("`{name}` of the wrong type"),
            value: Value::Object(body.clone()),
            forbidden: true,
        });
        if let Some(beyond) = out_of_range(property) {
            body.insert(name.clone(), beyond);
            out.push(Malformed { what: format!("`{name}` out of range"), value: Value::Object(body), forbidden: true });
        }
    }
    if let Some((name, _)) =
        schema["properties"].as_object().into_iter().flatten().find(|(_, p)| type_of(doc.resolve(p)) == "string")
    {
        let mut body = fields.clone();
        body.insert(name.clone(), Value::String("x".repeat(64 * 1024)));
        out.push(Malformed { what: format!("`{name}` 64 KiB long"), value: Value::Object(body), forbidden: false });
    }
    out
}

/// A value of another JSON type than the schema's.
pub fn wrong_type(schema: &Value) -> Value {
    match type_of(schema).as_str() {
        "string" => json!(12345),
        "integer" | "number" => json!("not a number"),
        "boolean" => json!("yes"),
        "array" => json!({"not": "a list"}),
        "object" => json!("not an object"),
        _ => json!({"unexpected": [1, 2, 3]}),
    }
}

/// A value just past the schema's bounds, or far past any integer's.
pub fn out_of_range(schema: &Value) -> Option<Value> {
    match type_of(schema).as_str() {
        "integer" => Some(match (schema["maximum"].as_i64(), schema["minimum"].as_i64()) {
            (Some(max), _) => json!(max.saturating_add(1)),
            (None, Some(min)) => json!(min.saturating_sub(1)),
            (None, None) => json!(1e30),
        }),
        "string" => schema["maxLength"].as_u64().map(|max| Value::String("y".repeat(max as usize + 1))),
        _ => None,
    }
}

/// Path segments no route parameter accepts.
pub fn garbage_segments() -> [&'static str; 4] {
    ["not-an-id", "-1", "99999999999999999999999", "%F0%9F%92%A5%20%27--"]
}

/// Query values of the wrong type for `schema`.
pub fn malformed_query(schema: &Value) -> Vec<String> {
    match type_of(schema).as_str() {
        "integer" => {
            let mut values = vec!["abc".to_owned(), "99999999999999999999".to_owned(), "1.5".to_owned()];
            if schema["minimum"].as_i64().is_some_and(|min| min >= 0) {
                values.push("-1".into());
            }
            if let Some(max) = schema["maximum"].as_i64() {
                values.push((max + 1).to_string());
            }
            values
        }
        "number" => vec!["abc".into()],
        "boolean" => vec!["maybe".into()],
        "string" if schema["format"].is_string() || schema["enum"].is_array() => vec!["%%garbage%%".into()],
        _ => Vec::new(),
    }
}
