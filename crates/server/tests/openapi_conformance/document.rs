//! The served OpenAPI document, read as a client would: its operations, their
//! parameters, bodies and documented responses, and JSON Schema validators for the
//! documented response bodies (`#/components/schemas/...` references resolve against
//! the document's own components).

use jsonschema::Validator;
use serde_json::{Map, Value};
use std::collections::HashMap;

pub const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// One operation of the document.
#[derive(Debug, Clone)]
pub struct Operation {
    pub method: &'static str,
    pub path: String,
    pub spec: Value,
}

impl Operation {
    pub fn name(&self) -> String {
        format!("{} {}", self.method.to_uppercase(), self.path)
    }

    /// Its parameters located `place` (`path`, `query`, `header`).
    pub fn parameters<'a>(&'a self, place: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.spec["parameters"].as_array().into_iter().flatten().filter(move |p| p["in"] == place)
    }

    /// The request body's content type and schema, if it takes one.
    pub fn body(&self) -> Option<(&str, &Value)> {
        let content = self.spec["requestBody"]["content"].as_object()?;
        let json = content.get("application/json").map(|c| ("application/json", c));
        let (kind, media) = json.or_else(|| content.iter().next().map(|(k, v)| (k.as_str(), v)))?;
        Some((kind, &media["schema"]))
    }

    pub fn body_required(&self) -> bool {
        self.spec["requestBody"]["required"] == true
    }

    /// The body examples the document gives for the request, on the body or on its
    /// schema.
    pub fn body_examples(&self, doc: &Document) -> Vec<Value> {
        let Some(content) = self.spec["requestBody"]["content"].as_object() else { return Vec::new() };
        let mut out = Vec::new();
        for media in content.values() {
            let schema = doc.resolve(&media["schema"]);
            let examples = schema.get("examples").and_then(Value::as_array).into_iter().flatten();
            for example in [media.get("example"), schema.get("example")].into_iter().flatten().chain(examples) {
                out.push(example.clone());
            }
            for example in media["examples"].as_object().into_iter().flat_map(|m| m.values()) {
                if let Some(value) = example.get("value") {
                    out.push(value.clone());
                }
            }
        }
        out
    }

    /// Whether `status` is documented, directly, as a range (`4XX`) or by `default`.
    pub fn documents(&self, status: u16) -> bool {
        let responses = &self.spec["responses"];
        let range = format!("{}XX", status / 100);
        responses.get(status.to_string()).is_some()
            || responses.get(range).is_some()
            || responses.get("default").is_some()
    }

    pub fn needs_bearer(&self) -> bool {
        self.spec["security"].to_string().contains("\"bearer\"")
    }
}

pub struct Document {
    pub raw: Value,
    validators: HashMap<String, Validator>,
}

impl Document {
    /// The document `s` serves.
    pub async fn fetch(s: &crate::common::TestServer) -> Self {
        let r = s.http.get(s.url("/api/v1/openapi.json")).send().await.unwrap();
        assert_eq!(r.status(), reqwest::StatusCode::OK);
        Self { raw: r.json().await.unwrap(), validators: HashMap::new() }
    }

    /// Every API operation, in path order (the OpenAPI document itself excluded).
    pub fn operations(&self) -> Vec<Operation> {
        let mut out = Vec::new();
        for (path, item) in self.raw["paths"].as_object().expect("paths") {
            for method in METHODS {
                if let Some(spec) = item.get(method) {
                    out.push(Operation { method, path: path.clone(), spec: spec.clone() });
                }
            }
        }
        out
    }

    /// `schema` with any `$ref` to a component replaced by the component.
    pub fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        let mut current = schema;
        for _ in 0..8 {
            let Some(reference) = current["$ref"].as_str() else { return current };
            let name = reference.trim_start_matches("#/components/schemas/");
            current = &self.raw["components"]["schemas"][name];
        }
        current
    }

    /// The documented schema of a `status` response in `content_type`, if any.
    pub fn response_schema(&self, op: &Operation, status: u16, content_type: &str) -> Option<Value> {
        let response = op.spec["responses"].get(status.to_string())?;
        let response = self.resolve_response(response);
        response["content"].get(content_type).map(|c| c["schema"].clone()).filter(|s| !s.is_null())
    }

    fn resolve_response<'a>(&'a self, response: &'a Value) -> &'a Value {
        match response["$ref"].as_str() {
            Some(r) => &self.raw["components"]["responses"][r.trim_start_matches("#/components/responses/")],
            None => response,
        }
    }

    /// The content types documented for a `status` response.
    pub fn response_types(&self, op: &Operation, status: u16) -> Vec<String> {
        op.spec["responses"]
            .get(status.to_string())
            .map(|r| self.resolve_response(r))
            .and_then(|r| r["content"].as_object())
            .map(|c| c.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// Validates `body` against `schema`; the validator errors, as text.
    pub fn violations(&mut self, schema: &Value, body: &Value) -> Vec<String> {
        let key = schema.to_string();
        if !self.validators.contains_key(&key) {
            let mut root: Map<String, Value> = match schema {
                Value::Object(m) => m.clone(),
                other => return vec![format!("not a schema object: {other}")],
            };
            root.insert("components".into(), self.raw["components"].clone());
            let validator = jsonschema::options()
                .with_draft(jsonschema::Draft::Draft202012)
                .build(&Value::Object(root))
                .unwrap_or_else(|e| panic!("the document's schema {key} does not compile: {e}"));
            self.validators.insert(key.clone(), validator);
        }
        self.validators[&key].iter_errors(body).map(|e| format!("{} at {}", e, e.instance_path())).collect()
    }
}
