use super::begin_write;
use crate::StoreResult;
use crate::error::{reading, writing};
use crate::shared::invoices::{self as sql, InvoiceRow, LineRow};
use cpniguard_core::cpni::Invoice;
use cpniguard_core::ids::{AccountId, InvoiceId};
use sqlx::{Sqlite, SqlitePool};

pub(super) async fn insert(pool: &SqlitePool, invoices: &[Invoice]) -> StoreResult<()> {
    sql::validate_all(invoices)?;
    let mut tx = begin_write(pool).await?;
    for invoice in invoices {
        sql::insert::<Sqlite>(invoice).execute(&mut *tx).await.map_err(writing("invoice", "account"))?;
        if let Some(mut lines) = sql::insert_lines::<Sqlite>(invoice) {
            lines.build().execute(&mut *tx).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

pub(super) async fn list(pool: &SqlitePool, account: AccountId) -> StoreResult<Vec<Invoice>> {
    // One snapshot for the invoices and their lines.
    let mut tx = pool.begin().await?;
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

pub(super) async fn get(pool: &SqlitePool, account: AccountId, id: InvoiceId) -> StoreResult<Option<Invoice>> {
    let mut tx = pool.begin().await?;
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
