//! Accounts and contact points: rows, statements, binding and the searches built on
//! both backends alike.

use super::{DbTime, fetch_limit, like_literal, split_page};
use crate::error::{unique_is, writing};
use crate::{AccountLoad, AccountQuery, StoreError, StoreResult};
use cpniguard_core::account::{
    Account, AccountKind, AccountNumber, AccountProfile, AccountStatus, BusinessExemption, DirectoryListing, Language,
    PicFreeze, TimeZoneName,
};
use cpniguard_core::contact::{
    ContactChange, ContactChangePlan, ContactKind, ContactPoint, ContactValue, plan_contact_change,
};
use cpniguard_core::ids::AccountId;
use sqlx::encode::Encode;
use sqlx::query::Query;
use sqlx::{Database, QueryBuilder, Type};
use std::collections::HashMap;
use uuid::Uuid;

// The columns [`AccountRow`] reads. A macro, so `concat!` can build each statement as
// a `&'static str`, the SQL sqlx accepts without asserting it is safe.
macro_rules! account_columns {
    () => {
        "id, account_number, kind, name, language, time_zone, status, \
         pic_freeze_local, pic_freeze_intralata, pic_freeze_interlata, \
         directory_listing, business_exemption_contract, created_at, updated_at"
    };
}

pub(crate) use account_columns;

macro_rules! contact_columns {
    () => {
        "id, account_id, kind, value, associated_at, dissociated_at"
    };
}

pub(crate) const SELECT_BY_ID: &str = concat!("SELECT ", account_columns!(), " FROM accounts WHERE id = $1");

pub(crate) const SELECT_BY_NUMBER: &str =
    concat!("SELECT ", account_columns!(), " FROM accounts WHERE account_number = $1");

/// The profile columns, in the order [`push_profile`] binds them.
macro_rules! profile_columns {
    () => {
        "account_number, kind, name, name_search, language, time_zone, status, pic_freeze_local, \
         pic_freeze_intralata, pic_freeze_interlata, directory_listing, business_exemption_contract"
    };
}

/// Binds: id, now.
pub(crate) const TOUCH: &str = "UPDATE accounts SET updated_at = $2 WHERE id = $1";

pub(crate) const CURRENT_POINTS: &str =
    concat!("SELECT ", contact_columns!(), " FROM contact_points WHERE account_id = $1 AND dissociated_at IS NULL");

pub(crate) const ALL_POINTS: &str =
    concat!("SELECT ", contact_columns!(), " FROM contact_points WHERE account_id = $1");

/// Binds: contact point row id, now.
pub(crate) const END_POINT: &str = "UPDATE contact_points SET dissociated_at = $2 WHERE id = $1";

/// Replace an account's profile columns, updated at `now`.
pub(crate) fn update_profile<DB>(id: AccountId, profile: &AccountProfile, now: DbTime) -> QueryBuilder<DB>
where
    DB: Database,
    for<'a> Uuid: Encode<'a, DB> + Type<DB>,
    for<'a> &'a str: Encode<'a, DB> + Type<DB>,
    for<'a> String: Encode<'a, DB> + Type<DB>,
    for<'a> bool: Encode<'a, DB> + Type<DB>,
    for<'a> Option<&'a str>: Encode<'a, DB> + Type<DB>,
    for<'a> DbTime: Encode<'a, DB> + Type<DB>,
{
    let mut qb = QueryBuilder::new(concat!("UPDATE accounts SET (", profile_columns!(), ", updated_at) = ("));
    let mut values = qb.separated(", ");
    push_profile(&mut values, profile);
    values.push_bind(now);
    qb.push(") WHERE id = ");
    qb.push_bind(id.0);
    qb
}

