//! Staff and their API tokens.

use super::DbTime;
use crate::{StoreError, StoreResult, TokenHash};
use chrono::NaiveDate;
use cpniguard_core::ids::StaffId;
use cpniguard_core::staff::{NewStaff, Role, Staff, Username};
use sqlx::encode::Encode;
use sqlx::query::Query;
use sqlx::query::QueryAs;
use sqlx::{Database, Type};
use std::collections::BTreeSet;
use uuid::Uuid;

// The columns [`StaffRow`] reads. A macro, so `concat!` can build each statement as
// a `&'static str`, the SQL sqlx accepts without asserting it is safe.
macro_rules! staff_columns {
    () => {
        "id, username, display_name, roles, training_completed_on, active, created_at"
    };
}

pub(crate) const BY_USERNAME: &str = concat!("SELECT ", staff_columns!(), " FROM staff WHERE username = $1");

pub(crate) const LIST: &str = concat!("SELECT ", staff_columns!(), " FROM staff ORDER BY username");

/// The owner of an unrevoked token, if that staff member is active. Binds: hash.
pub(crate) const BY_TOKEN_HASH: &str = "SELECT s.id, s.username, s.display_name, s.roles, \
    s.training_completed_on, s.active, s.created_at \
    FROM staff_tokens t JOIN staff s ON s.id = t.staff_id \
    WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND s.active";

/// Binds: staff id, active.
pub(crate) const SET_ACTIVE: &str = "UPDATE staff SET active = $2 WHERE id = $1";

/// Binds: staff id, now.
pub(crate) const REVOKE_TOKENS: &str =
    "UPDATE staff_tokens SET revoked_at = $2 WHERE staff_id = $1 AND revoked_at IS NULL";

/// A new, active staff member created at `now`, returned as stored.
pub(crate) fn insert<'q, DB>(id: StaffId, new: &'q NewStaff, now: DbTime) -> QueryAs<'q, DB, StaffRow, DB::Arguments>
where
    DB: Database,
    for<'r> StaffRow: sqlx::FromRow<'r, DB::Row>,
    for<'a> Uuid: Encode<'a, DB> + Type<DB>,
    for<'a> &'a str: Encode<'a, DB> + Type<DB>,
    for<'a> String: Encode<'a, DB> + Type<DB>,
    for<'a> Option<NaiveDate>: Encode<'a, DB> + Type<DB>,
    for<'a> DbTime: Encode<'a, DB> + Type<DB>,
{
    sqlx::query_as(concat!(
        "INSERT INTO staff (",
        staff_columns!(),
        ") VALUES ($1, $2, $3, $4, $5, TRUE, $6) RETURNING ",
        staff_columns!()
    ))
    .bind(id.0)
    .bind(new.username.as_str())
    .bind(new.display_name.as_str())
    .bind(roles_text(&new.roles))
    .bind(new.training_completed_on)
    .bind(now)
}

pub(crate) fn insert_token<'q, DB>(
    staff: StaffId,
    token_hash: &TokenHash,
    label: &str,
    now: DbTime,
) -> Query<'q, DB, DB::Arguments>
where
    DB: Database,
    for<'a> Uuid: Encode<'a, DB> + Type<DB>,
    for<'a> &'a [u8]: Encode<'a, DB> + Type<DB>,
    for<'a> &'a str: Encode<'a, DB> + Type<DB>,
    for<'a> DbTime: Encode<'a, DB> + Type<DB>,
{
    sqlx::query("INSERT INTO staff_tokens (token_hash, staff_id, label, created_at) VALUES ($1, $2, $3, $4)")
        .bind(&token_hash[..])
        .bind(staff.0)
        .bind(label)
        .bind(now)
}

/// Roles as stored: their names joined by commas, in the roles' declared order.
fn roles_text(roles: &BTreeSet<Role>) -> String {
    roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",")
}

#[derive(sqlx::FromRow)]
pub(crate) struct StaffRow {
    id: Uuid,
    username: String,
    display_name: String,
    roles: String,
    training_completed_on: Option<NaiveDate>,
    active: bool,
    created_at: DbTime,
}

impl StaffRow {
    pub(crate) fn into_staff(self) -> StoreResult<Staff> {
        let corrupt = |reason: &str| StoreError::corrupt("staff", reason);
        let roles = self
            .roles
            .split(',')
            .map(|name| Role::parse(name).ok_or_else(|| corrupt("unknown role")))
            .collect::<StoreResult<BTreeSet<_>>>()?;
        Ok(Staff {
            id: StaffId(self.id),
            username: Username::parse(&self.username).map_err(|_| corrupt("username is malformed"))?,
            display_name: self.display_name,
            roles,
            training_completed_on: self.training_completed_on,
            active: self.active,
            created_at: self.created_at.time(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_text() {
        let roles: BTreeSet<Role> = [Role::Auditor, Role::Csr, Role::PrivacyOfficer].into();
        let text = roles_text(&roles);
        assert_eq!(text, "csr,privacy_officer,auditor");
        let row = StaffRow {
            id: Uuid::nil(),
            username: "ana.csr".into(),
            display_name: "Ana".into(),
            roles: text,
            training_completed_on: None,
            active: true,
            created_at: DbTime::from(chrono::DateTime::UNIX_EPOCH),
        };
        assert_eq!(row.into_staff().unwrap().roles, roles);
    }
}
