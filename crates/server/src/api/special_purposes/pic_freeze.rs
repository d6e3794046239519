//! The PIC-freeze inquiry: another carrier, about to change a customer's preferred
//! carrier, asks whether a freeze blocks it. The answer is yes or no and nothing else
//! about the account.
//!
//! A number that is not ours answers `pic_freeze: false, our_customer: false`: no
//! freeze of ours blocks the change, and the inquiring carrier needs to know it asked
//! the wrong carrier. No account is involved, so nothing passes the gate or is
//! recorded for it.

use crate::auth::CurrentStaff;
use crate::extract::ApiQuery;
use crate::gate::{GateRequest, RequestId, Target};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use cpniguard_core::account::Account;
use cpniguard_core::phone::PhoneNumber;
use cpniguard_core::staff::Staff;
use cpniguard_policy::{Action, Purpose};
use cpniguard_store::AccountQuery;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PicFreezeQuery {
    /// The number to be switched, E.164 (`+18015550100`).
    pub telephone_number: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PicFreezeAnswer {
    pub telephone_number: String,
    /// Whether a preferred-carrier freeze (of any kind of service) is in place.
    pub pic_freeze: bool,
    /// Whether the number is ours at all.
    pub our_customer: bool,
}

#[utoipa::path(
    get, path = "/api/v1/carrier/pic-freeze", tag = "special purposes", params(PicFreezeQuery),
    responses((status = 200, description = "Yes or no; a number that is not ours answers `pic_freeze: false, our_customer: false`", body = PicFreezeAnswer),
        (status = 403, description = "Not a carrier, or the policy refused", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not an E.164 number", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn pic_freeze_inquiry(
    State(state): State<AppState>,
    CurrentStaff(carrier): CurrentStaff,
    request_id: RequestId,
    ApiQuery(q): ApiQuery<PicFreezeQuery>,
) -> ApiResult<Json<PicFreezeAnswer>> {
    let number = PhoneNumber::parse(&q.telephone_number)?;
    let query = AccountQuery { telephone_number: Some(number.clone()), limit: 1, ..AccountQuery::default() };
    let page = state.store.search_accounts(&query).await?;
    let telephone_number = number.as_str().to_owned();
    let Some(account) = page.accounts.into_iter().next() else {
        return Ok(Json(PicFreezeAnswer { telephone_number, pic_freeze: false, our_customer: false }));
    };
    authorize(&state, &carrier, &account, request_id).await?;
    Ok(Json(PicFreezeAnswer { telephone_number, pic_freeze: account.profile.pic_freeze.any(), our_customer: true }))
}

/// The gate's decision on answering `carrier` about `account`, recorded before the
/// answer is given.
async fn authorize(state: &AppState, carrier: &Staff, account: &Account, request_id: RequestId) -> ApiResult<()> {
    let target = Target::Account(account.id);
    let request = GateRequest::staff(carrier, Action::AnswerPicFreezeInquiry, Purpose::PicFreezeInquiry, target)
        .record_ref("pic_freeze")
        .request_id(request_id.0);
    state.gate.authorize(state, request).await?;
    Ok(())
}