/// Bind the profile columns in the order [`profile_columns`] lists them.
fn push_profile<DB>(values: &mut sqlx::query_builder::Separated<'_, DB, &'static str>, p: &AccountProfile)
where
    DB: Database,
    for<'a> &'a str: Encode<'a, DB> + Type<DB>,
    for<'a> String: Encode<'a, DB> + Type<DB>,
    for<'a> bool: Encode<'a, DB> + Type<DB>,
    for<'a> Option<&'a str>: Encode<'a, DB> + Type<DB>,
{
    values
        .push_bind(p.account_number.as_str())
        .push_bind(p.kind.as_str())
        .push_bind(p.name.as_str())
        .push_bind(fold_case(&p.name))
        .push_bind(p.language.as_str())
        .push_bind(p.time_zone.as_str())
        .push_bind(p.status.as_str())
        .push_bind(p.pic_freeze.local)
        .push_bind(p.pic_freeze.intralata)
        .push_bind(p.pic_freeze.interlata)
        .push_bind(p.directory_listing.as_str())
        .push_bind(p.business_exemption.as_ref().map(|e| e.contract_reference.as_str()));
}

/// Accounts per multi-row `INSERT` of a bulk load (15 parameters each).
pub(crate) const ACCOUNTS_PER_INSERT: usize = 1_000;

/// Contact points per multi-row `INSERT` of a bulk load (4 parameters each).
pub(crate) const POINTS_PER_INSERT: usize = 4_000;

/// One multi-row `INSERT` of new accounts `(id, profile, opened at)`, each created and
/// updated when it opened.
pub(crate) fn insert<DB>(accounts: &[(AccountId, &AccountProfile, DbTime)]) -> QueryBuilder<DB>
where
    DB: Database,
    for<'a> Uuid: Encode<'a, DB> + Type<DB>,
    for<'a> &'a str: Encode<'a, DB> + Type<DB>,
    for<'a> String: Encode<'a, DB> + Type<DB>,
    for<'a> bool: Encode<'a, DB> + Type<DB>,
    for<'a> Option<&'a str>: Encode<'a, DB> + Type<DB>,
    for<'a> DbTime: Encode<'a, DB> + Type<DB>,
{
    let mut qb =
        QueryBuilder::new(concat!("INSERT INTO accounts (id, ", profile_columns!(), ", created_at, updated_at) "));
    qb.push_values(accounts, |mut row, (id, profile, opened)| {
        row.push_bind(id.0);
        push_profile(&mut row, profile);
        row.push_bind(*opened).push_bind(*opened);
    });
    qb
}

/// The first contact points of accounts being loaded, each associated at its
/// `contact_since` date, else when its account opened.
pub(crate) fn initial_points(accounts: &[AccountLoad]) -> Vec<(AccountId, ContactValue, DbTime)> {
    accounts
        .iter()
        .flat_map(|a| {
            a.new.initial_contact_points().into_iter().map(move |value| {
                let since = a.contact_since.iter().find(|(v, _)| *v == value).map_or(a.opened_at, |(_, at)| *at);
                (a.id, value, DbTime::from(since))
            })
        })
        .collect()
}

/// One multi-row `INSERT` of contact points.
pub(crate) fn insert_points<'q, DB>(points: &'q [(AccountId, ContactValue, DbTime)]) -> QueryBuilder<DB>
where
    DB: Database,
    for<'a> Uuid: Encode<'a, DB> + Type<DB>,
    for<'a> &'a str: Encode<'a, DB> + Type<DB>,
    for<'a> String: Encode<'a, DB> + Type<DB>,
    for<'a> DbTime: Encode<'a, DB> + Type<DB>,
{
    let mut qb = QueryBuilder::new("INSERT INTO contact_points (account_id, kind, value, associated_at) ");
    qb.push_values(points, |mut row, (account, value, at)| {
        row.push_bind(account.0).push_bind(value.kind().as_str()).push_bind(value.storage_text()).push_bind(*at);
    });
    qb
}

