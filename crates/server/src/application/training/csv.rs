//! The CSV the privacy office imports (RFC 4180 on one line per row: fields separated
//! by commas, a field in double quotes may hold commas and `""` for a quote). The
//! header names the columns, in any order; each row comes back with its line number,
//! its text as sent, and its fields in the order asked for, or why it cannot be read.

#[derive(Debug)]
pub(crate) struct CsvRow {
    /// 1-based, counting the header as line 1.
    pub line: u64,
    pub raw: String,
    /// The required columns, then the optional ones the header has, in the order given.
    pub fields: Result<Vec<String>, String>,
}

fn split(line: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (false, '"') if at_start => quoted = true,
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => {
                quoted = false;
                if chars.peek().is_some_and(|&n| n != ',') {
                    return Err("text after a closing quote".to_owned());
                }
            }
            (false, ',') => {
                fields.push(std::mem::take(&mut field).trim().to_owned());
                at_start = true;
                continue;
            }
            (_, c) => field.push(c),
        }
        at_start = at_start && c.is_whitespace() && !quoted;
    }
    if quoted {
        return Err("a quoted field is not closed".to_owned());
    }
    fields.push(field.trim().to_owned());
    Ok(fields)
}

/// The data rows of `text`. Blank lines are skipped. The whole file is refused only
/// when its header is unusable.
pub(crate) fn rows(text: &str, required: &[&str], optional: &[&str]) -> Result<Vec<CsvRow>, String> {
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines.next().ok_or("the file is empty; the first line must be the header")?;
    let header = split(header.trim_start_matches('\u{feff}')).map_err(|e| format!("header: {e}"))?;
    let expected = || format!("the header must be {}[,{}]", required.join(","), optional.join(","));
    if let Some(unknown) = header.iter().find(|h| !required.contains(&h.as_str()) && !optional.contains(&h.as_str())) {
        return Err(format!("unknown column {unknown:?}; {}", expected()));
    }
    let position = |name: &str| header.iter().position(|h| h == name);
    let mut order = Vec::new();
    for name in required {
        order.push(position(name).ok_or_else(|| format!("missing column {name:?}; {}", expected()))?);
    }
    order.extend(optional.iter().filter_map(|name| position(name)));
    Ok(lines
        .map(|(i, line)| CsvRow {
            line: i as u64 + 1,
            raw: line.to_owned(),
            fields: split(line).and_then(|f| {
                if f.len() != header.len() {
                    return Err(format!("{} fields where the header has {}", f.len(), header.len()));
                }
                Ok(order.iter().map(|&i| f[i].clone()).collect())
            }),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_keep_commas_and_quotes() {
        assert_eq!(split(r#"ana,"CPNI, part ""A""",2025-01-02"#).unwrap(), ["ana", "CPNI, part \"A\"", "2025-01-02"]);
        assert!(split(r#"ana,"open"#).is_err());
        assert!(split(r#"ana,"x"y,z"#).is_err());
    }

    #[test]
    fn rows_follow_the_header_and_report_their_line() {
        let text = "course,username,completed_on\r\nBasics,ana,2025-01-02\n\nBasics,ben\n";
        let rows = rows(text, &["username", "course", "completed_on"], &["expires_on"]).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].fields.as_ref().unwrap(), &["ana", "Basics", "2025-01-02"]);
        assert_eq!((rows[1].line, rows[1].raw.as_str()), (4, "Basics,ben"));
        assert!(rows[1].fields.as_ref().unwrap_err().contains("2 fields"));
        assert!(super::rows("username,course\n", &["username", "course", "completed_on"], &[]).is_err());
        assert!(super::rows("username,colour\n", &["username"], &[]).unwrap_err().contains("colour"));
    }
}
