//! Delivery to the address of record (S3 methods 3 and 4): a document goes to the
//! email or postal address of record — associated at least the "of record" period
//! (30 days) — through the notices outbox. The requester never sees its content, but
//! the document is CPNI: the disclosure gate decides and records the delivery first.
//! A CSR's request (`application::interactions::deliver`) and the customer's own
//! (`for_customer`) both end in [`deliver`].

use crate::application::accounts::load as load_account;
use crate::application::contacts::of_record_rule;
use crate::application::secret_checks::{Actor, record_signal};
use crate::gate::{GateRequest, Permit};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use cpniguard_core::account::Account;
use cpniguard_core::contact::{ContactKind, ContactValue};
use cpniguard_core::cpni::TimeRange;
use cpniguard_core::ids::{AccountId, InteractionId, InvoiceId};
use cpniguard_core::notice::{Channel, Destination, NewNotice, NoticeId, NoticeKind};
use cpniguard_policy::{Action, Purpose};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use utoipa::ToSchema;
use uuid::Uuid;

/// The document to send; its content goes to the address of record only.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Document {
    /// The call detail of a period.
    CallDetail { from: DateTime<Utc>, to: DateTime<Utc> },
    /// A copy of an invoice.
    Invoice { invoice_id: InvoiceId },
}

/// The email address of record (the document attached) or a letter to the postal
/// address of record.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    Email,
    Postal,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveryRequest {
    pub document: Document,
    pub via: Via,
}

/// Queued through the notices outbox; the requester never sees the content.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    pub notice_id: NoticeId,
    pub via: Via,
    #[schema(value_type = String)]
    pub detail: &'static str,
}

/// The signed-in customer asks for a document to go to their own address of record.
pub async fn for_customer(
    state: &AppState,
    account_id: AccountId,
    interaction: InteractionId,
    request_id: Option<String>,
    req: &DeliveryRequest,
) -> ApiResult<DeliveryView> {
    let account = load_account(state, account_id).await?;
    let grounds =
        GateRequest::customer(account_id, interaction, Action::DeliverToAddressOfRecord, Purpose::ServiceAndSupport)
            .request_id(request_id);
    deliver(state, &account, req, grounds).await
}

/// Every call-detail request without the password is kept; repeated ones raise a signal.
pub async fn call_detail_without_password(state: &AppState, account: &Account, who: &Actor) -> ApiResult<()> {
    const KIND: &str = "call_detail_request_without_password";
    let c = &state.config.customer_auth;
    let since = state.now() - Duration::minutes(c.signal_window_minutes.into());
    let before = state.store.count_signals(account.id, KIND, since).await?;
    record_signal(
        state,
        KIND,
        Some(account.id),
        who,
        "call detail asked for over the phone without the password".into(),
    )
    .await;
    if before + 1 >= u64::from(c.signal_call_detail_requests) {
        record_signal(
            state,
            "repeated_call_detail_without_password",
            Some(account.id),
            who,
            format!(
                "{} call-detail requests without the password within {} minutes",
                before + 1,
                c.signal_window_minutes
            ),
        )
        .await;
    }
    Ok(())
}

fn not_of_record(kind: ContactKind, from: Option<DateTime<Utc>>) -> Problem {
    let detail = match from {
        Some(t) => format!(
            "the {} address was associated less than the of-record period ago (of record from {}): documents go only to an address of record",
            kind.as_str(),
            t.date_naive()
        ),
        None => format!("the account has no {} address", kind.as_str()),
    };
    Problem::new(StatusCode::CONFLICT, "not_of_record", "Not an address of record", detail)
}

