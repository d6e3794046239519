//! What the two backends share, so they cannot drift apart: the rows read back and
//! their conversion into domain types, statements written in the SQL both dialects
//! accept, the order values are bound in, and paging.
//!
//! The common dialect is PostgreSQL's as SQLite 3.35+ also reads it: numbered `$n`
//! parameters (sqlx binds SQLite's `$n` by number too), `ON CONFLICT`, `RETURNING`,
//! row values, `TRUE`. Column types differ per backend only in the timestamps, which
//! [`DbTime`] encodes for each.

pub(crate) mod accounts;
pub(crate) mod audit;
pub(crate) mod auth;
pub(crate) mod auth_limits;
pub(crate) mod breach;
pub(crate) mod call_import;
pub(crate) mod calls;
pub(crate) mod campaigns;
pub(crate) mod complaints;
pub(crate) mod consent;
pub(crate) mod console;
pub(crate) mod disclosure_facts;
pub(crate) mod invoices;
pub(crate) mod notices;
pub(crate) mod publication;
pub(crate) mod retention;
pub(crate) mod services;
pub(crate) mod special_purposes;
pub(crate) mod staff;
mod time;
pub(crate) mod training;

pub(crate) use time::DbTime;

use crate::{MAX_PAGE, StoreCounts, StoreError, StoreResult};

/// The page size a listing uses: at least one row, at most [`MAX_PAGE`].
pub(crate) fn page_limit(requested: u32) -> u32 {
    requested.clamp(1, MAX_PAGE)
}

/// The `LIMIT` to query with: one row more than the page holds, which tells whether
/// another page follows without a second query. [`split_page`] removes it again.
pub(crate) fn fetch_limit(page_limit: u32) -> i64 {
    i64::from(page_limit) + 1
}

/// Cut the rows fetched with [`fetch_limit`] down to the page, and give the cursor
/// of its last row when more rows follow.
pub(crate) fn split_page<T, C>(mut rows: Vec<T>, page_limit: u32, cursor: impl Fn(&T) -> C) -> (Vec<T>, Option<C>) {
    let limit = page_limit as usize;
    if rows.len() <= limit {
        return (rows, None);
    }
    rows.truncate(limit);
    let next = rows.last().map(cursor);
    (rows, next)
}

/// Text to find with `LIKE`, with `%`, `_` and the escape character escaped so they
/// match themselves. Statements using it say `ESCAPE '\'`.
pub(crate) fn like_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A count or other non-negative integer column read back as unsigned.
pub(crate) fn unsigned<T: TryFrom<i64>>(table: &'static str, column: &str, value: i64) -> StoreResult<T> {
    T::try_from(value).map_err(|_| StoreError::corrupt(table, format!("{column} out of range: {value}")))
}

pub(crate) const COUNTS: &str = "SELECT \
    (SELECT COUNT(*) FROM accounts), \
    (SELECT COUNT(*) FROM services), \
    (SELECT COUNT(*) FROM calls), \
    (SELECT COUNT(*) FROM invoices), \
    (SELECT COUNT(*) FROM staff)";

/// The row of [`COUNTS`].
pub(crate) fn counts_from(
    (accounts, services, calls, invoices, staff): (i64, i64, i64, i64, i64),
) -> StoreResult<StoreCounts> {
    Ok(StoreCounts {
        accounts: unsigned("accounts", "count", accounts)?,
        services: unsigned("services", "count", services)?,
        calls: unsigned("calls", "count", calls)?,
        invoices: unsigned("invoices", "count", invoices)?,
        staff: unsigned("staff", "count", staff)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(like_literal("50%_off\\"), "50\\%\\_off\\\\");
        assert_eq!(like_literal("josé"), "josé");
    }

    #[test]
    fn pages_know_whether_more_follows() {
        let limit = page_limit(2);
        assert_eq!(fetch_limit(limit), 3);
        assert_eq!(split_page(vec![1, 2, 3], limit, |n| *n), (vec![1, 2], Some(2)));
        assert_eq!(split_page(vec![1, 2], limit, |n| *n), (vec![1, 2], None));
        assert_eq!(page_limit(0), 1);
        assert_eq!(page_limit(u32::MAX), MAX_PAGE);
    }
}
