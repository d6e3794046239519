use super::begin_read;
use crate::StoreResult;
use crate::error::{reading, writing};
use crate::shared::invoices::{self as sql, InvoiceRow, LineRow};
use cpniguard_core::cpni::Invoice;
use cpniguard_core::ids::{AccountId, InvoiceId};
use sqlx::{PgPool, Postgres};

pub(super) async fn insert(pool: &PgPool, invoices: &[Invoice]) -> StoreResult<()> {
    sql::validate_all(invoices)?;
    let mut tx = pool.begin().await?;
    for invoice in invoices {
        sql::insert::<Postgres>(invoice).execute(&mut *tx).await.map_err(writing("invoice", "account"))?;
        if let Some(mut lines) = sql::insert_lines::<Postgres>(invoice) {
            lines.build().execute(&mut *tx).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

pub(super) async fn list(pool: &PgPool, account: AccountId) -> StoreResult<Vec<Invoice>> {
    let mut tx = begin_read(pool).await?;
    let invoices = sqlx::query_as::<_, InvoiceRow>(sql::LIST)
        .bind(account.0)
        .fetch_all(&mut *tx)
        .await
        .map_err(reading("invoices"))?;
    let lines = sqlx::query_as::<_, LineRow>(sql::LIST_LINES)
        .bind(account.0)
        .fetch_all(&mut *tx)
        .await
        .map_err(reading("invoice_lines"))?;
    tx.commit().await?;
    sql::assemble(invoices, lines)
}

pub(super) async fn get(pool: &PgPool, account: AccountId, id: InvoiceId) -> StoreResult<Option<Invoice>> {
    let mut tx = begin_read(pool).await?;
    let Some(invoice) = sqlx::query_as::<_, InvoiceRow>(sql::GET)
        .bind(account.0)
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(reading("invoices"))?
    else {
        return Ok(None);
    };
    let lines = sqlx::query_as::<_, LineRow>(sql::GET_LINES)
        .bind(account.0)
        .bind(id.0)
        .fetch_all(&mut *tx)
        .await
        .map_err(reading("invoice_lines"))?;
    tx.commit().await?;
    Ok(sql::assemble(vec![invoice], lines)?.pop())
}