/// Write a bulk load inside the caller's transaction: accounts, then their first
/// contact points, then their services, each in multi-row inserts.
pub(crate) async fn load_into<DB>(conn: &mut DB::Connection, accounts: &[AccountLoad]) -> StoreResult<()>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    DB::Arguments: sqlx::IntoArguments<DB>,
    for<'a> Uuid: Encode<'a, DB> + Type<DB>,
    for<'a> &'a str: Encode<'a, DB> + Type<DB>,
    for<'a> String: Encode<'a, DB> + Type<DB>,
    for<'a> bool: Encode<'a, DB> + Type<DB>,
    for<'a> Option<&'a str>: Encode<'a, DB> + Type<DB>,
    for<'a> DbTime: Encode<'a, DB> + Type<DB>,
    for<'a> i64: Encode<'a, DB> + Type<DB>,
    for<'a> sqlx::types::Json<&'a serde_json::Value>: Encode<'a, DB> + Type<DB>,
    for<'a> chrono::NaiveDate: Encode<'a, DB> + Type<DB>,
    for<'a> Option<chrono::NaiveDate>: Encode<'a, DB> + Type<DB>,
{
    for a in accounts {
        a.new.validate()?;
        for service in &a.services {
            if service.account_id != a.id {
                return Err(StoreError::Invalid(cpniguard_core::ValidationError::new(
                    "services",
                    "a loaded account's services must belong to it",
                )));
            }
            service.validate()?;
        }
    }
    for rows in accounts.chunks(ACCOUNTS_PER_INSERT) {
        let rows: Vec<_> = rows.iter().map(|a| (a.id, &a.new.profile, DbTime::from(a.opened_at))).collect();
        insert::<DB>(&rows).build().execute(&mut *conn).await.map_err(unique_is("account number"))?;
    }
    let points = initial_points(accounts);
    for rows in points.chunks(POINTS_PER_INSERT) {
        insert_points::<DB>(rows).build().execute(&mut *conn).await?;
    }
    let services: Vec<&cpniguard_core::cpni::Service> = accounts.iter().flat_map(|a| &a.services).collect();
    for rows in services.chunks(super::services::PER_INSERT) {
        super::services::insert::<DB>(rows).build().execute(&mut *conn).await.map_err(writing("service", "account"))?;
    }
    Ok(())
}

/// A contact point associated with the account at `now`.
pub(crate) fn insert_point<'q, DB>(
    account: AccountId,
    value: &ContactValue,
    now: DbTime,
) -> Query<'q, DB, DB::Arguments>
where
    DB: Database,
    for<'a> Uuid: Encode<'a, DB> + Type<DB>,
    for<'a> &'a str: Encode<'a, DB> + Type<DB>,
    for<'a> String: Encode<'a, DB> + Type<DB>,
    for<'a> DbTime: Encode<'a, DB> + Type<DB>,
{
    sqlx::query("INSERT INTO contact_points (account_id, kind, value, associated_at) VALUES ($1, $2, $3, $4)")
        .bind(account.0)
        .bind(value.kind().as_str())
        .bind(value.storage_text())
        .bind(now)
}

/// Case folding for name search, done in Rust for stored names and search text
/// alike so both backends fold every script the same way (SQLite's `lower()` only
/// knows ASCII).
fn fold_case(text: &str) -> String {
    text.to_lowercase()
}

/// The account search: every criterion given, in account-number order, one row more
/// than the page (see [`super::split_page`]).
pub(crate) fn search<DB>(query: &AccountQuery, page_limit: u32) -> QueryBuilder<DB>
where
    DB: Database,
    for<'a> String: Encode<'a, DB> + Type<DB>,
    for<'a> i64: Encode<'a, DB> + Type<DB>,
{
    let mut qb = QueryBuilder::new(concat!("SELECT ", account_columns!(), " FROM accounts a WHERE TRUE"));
    if let Some(prefix) = &query.account_number_prefix {
        qb.push(" AND a.account_number LIKE ");
        qb.push_bind(format!("{}%", like_literal(&prefix.to_uppercase())));
        qb.push(" ESCAPE '\\'");
    }
    if let Some(fragment) = &query.name_contains {
        qb.push(" AND a.name_search LIKE ");
        qb.push_bind(format!("%{}%", like_literal(&fold_case(fragment))));
        qb.push(" ESCAPE '\\'");
    }
    if let Some(number) = &query.telephone_number {
        qb.push(
            " AND EXISTS (SELECT 1 FROM contact_points c WHERE c.account_id = a.id \
             AND c.kind = 'phone' AND c.dissociated_at IS NULL AND c.value = ",
        );
        qb.push_bind(number.as_str().to_owned());
        qb.push(")");
    }
    if let Some(after) = &query.after {
        qb.push(" AND a.account_number > ");
        qb.push_bind(after.as_str().to_owned());
    }
    qb.push(" ORDER BY a.account_number LIMIT ");
    qb.push_bind(fetch_limit(page_limit));
    qb
}

