//! serde's and axum's rejection messages say what a Rust type expected ("invalid type:
//! string \"x\", expected u32 at line 1 column 9", "expected struct CreateAccountRequest",
//! "Cannot parse `abc` to a `i32`"). Callers need the same facts in the API's words:
//! which field, and what it accepts. These functions turn one into the other; a message
//! written by the project's own validation (a `ValidationError` raised while parsing a
//! telephone number, an account number...) is already plain and passes unchanged.

/// What a Rust type name means to a caller ("u32" → "a whole number from 0 to
/// 4294967295", "uuid::Uuid" → "a UUID").
pub fn expected_type(rust: &str) -> String {
    let name = rust.trim().trim_start_matches('`').trim_end_matches('`');
    let last = name.rsplit("::").next().unwrap_or(name);
    let words = match last {
        "u8" => "a whole number from 0 to 255",
        "u16" => "a whole number from 0 to 65535",
        "u32" => "a whole number from 0 to 4294967295",
        "u64" | "usize" => "a whole number of 0 or more",
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number",
        "f32" | "f64" => "a number",
        "bool" | "a boolean" => "true or false",
        "a sequence" | "a tuple" => "an array",
        "a map" => "an object",
        "unit" => "null",
        "a string" | "a borrowed string" | "String" | "str" => "a string",
        "NaiveDate" => "a date (YYYY-MM-DD)",
        "DateTime" | "DateTime<Utc>" => "a date and time (RFC 3339, e.g. 2026-01-31T09:00:00Z)",
        other if other.starts_with("struct ") || other.starts_with("a struct") => "an object",
        other if other.starts_with("enum ") || other.starts_with("variant identifier") => {
            "one of the documented values"
        }
        other if other.starts_with("tuple") => "an array",
        other if other.contains("Uuid") || other.ends_with("Id") || other.starts_with("a UUID") => "a UUID",
        other if other.contains("integer") => "a whole number",
        other => return other.to_owned(),
    };
    words.to_owned()
}

/// A deserializer's message (`serde_json`, `serde_urlencoded`, or a `Deserialize`
/// impl's own) in plain words, without input positions or Rust type names.
pub fn reason(message: &str) -> String {
    let message = without_position(message);
    if let Some(rest) = message.strip_prefix("invalid type: ").or_else(|| message.strip_prefix("invalid value: "))
        && let Some((found, expected)) = rest.split_once(", expected ")
    {
        return format!("expected {}, found {}", expected_type(expected), found);
    }
    if let Some((_, expected)) = message.strip_prefix("invalid length ").and_then(|r| r.split_once(", expected ")) {
        return match expected.strip_prefix("struct ") {
            Some(_) => "expected an object, found an array".to_owned(),
            None => format!("wrong number of items: expected {expected}"),
        };
    }
    if message.starts_with("UUID parsing failed")
        || message.starts_with("invalid character: expected an optional prefix")
    {
        return "expected a UUID (such as 0190c2a4-7b1e-7c3a-9f00-2b5d3c4e5f60)".to_owned();
    }
    let words = match message {
        "invalid digit found in string" | "cannot parse integer from empty string" => "expected a whole number",
        "number too large to fit in target type" | "number too small to fit in target type" => {
            "the number is out of the accepted range"
        }
        "invalid float literal" => "expected a number",
        // serde_json's word for a value an enum cannot start with (a number, an array).
        "expected value" => "expected one of the documented values",
        "provided string was not `true` or `false`" => "expected true or false",
        "input contains invalid characters"
        | "premature end of input"
        | "trailing input"
        | "input is out of range"
        | "input is not enough for unique date and time"
        | "no possible date and time matching input"
        | "bad or unsupported format string" => "expected a date (YYYY-MM-DD) or a date and time (RFC 3339)",
        other => return other.to_owned(),
    };
    words.to_owned()
}

/// The field a message names itself ("missing field `name`", "unknown field `x`,
/// expected ..."), and the message to show with it.
pub fn named_field(message: &str) -> Option<(String, String)> {
    let message = without_position(message);
    let between_ticks = |rest: &str| {
        rest.strip_prefix('`').and_then(|r| r.split_once('`')).map(|(f, after)| (f.to_owned(), after.to_owned()))
    };
    if let Some((field, _)) = message.strip_prefix("missing field ").and_then(between_ticks) {
        return Some((field, "is required".to_owned()));
    }
    if let Some((field, after)) = message.strip_prefix("unknown field ").and_then(between_ticks) {
        let accepted = after.trim_start_matches(", ").replace("expected one of ", "").replace("expected ", "");
        let accepted = if accepted.is_empty() { "none".to_owned() } else { accepted };
        return Some((field, format!("is not a field of this request (accepted: {accepted})")));
    }
    None
}

/// serde_json appends " at line L column C"; the caller's body has no lines to count.
fn without_position(message: &str) -> &str {
    match message.rfind(" at line ") {
        Some(at) if message[at..].contains(" column ") => &message[..at],
        _ => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_types_become_words() {
        assert_eq!(
            reason("invalid type: string \"x\", expected u32 at line 1 column 9"),
            "expected a whole number from 0 to 4294967295, found string \"x\""
        );
        assert_eq!(
            reason("invalid type: integer `5`, expected struct CreateAccountRequest"),
            "expected an object, found integer `5`"
        );
        assert_eq!(reason("invalid digit found in string"), "expected a whole number");
        assert_eq!(
            reason("invalid length 2, expected struct CreateAccountRequest with 12 elements"),
            "expected an object, found an array"
        );
        assert_eq!(expected_type("i32"), "a whole number");
        assert_eq!(expected_type("cpniguard_core::ids::AccountId"), "a UUID");
        assert!(
            !reason("UUID parsing failed: invalid character: expected an optional prefix of `urn:uuid:`")
                .contains("urn")
        );
    }

    #[test]
    fn own_messages_pass_unchanged() {
        assert_eq!(reason("must be a telephone number in E.164 form"), "must be a telephone number in E.164 form");
    }

    #[test]
    fn fields_named_in_the_message_are_found() {
        assert_eq!(named_field("missing field `name` at line 1 column 2"), Some(("name".into(), "is required".into())));
        let (field, text) = named_field("unknown field `nmae`, expected `name` or `kind`").unwrap();
        assert_eq!(field, "nmae");
        assert!(text.contains("`name` or `kind`"), "{text}");
        assert_eq!(named_field("invalid type: null"), None);
    }
}
