//! The routes the router really serves, read from the router itself. axum has no API
//! that lists routes, but its `Debug` output names every path (`Node { paths: {...} }`)
//! and, for each route, which methods have an endpoint (`get: Route(..)` or
//! `BoxedHandler(..)`) and which do not (`get: None`). Tests that must cover "every
//! route" read them from there instead of from a hand-kept list; if a new axum release
//! changes that output, `route_table` fails loudly rather than finding nothing.

use std::collections::{BTreeMap, BTreeSet};

const METHODS: [&str; 9] = ["get", "head", "delete", "options", "patch", "post", "put", "trace", "connect"];

/// Every (method, path) the router serves, lower-case methods, paths as templates
/// (`/api/v1/accounts/{id}`). `head` is left out where `get` is there (axum answers
/// HEAD from GET).
pub fn route_table(router: &axum::Router) -> BTreeSet<(String, String)> {
    let debug = format!("{router:?}");
    let paths = route_paths(&debug);
    assert!(paths.len() > 10, "the router's Debug output no longer lists paths: {}", &debug[..debug.len().min(400)]);
    let mut out = BTreeSet::new();
    for (id, path) in &paths {
        let methods = route_methods(&debug, *id);
        assert!(!methods.is_empty(), "no method found for {path} in the router's Debug output");
        for m in methods {
            out.insert((m.to_owned(), path.clone()));
        }
    }
    out
}

/// `RouteId(n)` → path, from `Node { paths: {RouteId(1): "/x", ...} }`.
fn route_paths(debug: &str) -> BTreeMap<u32, String> {
    let mut out = BTreeMap::new();
    let mut rest = debug;
    while let Some(i) = rest.find("Node { paths: {") {
        rest = &rest[i + "Node { paths: {".len()..];
        // Paths hold braces (`{id}`) but never quotes: the map ends at `"}`.
        let end = rest.find("\"}").expect("the paths map closes") + 1;
        for entry in rest[..end].split(", RouteId(") {
            let entry = entry.trim_start_matches("RouteId(");
            let Some((id, path)) = entry.split_once("): ") else { continue };
            out.insert(id.parse().expect("a route id"), path.trim_matches('"').to_owned());
        }
    }
    out
}

/// The methods with an endpoint in route `id`'s `MethodRouter { get: ..., ... }`.
fn route_methods(debug: &str, id: u32) -> Vec<&'static str> {
    let key = format!("RouteId({id}): MethodRouter(MethodRouter {{ ");
    let Some(start) = debug.find(&key) else { return Vec::new() };
    let body = &debug[start + key.len()..];
    let body = &body[..body.find("fallback: ").unwrap_or(body.len())];
    let served: Vec<&'static str> = METHODS
        .into_iter()
        .filter(|m| body.find(&format!("{m}: ")).is_some_and(|i| !body[i + m.len() + 2..].starts_with("None")))
        .collect();
    if served.contains(&"get") { served.into_iter().filter(|m| *m != "head").collect() } else { served }
}
