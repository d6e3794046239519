//! Finding an account the way a CSR is told it on a call: by account number, telephone
//! number or name, in one box. The answer carries no CPNI (name, number, status only).

use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use cpniguard_core::account::{Account, AccountNumber};
use cpniguard_core::ids::AccountId;
use cpniguard_core::phone::PhoneNumber;
use cpniguard_store::AccountQuery;

/// Accounts matching what the caller gave: a telephone number when it reads as one, an
/// account-number prefix when it reads as one, else a part of the name.
pub async fn find(state: &AppState, text: &str, limit: u32) -> ApiResult<Vec<Account>> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let mut query = AccountQuery { limit, ..AccountQuery::default() };
    if let Ok(number) = PhoneNumber::parse(text) {
        query.telephone_number = Some(number);
    } else if text.chars().any(|c| c.is_ascii_digit()) && AccountNumber::parse(text).is_ok() {
        query.account_number_prefix = Some(text.to_owned());
    } else {
        query.name_contains = Some(text.to_owned());
    }
    Ok(state.store.search_accounts(&query).await?.accounts)
}

/// The account, or 404.
pub async fn load(state: &AppState, id: AccountId) -> ApiResult<Account> {
    state.store.get_account(id).await?.ok_or_else(|| Problem::not_found("account"))
}
