use super::*;
use std::io::Write;

fn no_env() -> std::iter::Empty<(String, String)> {
    std::iter::empty()
}

fn env(pairs: &[(&str, &str)]) -> std::vec::IntoIter<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>().into_iter()
}

fn file(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(text.as_bytes()).unwrap();
    f
}

#[test]
fn the_printed_default_is_the_default() {
    let f = file(&Config::default_toml());
    assert_eq!(Config::load_with_env(Some(f.path()), no_env()).unwrap(), Config::default());
}

#[test]
fn unknown_keys_are_rejected() {
    let f = file("[database]\nurll = \"sqlite://x.db\"\n");
    let err = Config::load_with_env(Some(f.path()), no_env()).unwrap_err().to_string();
    assert!(err.contains("urll"), "{err}");
    let f = file("[databse]\nurl = \"sqlite://x.db\"\n");
    assert!(Config::load_with_env(Some(f.path()), no_env()).is_err());
}

#[test]
fn environment_overrides_the_file() {
    let f = file("[database]\nurl = \"sqlite://file.db\"\nmax_connections = 3\n");
    let c = Config::load_with_env(
        Some(f.path()),
        env(&[("CPNIGUARD_DATABASE__URL", "postgres://db/x"), ("CPNIGUARD_SERVER__MAX_BODY_BYTES", "4096")]),
    )
    .unwrap();
    assert_eq!(c.database.url, "postgres://db/x");
    assert_eq!(c.database.max_connections, 3);
    assert_eq!(c.server.max_body_bytes, 4096);
}

#[test]
fn secrets_come_from_files() {
    let secret = file("postgres://user:s3cret@db/cpni\n");
    let path = secret.path().to_str().unwrap().to_owned();
    let c = Config::load_with_env(None, env(&[("CPNIGUARD_DATABASE__URL_FILE", &path)])).unwrap();
    assert_eq!(c.database.url, "postgres://user:s3cret@db/cpni");
    let missing = Config::load_with_env(None, env(&[("CPNIGUARD_DATABASE__URL_FILE", "/nonexistent/secret")]));
    assert!(matches!(missing, Err(ConfigError::SecretFile { .. })));
}

#[test]
fn unrelated_prefixed_variables_are_ignored_but_typos_in_sections_are_not() {
    let ok = Config::load_with_env(None, env(&[("CPNIGUARD_TEST_POSTGRES_URL", "postgres://x")]));
    assert!(ok.is_ok());
    let typo = Config::load_with_env(None, env(&[("CPNIGUARD_DATABASE__URLL", "postgres://x")]));
    assert!(typo.is_err());
}

#[test]
fn semantic_checks() {
    let f = file("[rules]\nof_record_days = 10\n");
    assert!(Config::load_with_env(Some(f.path()), no_env()).unwrap_err().to_string().contains("of_record_days"));
    let f = file("[carrier]\ntime_zone = \"Mars/Base\"\n");
    assert!(Config::load_with_env(Some(f.path()), no_env()).is_err());
    let f = file("[database]\nurl = \"mysql://x\"\n");
    assert!(Config::load_with_env(Some(f.path()), no_env()).is_err());
    assert!(Config::load_with_env(Some(std::path::Path::new("/nonexistent.toml")), no_env()).is_err());
}