/// The current contact points of several accounts (a page of search results);
/// `None` when there are no accounts.
/// Account ids per page of [`by_ids`] (well within both backends' bind limits).
pub(crate) const IDS_PER_PAGE: usize = 1_000;

/// The accounts among `ids`, by id.
pub(crate) fn by_ids<DB>(ids: &[AccountId]) -> QueryBuilder<DB>
where
    DB: Database,
    for<'a> Uuid: Encode<'a, DB> + Type<DB>,
{
    let mut qb = QueryBuilder::new(concat!("SELECT ", account_columns!(), " FROM accounts WHERE id IN ("));
    let mut list = qb.separated(", ");
    for id in ids {
        list.push_bind(id.0);
    }
    qb.push(") ORDER BY id");
    qb
}

pub(crate) fn current_points_of<DB>(accounts: &[AccountRow]) -> Option<QueryBuilder<DB>>
where
    DB: Database,
    for<'a> Uuid: Encode<'a, DB> + Type<DB>,
{
    if accounts.is_empty() {
        return None;
    }
    let mut qb = QueryBuilder::new(concat!(
        "SELECT ",
        contact_columns!(),
        " FROM contact_points WHERE dissociated_at IS NULL AND account_id IN ("
    ));
    let mut ids = qb.separated(", ");
    for account in accounts {
        ids.push_bind(account.id);
    }
    qb.push(")");
    Some(qb)
}

#[derive(sqlx::FromRow)]
pub(crate) struct AccountRow {
    id: Uuid,
    account_number: String,
    kind: String,
    name: String,
    language: String,
    time_zone: String,
    status: String,
    pic_freeze_local: bool,
    pic_freeze_intralata: bool,
    pic_freeze_interlata: bool,
    directory_listing: String,
    business_exemption_contract: Option<String>,
    created_at: DbTime,
    updated_at: DbTime,
}

/// Cut a search result fetched with [`search`] down to the page; the cursor is the
/// last account number kept when more follow.
pub(crate) fn split(rows: Vec<AccountRow>, page_limit: u32) -> StoreResult<(Vec<AccountRow>, Option<AccountNumber>)> {
    let (rows, next) = split_page(rows, page_limit, AccountRow::account_number);
    Ok((rows, next.transpose()?))
}

impl AccountRow {
    pub(crate) fn id(&self) -> Uuid {
        self.id
    }

    fn account_number(&self) -> StoreResult<AccountNumber> {
        AccountNumber::parse(&self.account_number).map_err(|_| corrupt("account_number is malformed"))
    }

    /// The account with the given contact point rows (its current ones), in the
    /// stable order of [`current_order`].
    pub(crate) fn into_account(self, points: Vec<ContactRow>) -> StoreResult<Account> {
        let mut contact_points = points.into_iter().map(ContactRow::into_point).collect::<StoreResult<Vec<_>>>()?;
        current_order(&mut contact_points);
        let (id, created_at, updated_at) = (AccountId(self.id), self.created_at.time(), self.updated_at.time());
        Ok(Account { id, profile: self.into_profile()?, contact_points, created_at, updated_at })
    }

