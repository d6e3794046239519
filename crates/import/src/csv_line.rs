//! One CSV record per line, as switches write them: fields separated by commas, a field
//! in double quotes may hold commas, and a quote inside it is doubled (`""`). Asterisk's
//! cdr_csv quotes every text field and leaves numbers and empty times bare; FreeSWITCH's
//! templates quote what the template quotes. A record never spans lines in either.

/// The fields of one line (without its line end), or why it is not CSV.
pub fn split(line: &str) -> Result<Vec<String>, &'static str> {
    let mut fields = Vec::with_capacity(24);
    let mut chars = line.chars().peekable();
    loop {
        // Switch templates sometimes put a space after the comma (FreeSWITCH's
        // stock "sql" template does); it is not part of the value.
        while chars.peek() == Some(&' ') {
            chars.next();
        }
        let mut field = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    Some('"') => break,
                    Some(c) => field.push(c),
                    None => return Err("a quoted field is not closed"),
                }
            }
            while chars.peek() == Some(&' ') {
                chars.next();
            }
            match chars.next() {
                None => {
                    fields.push(field);
                    return Ok(fields);
                }
                Some(',') => fields.push(field),
                Some(_) => return Err("text after a closing quote"),
            }
        } else {
            loop {
                match chars.next() {
                    None => {
                        fields.push(field);
                        return Ok(fields);
                    }
                    Some(',') => break,
                    Some('"') => return Err("a quote inside an unquoted field"),
                    Some(c) => field.push(c),
                }
            }
            fields.push(field);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn quoted_commas_and_doubled_quotes() {
        assert_eq!(
            split(r#""acme","2125550143","""Smith, Jo"" <2125550143>",,12,"x""#).unwrap(),
            vec!["acme", "2125550143", "\"Smith, Jo\" <2125550143>", "", "12", "x"]
        );
    }

    #[test]
    fn empty_fields_and_trailing_empty() {
        assert_eq!(split("a,,b,").unwrap(), vec!["a", "", "b", ""]);
        assert_eq!(split("").unwrap(), vec![""]);
        assert_eq!(split(r#""a", "b""#).unwrap(), vec!["a", "b"]);
    }

    #[test]
    fn broken_quoting_is_refused() {
        assert!(split(r#""open,field"#).is_err());
        assert!(split(r#""a"b,c"#).is_err());
        assert!(split(r#"a"b,c"#).is_err());
    }
}
