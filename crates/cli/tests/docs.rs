//! The operator documentation stays true: the compliance matrix names only tests that
//! exist, the configuration reference is `cpniguard config default` word for word,
//! and nothing in the README or `docs/` points outside the repository.
//!
//! `CPNIGUARD_UPDATE_DOCS=1 cargo test -p cpniguard --test docs` rewrites
//! `docs/configuration.md` from the defaults after a configuration change.

use cpniguard_server::Config;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn read(relative: &str) -> String {
    std::fs::read_to_string(repo().join(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

/// Every `crates/…/file.rs::name` in backticks of a table row.
fn test_references(markdown: &str) -> Vec<(usize, String, String)> {
    let mut out = Vec::new();
    for (n, line) in markdown.lines().enumerate().filter(|(_, l)| l.starts_with('|')) {
        for span in line.split('`').skip(1).step_by(2) {
            if let Some((file, name)) = span.split_once(".rs::") {
                out.push((n + 1, format!("{file}.rs"), name.to_owned()));
            }
        }
    }
    out
}

/// Whether `source` defines `name` as a test: `fn name(` right under attributes of
/// which one is a test attribute.
fn defines_test(source: &str, name: &str) -> bool {
    let lines: Vec<&str> = source.lines().collect();
    lines.iter().enumerate().any(|(i, line)| {
        line.contains(&format!("fn {name}("))
            && lines[..i]
                .iter()
                .rev()
                .take_while(|l| l.trim_start().starts_with("#["))
                .any(|l| l.contains("#[test]") || l.contains("#[tokio::test"))
    })
}

#[test]
fn the_compliance_matrix_names_only_tests_that_exist() {
    let matrix = read("docs/compliance.md");
    let references = test_references(&matrix);
    assert!(references.len() > 40, "the matrix names its tests ({} found)", references.len());
    let rows = matrix
        .lines()
        .filter(|l| l.starts_with("| ") && !["| rule", "| policy", "| ---"].iter().any(|h| l.starts_with(h)));
    for row in rows {
        assert!(row.contains(".rs::"), "a row of the matrix names no test: {row}");
    }
    let mut missing = Vec::new();
    for (line, file, name) in references {
        let exists = std::fs::read_to_string(repo().join(&file)).is_ok_and(|source| defines_test(&source, &name));
        if !exists {
            missing.push(format!("docs/compliance.md:{line}: {file}::{name}"));
        }
    }
    assert!(missing.is_empty(), "tests named by the compliance matrix do not exist:\n{}", missing.join("\n"));
}

#[test]
fn a_renamed_test_would_be_caught() {
    let source = "#[test]\nfn kept() {}\nfn helper() {}\n";
    assert!(defines_test(source, "kept"));
    assert!(!defines_test(source, "helper"), "a function that is not a test does not count");
    assert!(!defines_test(source, "gone"));
    let refs =
        test_references("| r | `crates/a/tests/b.rs::kept` and `crates/a/src/c.rs::x` |\nprose `crates/d.rs::y`");
    assert_eq!(refs.len(), 2, "only table rows are read");
}

const CONFIG_DOC_HEAD: &str = "# Configuration reference

Every key CPNI Guard reads, with its default and what it means. This page is the output
of `cpniguard config default` (a test keeps the two equal), so it is also a valid
configuration file: copy the block, keep the keys you change, and check it with
`cpniguard config check FILE`.

Every key can also be set in the environment: `CPNIGUARD_<SECTION>__<KEY>`, for example
`CPNIGUARD_DATABASE__URL`, or `CPNIGUARD_NOTICES__POSTAL__SPOOL_DIR` for a nested table.
A variable ending in `_FILE` names a file holding the value, for secrets mounted by an
orchestrator (`CPNIGUARD_DATABASE__URL_FILE=/run/secrets/database-url`). Unknown keys are
errors, so a typo never falls back to a default silently.

Relative paths (key files, the anchor, the letter spool, SQLite files) are relative to
the working directory of the process: the systemd unit in `deploy/` sets it to the data
directory.

```toml
";

fn configuration_doc() -> String {
    format!("{CONFIG_DOC_HEAD}{}```\n", Config::default_toml())
}

#[test]
fn the_configuration_reference_is_the_default_configuration() {
    let path = repo().join("docs/configuration.md");
    let expected = configuration_doc();
    if std::env::var_os("CPNIGUARD_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &expected).unwrap();
    }
    let actual = std::fs::read_to_string(&path).unwrap();
    assert!(
        actual == expected,
        "docs/configuration.md differs from `cpniguard config default`; regenerate it with \
         CPNIGUARD_UPDATE_DOCS=1 cargo test -p cpniguard --test docs"
    );
}

fn documentation_files() -> Vec<PathBuf> {
    let mut files = vec![repo().join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(repo().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

/// The targets of `[text](target)` links.
fn link_targets(markdown: &str) -> Vec<String> {
    markdown
        .split("](")
        .skip(1)
        .filter_map(|rest| rest.split_once(')').map(|(target, _)| target.trim().to_owned()))
        .collect()
}

#[test]
fn no_documentation_points_outside_the_repository() {
    let root = repo();
    let mut problems = Vec::new();
    for file in documentation_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        let name = file.strip_prefix(&root).unwrap().display().to_string();
        for forbidden in ["../shared", "/work/"] {
            if text.contains(forbidden) {
                problems.push(format!("{name}: mentions {forbidden}"));
            }
        }
        for target in link_targets(&text) {
            let path = target.split('#').next().unwrap_or_default();
            if path.is_empty() {
                continue;
            }
            if path.contains("://") || path.starts_with('/') || path.starts_with("mailto:") {
                problems.push(format!("{name}: links outside the repository: {target}"));
                continue;
            }
            let resolved = file.parent().unwrap().join(path);
            match resolved.canonicalize() {
                Ok(p) if p.starts_with(&root) => {}
                Ok(_) => problems.push(format!("{name}: links outside the repository: {target}")),
                Err(_) => problems.push(format!("{name}: links to a file that does not exist: {target}")),
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(link_targets("see [a](docs/a.md) and [b](../x.md#y)"), ["docs/a.md", "../x.md#y"]);
}