    /// The account's profile alone, for reads that need no contact point.
    pub(crate) fn into_profile(self) -> StoreResult<AccountProfile> {
        Ok(AccountProfile {
            account_number: self.account_number()?,
            kind: AccountKind::parse(&self.kind).ok_or_else(|| corrupt("unknown kind"))?,
            name: self.name,
            language: Language::parse(&self.language).ok_or_else(|| corrupt("unknown language"))?,
            time_zone: TimeZoneName::parse(&self.time_zone).map_err(|_| corrupt("unknown time_zone"))?,
            status: AccountStatus::parse(&self.status).ok_or_else(|| corrupt("unknown status"))?,
            pic_freeze: PicFreeze {
                local: self.pic_freeze_local,
                intralata: self.pic_freeze_intralata,
                interlata: self.pic_freeze_interlata,
            },
            directory_listing: DirectoryListing::parse(&self.directory_listing)
                .ok_or_else(|| corrupt("unknown directory_listing"))?,
            business_exemption: self
                .business_exemption_contract
                .map(|contract_reference| BusinessExemption { contract_reference }),
        })
    }
}

fn corrupt(reason: &str) -> StoreError {
    StoreError::corrupt("accounts", reason)
}

/// Accounts from a page of account rows and the current contact points of them all,
/// keeping the order of `accounts`.
pub(crate) fn assemble(accounts: Vec<AccountRow>, points: Vec<ContactRow>) -> StoreResult<Vec<Account>> {
    let mut by_account: HashMap<Uuid, Vec<ContactRow>> = HashMap::new();
    for point in points {
        by_account.entry(point.account_id).or_default().push(point);
    }
    accounts
        .into_iter()
        .map(|row| {
            let points = by_account.remove(&row.id).unwrap_or_default();
            row.into_account(points)
        })
        .collect()
}

#[derive(sqlx::FromRow)]
pub(crate) struct ContactRow {
    id: i64,
    account_id: Uuid,
    kind: String,
    value: String,
    associated_at: DbTime,
    dissociated_at: Option<DbTime>,
}

impl ContactRow {
    pub(crate) fn into_point(self) -> StoreResult<ContactPoint> {
        let corrupt = |reason: &str| StoreError::corrupt("contact_points", reason);
        let kind = ContactKind::parse(&self.kind).ok_or_else(|| corrupt("unknown kind"))?;
        let value = ContactValue::from_storage(kind, &self.value)
            .map_err(|_| corrupt(&format!("value is not a valid {kind} contact point")))?;
        Ok(ContactPoint {
            value,
            associated_at: self.associated_at.time(),
            dissociated_at: self.dissociated_at.map(DbTime::time),
        })
    }
}

/// A contact change to apply: the current rows the plan ends and the points it adds.
pub(crate) struct ContactWrites {
    pub(crate) end_rows: Vec<i64>,
    pub(crate) plan: ContactChangePlan,
}

/// Plan `change` against the account's current contact point rows.
pub(crate) fn plan_change(current: Vec<ContactRow>, change: &ContactChange) -> StoreResult<ContactWrites> {
    let mut ids = Vec::with_capacity(current.len());
    let mut points = Vec::with_capacity(current.len());
    for row in current {
        ids.push(row.id);
        points.push(row.into_point()?);
    }
    let plan = plan_contact_change(&points, change)?;
    // Ended points are found by value among the rows just read, so the row ends
    // exactly as stored, whatever its text.
    let end_rows =
        ids.into_iter().zip(&points).filter(|(_, point)| plan.ended.contains(&point.value)).map(|(id, _)| id).collect();
    Ok(ContactWrites { end_rows, plan })
}

/// The order an account's current contact points are given in: postal address,
/// email, then telephone numbers, each oldest association first.
fn current_order(points: &mut [ContactPoint]) {
    points.sort_by_cached_key(|p| (p.value.kind(), p.associated_at, p.value.storage_text()));
}

/// The order of a contact history: oldest association first, then kind (postal,
/// email, telephone), then value.
fn history_order(points: &mut [ContactPoint]) {
    points.sort_by_cached_key(|p| (p.associated_at, p.value.kind(), p.value.storage_text()));
}

/// The contact history from all of an account's contact point rows.
pub(crate) fn history(rows: Vec<ContactRow>) -> StoreResult<Vec<ContactPoint>> {
    let mut points = rows.into_iter().map(ContactRow::into_point).collect::<StoreResult<Vec<_>>>()?;
    history_order(&mut points);
    Ok(points)
}