/// Send `req`'s document to the address of record, once the gate allowed `grounds`
/// (the caller, purpose and interaction) and recorded it.
pub async fn deliver(
    state: &AppState,
    account: &Account,
    req: &DeliveryRequest,
    grounds: GateRequest,
) -> ApiResult<DeliveryView> {
    let now = state.now();
    let rule = of_record_rule(state);
    let wanted = match req.via {
        Via::Email => ContactKind::Email,
        Via::Postal => ContactKind::Postal,
    };
    let point = account.contact_points.iter().find(|c| c.is_current() && c.value.kind() == wanted);
    let Some(point) = point.filter(|c| c.is_of_record(now, rule)) else {
        return Err(not_of_record(wanted, point.map(|c| c.of_record_from(rule))));
    };
    let (channel, destination) = match &point.value {
        ContactValue::Email(address) => (Channel::Email, Destination::Email { address: address.clone() }),
        ContactValue::Postal(address) => {
            (Channel::Postal, Destination::Postal { name: account.profile.name.clone(), address: address.clone() })
        }
        ContactValue::Phone(_) => return Err(Problem::internal()),
    };
    let grounds = match &req.document {
        Document::CallDetail { from, to } => {
            let range = TimeRange::new(*from, *to)?;
            grounds.period(range).record_ref(format!("calls:{}/{}", from.to_rfc3339(), to.to_rfc3339()))
        }
        Document::Invoice { invoice_id } => grounds.record_ref(format!("invoice:{invoice_id}")),
    };
    let permit = state.gate.authorize(state, grounds.record_ref(format!("via:{}", channel.as_str()))).await?;
    let document = render_document(&permit, &req.document).await?;
    let notice = NewNotice {
        id: NoticeId::new(),
        account_id: Some(account.id),
        kind: NoticeKind::DocumentDelivery,
        channel,
        destination,
        template: NoticeKind::DocumentDelivery.template().to_owned(),
        language: account.profile.language,
        params: BTreeMap::from([
            ("change".to_owned(), NoticeKind::DocumentDelivery.as_str().to_owned()),
            ("changed_at".to_owned(), now.to_rfc3339()),
            ("name".to_owned(), account.profile.name.clone()),
            ("document".to_owned(), document),
        ]),
        idempotency_key: format!("{}:document:{}", account.id, Uuid::now_v7()),
        not_before: now,
    };
    let id = notice.id;
    state.store.enqueue_notices(&[notice], now).await?;
    tracing::info!(account = %account.id, channel = channel.as_str(), "document queued to the address of record");
    Ok(DeliveryView { notice_id: id, via: req.via, detail: "queued to the address of record" })
}

/// The document's text, read through the permit for it. It goes into the outbox only,
/// never into the response.
async fn render_document(permit: &Permit, doc: &Document) -> ApiResult<String> {
    let mut out = String::new();
    match doc {
        Document::CallDetail { from, to } => {
            let page = permit.calls(None, cpniguard_store::MAX_PAGE).await?;
            let _ = writeln!(out, "Call detail, {} to {} (UTC)", from.date_naive(), to.date_naive());
            for c in &page.calls {
                let _ = writeln!(
                    out,
                    "{}  {:?}  {}  {}  {} s  {}",
                    c.started_at.format("%Y-%m-%d %H:%M"),
                    c.direction,
                    c.other_party,
                    c.destination,
                    c.duration_secs,
                    c.charge.map_or_else(|| "not rated".to_owned(), |charge| charge.to_string())
                );
            }
            if page.next_after.is_some() {
                let _ = writeln!(out, "(first {} calls; ask for a shorter period for the rest)", page.calls.len());
            }
            if page.calls.is_empty() {
                out.push_str("No calls in this period.\n");
            }
        }
        Document::Invoice { invoice_id } => {
            let inv = permit.invoice(*invoice_id).await?;
            let _ = writeln!(
                out,
                "Invoice {} to {}, issued {}, due {}",
                inv.period_start, inv.period_end, inv.issued_on, inv.due_on
            );
            for l in &inv.lines {
                let _ = writeln!(out, "{}  {}", l.description, l.amount);
            }
            let _ = writeln!(out, "Total {}", inv.total);
        }
    }
    Ok(out)
}
