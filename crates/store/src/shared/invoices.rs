//! Invoices and their lines.

use crate::{StoreError, StoreResult};
use chrono::NaiveDate;
use cpniguard_core::cpni::{Invoice, InvoiceLine, LineCategory};
use cpniguard_core::ids::{AccountId, InvoiceId};
use cpniguard_core::money::Cents;
use sqlx::encode::Encode;
use sqlx::query::Query;
use sqlx::{Database, QueryBuilder, Type};
use std::collections::HashMap;
use uuid::Uuid;

// The columns [`InvoiceRow`] reads. A macro, so `concat!` can build each statement as
// a `&'static str`, the SQL sqlx accepts without asserting it is safe.
macro_rules! invoice_columns {
    () => {
        "id, account_id, period_start, period_end, issued_on, due_on, total_cents"
    };
}

macro_rules! line_columns {
    () => {
        "invoice_id, category, description, amount_cents"
    };
}

/// Newest billing period first; the id orders invoices of one period.
pub(crate) const LIST: &str = concat!(
    "SELECT ",
    invoice_columns!(),
    " FROM invoices WHERE account_id = $1 ORDER BY period_start DESC, issued_on DESC, id DESC"
);

pub(crate) const LIST_LINES: &str =
    concat!("SELECT ", line_columns!(), " FROM invoice_lines WHERE account_id = $1 ORDER BY invoice_id, line_no");

/// Binds: account id, invoice id.
pub(crate) const GET: &str = concat!("SELECT ", invoice_columns!(), " FROM invoices WHERE account_id = $1 AND id = $2");

/// Binds: account id, invoice id.
pub(crate) const GET_LINES: &str = concat!(
    "SELECT ",
    line_columns!(),
    " FROM invoice_lines WHERE account_id = $1 AND invoice_id = $2 ORDER BY line_no"
);

/// Check every invoice before any is written, so one bad invoice refuses the batch.
pub(crate) fn validate_all(invoices: &[Invoice]) -> StoreResult<()> {
    for (i, invoice) in invoices.iter().enumerate() {
        invoice.validate().map_err(|e| e.within(&format!("invoices[{i}]")))?;
    }
    Ok(())
}

pub(crate) fn insert<'q, DB>(invoice: &Invoice) -> Query<'q, DB, DB::Arguments>
where
    DB: Database,
    for<'a> Uuid: Encode<'a, DB> + Type<DB>,
    for<'a> NaiveDate: Encode<'a, DB> + Type<DB>,
    for<'a> i64: Encode<'a, DB> + Type<DB>,
{
    sqlx::query(concat!("INSERT INTO invoices (", invoice_columns!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7)"))
        .bind(invoice.id.0)
        .bind(invoice.account_id.0)
        .bind(invoice.period_start)
        .bind(invoice.period_end)
        .bind(invoice.issued_on)
        .bind(invoice.due_on)
        .bind(invoice.total.0)
}

/// The lines of `invoice` as one multi-row `INSERT`, numbered from 1 in their order;
/// `None` when it has none.
pub(crate) fn insert_lines<DB>(invoice: &Invoice) -> Option<QueryBuilder<DB>>
where
    DB: Database,
    for<'a> Uuid: Encode<'a, DB> + Type<DB>,
    for<'a> &'a str: Encode<'a, DB> + Type<DB>,
    for<'a> i64: Encode<'a, DB> + Type<DB>,
{
    if invoice.lines.is_empty() {
        return None;
    }
    let mut qb = QueryBuilder::new(
        "INSERT INTO invoice_lines (account_id, invoice_id, line_no, category, description, amount_cents) ",
    );
    qb.push_values((1i64..).zip(&invoice.lines), |mut row, (line_no, line)| {
        row.push_bind(invoice.account_id.0)
            .push_bind(invoice.id.0)
            .push_bind(line_no)
            .push_bind(line.category.as_str())
            .push_bind(line.description.as_str())
            .push_bind(line.amount.0);
    });
    Some(qb)
}

#[derive(sqlx::FromRow)]
pub(crate) struct InvoiceRow {
    id: Uuid,
    account_id: Uuid,
    period_start: NaiveDate,
    period_end: NaiveDate,
    issued_on: NaiveDate,
    due_on: NaiveDate,
    total_cents: i64,
}

#[derive(sqlx::FromRow)]
pub(crate) struct LineRow {
    invoice_id: Uuid,
    category: String,
    description: String,
    amount_cents: i64,
}

/// Invoices with their lines, keeping the order of `invoices` and of `lines`.
pub(crate) fn assemble(invoices: Vec<InvoiceRow>, lines: Vec<LineRow>) -> StoreResult<Vec<Invoice>> {
    let mut by_invoice: HashMap<Uuid, Vec<InvoiceLine>> = HashMap::new();
    for row in lines {
        let category = LineCategory::parse(&row.category)
            .ok_or_else(|| StoreError::corrupt("invoice_lines", "unknown category"))?;
        by_invoice.entry(row.invoice_id).or_default().push(InvoiceLine {
            category,
            description: row.description,
            amount: Cents(row.amount_cents),
        });
    }
    invoices
        .into_iter()
        .map(|row| {
            let invoice = Invoice {
                id: InvoiceId(row.id),
                account_id: AccountId(row.account_id),
                period_start: row.period_start,
                period_end: row.period_end,
                issued_on: row.issued_on,
                due_on: row.due_on,
                total: Cents(row.total_cents),
                lines: by_invoice.remove(&row.id).unwrap_or_default(),
            };
            // A stored invoice was valid when written; one that no longer adds up
            // was changed behind the store's back.
            invoice.validate().map_err(|e| StoreError::corrupt("invoices", format!("{} is inconsistent", e.field)))?;
            Ok(invoice)
        })
        .collect()
}
