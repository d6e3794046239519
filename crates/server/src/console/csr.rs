//! The CSR's live-call screen: find the account (no CPNI in the results), open an
//! interaction on the caller's channel, run the authentication that channel allows,
//! and only then show call detail or invoices for a purpose — through the gate, which
//! records every request and explains every refusal. Each handler extracts, calls the
//! application layer, and renders; no rule is decided here.

use super::forms::ContactForm;
use super::pages::{Chrome, ok, render};
use super::session::ConsoleStaff;
use crate::application::delivery::{DeliveryRequest, Document, Via};
use crate::application::interactions::{self as ops, InteractionView};
use crate::application::reads::{self, CallPage};
use crate::application::{StaffCaller, accounts, contacts, customer_session};
use crate::auth::client::ClientIp;
use crate::gate::{GateRequest, RequestId, Target};
use crate::problem::Problem;
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cpniguard_core::account::Account;
use cpniguard_core::authn::{CallDetailAccess, InteractionChannel, PhotoId, Secret, SecretKind};
use cpniguard_core::cpni::{CallDetailRecord, Invoice};
use cpniguard_core::ids::{AccountId, InteractionId};
use cpniguard_core::phone::PhoneNumber;
use cpniguard_policy::{Action, Channel, Purpose};
use serde::Deserialize;
use uuid::Uuid;

/// The purposes a CSR may name on a live interaction (the others need a legal process
/// or a fraud case and are not asked for on a call).
const CALL_PURPOSES: [Purpose; 2] = [Purpose::ServiceAndSupport, Purpose::Billing];

/// What came of the last action on the screen, in words.
pub struct Outcome {
    pub refused: bool,
    pub text: String,
    pub allowed_instead: Vec<String>,
    pub audit_seq: Option<u64>,
}

impl Outcome {
    pub fn done(text: impl Into<String>) -> Self {
        Self { refused: false, text: text.into(), allowed_instead: Vec::new(), audit_seq: None }
    }

    pub fn refusal(p: &Problem) -> Self {
        Self {
            refused: true,
            text: p.detail.clone(),
            allowed_instead: p.allowed_instead.clone(),
            audit_seq: p.audit_seq,
        }
    }
}

// --- finding an account ---------------------------------------------------------------

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

#[derive(Template)]
#[template(path = "console/home.html")]
struct HomePage {
    chrome: Chrome,
    q: String,
    searched: bool,
    results: Vec<Account>,
    error: Option<String>,
}

/// The console's first screen: one search box.
pub async fn home(State(state): State<AppState>, who: ConsoleStaff, Query(query): Query<SearchQuery>) -> Response {
    let searched = !query.q.trim().is_empty();
    let (results, error) = match accounts::find(&state, &query.q, 25).await {
        Ok(found) => (found, None),
        Err(p) => (Vec::new(), Some(p.detail)),
    };
    ok(&HomePage { chrome: Chrome::new(&who, "Find an account"), q: query.q, searched, results, error })
}

// --- the account and its interactions -------------------------------------------------

/// What the screen shows about an account before anyone is authenticated: who it is,
/// whether it is locked and why. No CPNI.
struct AccountHeader {
    account: Account,
    locked_until: Option<String>,
    failures: u32,
}

async fn header(state: &AppState, account: Account) -> Result<AccountHeader, Problem> {
    let lock = state.store.lock_state(account.id).await?;
    let now = state.now();
    Ok(AccountHeader {
        locked_until: lock.locked_until.filter(|u| *u > now).map(|u| u.format("%Y-%m-%d %H:%M UTC").to_string()),
        failures: lock.failures,
        account,
    })
}

#[derive(Template)]
#[template(path = "console/account.html")]
struct AccountPage {
    chrome: Chrome,
    head: AccountHeader,
    channels: &'static [InteractionChannel],
}

pub async fn account(State(state): State<AppState>, who: ConsoleStaff, Path(id): Path<AccountId>) -> Response {
    let loaded = match state.store.get_account(id).await {
        Ok(Some(a)) => header(&state, a).await,
        Ok(None) => Err(Problem::not_found("account")),
        Err(e) => Err(e.into()),
    };
    match loaded {
        Ok(head) => ok(&AccountPage {
            chrome: Chrome::new(&who, format!("Account {}", head.account.profile.account_number)),
            head,
            channels: InteractionChannel::ALL,
        }),
        Err(p) => super::pages::message_page(p.status_code(), "Account", &p.detail),
    }
}

#[derive(Deserialize)]
pub struct OpenForm {
    channel: String,
}

/// Open an interaction for the caller's channel, then go to its screen.
pub async fn open_interaction(
    State(state): State<AppState>,
    who: ConsoleStaff,
    Path(id): Path<AccountId>,
    Form(form): Form<OpenForm>,
) -> Response {
    let Some(channel) = InteractionChannel::parse(&form.channel) else {
        return super::pages::message_page(StatusCode::UNPROCESSABLE_ENTITY, "Open an interaction", "Pick a channel.");
    };
    match ops::open(&state, &who.staff, id, channel).await {
        Ok(view) => Redirect::to(&format!("/console/interactions/{}", view.id)).into_response(),
        Err(p) => super::pages::message_page(p.status_code(), "Open an interaction", &p.detail),
    }
}

// --- the live-call screen -------------------------------------------------------------

#[derive(Template)]
#[template(path = "console/interaction.html")]
struct InteractionPage {
    chrome: Chrome,
    head: AccountHeader,
    view: InteractionView,
    outcome: Option<Outcome>,
    call_back_number: Option<String>,
    purposes: Vec<&'static str>,
    may_reveal: bool,
}

impl InteractionPage {
    fn channel(&self) -> &'static str {
        self.view.channel.as_str()
    }

    fn is_voice(&self) -> bool {
        matches!(self.view.channel, InteractionChannel::Phone | InteractionChannel::Chat)
    }

    fn in_store(&self) -> bool {
        self.view.channel == InteractionChannel::InStore
    }

    fn call_detail_words(&self) -> &'static str {
        match self.view.summary.call_detail {
            CallDetailAccess::Open => "Call detail may be shown and discussed.",
            CallDetailAccess::VolunteeredOnly => {
                "Only the call details the customer described themselves may be discussed; do not read any out."
            }
            CallDetailAccess::DeliveryOnly => {
                "Call detail may not be discussed: it can only be sent to the address of record, or shown after a call back to the number of record."
            }
        }
    }
}

/// The screen for an interaction, with the outcome of what was just done on it.
async fn interaction_screen(
    state: &AppState,
    who: &ConsoleStaff,
    id: Uuid,
    outcome: Option<Outcome>,
    call_back_number: Option<String>,
    status: StatusCode,
) -> Response {
    let loaded = async {
        let view = ops::view(state, &who.staff, id).await?;
        let account = state.store.get_account(view.account_id).await?.ok_or_else(|| Problem::not_found("account"))?;
        Ok::<_, Problem>((view, header(state, account).await?))
    };
    match loaded.await {
        Ok((view, head)) => {
            let may_reveal = view.summary.authenticated || view.summary.call_detail == CallDetailAccess::Open;
            let page = InteractionPage {
                chrome: Chrome::new(who, format!("Call with account {}", head.account.profile.account_number)),
                head,
                may_reveal,
                view,
                outcome,
                call_back_number,
                purposes: CALL_PURPOSES.iter().map(|p| p.as_str()).collect(),
            };
            render(status, &page)
        }
        Err(p) if p.status == StatusCode::GONE.as_u16() => super::pages::message_page(
            StatusCode::GONE,
            "Interaction ended",
            "This interaction has ended: nothing more can be shown on it. Open a new interaction from the account and authenticate the caller again.",
        ),
        Err(p) => super::pages::message_page(p.status_code(), "Interaction", &p.detail),
    }
}

pub async fn interaction(State(state): State<AppState>, who: ConsoleStaff, Path(id): Path<Uuid>) -> Response {
    interaction_screen(&state, &who, id, None, None, StatusCode::OK).await
}

/// Show the screen again after an action: its outcome, and the status that goes with it.
async fn after(
    state: &AppState,
    who: &ConsoleStaff,
    id: Uuid,
    result: Result<String, Problem>,
    call_back_number: Option<String>,
) -> Response {
    match result {
        Ok(done) => {
            interaction_screen(state, who, id, Some(Outcome::done(done)), call_back_number, StatusCode::OK).await
        }
        Err(p) => interaction_screen(state, who, id, Some(Outcome::refusal(&p)), None, p.status_code()).await,
    }
}

#[derive(Deserialize)]
pub struct VerifyForm {
    kind: String,
    secret: String,
}

pub async fn verify(
    State(state): State<AppState>,
    who: ConsoleStaff,
    client: ClientIp,
    Path(id): Path<Uuid>,
    Form(form): Form<VerifyForm>,
) -> Response {
    let result = match SecretKind::parse(&form.kind) {
        Some(kind) => {
            let caller = StaffCaller { staff: &who.staff, client: client.0 };
            ops::verify(&state, caller, id, kind, Secret::new(form.secret))
                .await
                .map(|_| format!("The {} matched.", kind.as_str().replace('_', " ")))
        }
        None => Err(Problem::forbidden("pick what the customer gave: password, PIN or back-up answer")),
    };
    after(&state, &who, id, result, None).await
}

pub async fn call_back(
    State(state): State<AppState>,
    who: ConsoleStaff,
    client: ClientIp,
    Path(id): Path<Uuid>,
) -> Response {
    let caller = StaffCaller { staff: &who.staff, client: client.0 };
    match ops::call_back(&state, caller, id, None).await {
        Ok(v) => {
            let text = match v.call_placed {
                Some(_) => "The call back is being placed; it completes when the customer answers.".to_owned(),
                None => "Hang up and call this number of record; confirm below once the customer answers.".to_owned(),
            };
            after(&state, &who, id, Ok(text), Some(v.number_to_dial.as_str().to_owned())).await
        }
        Err(p) => after(&state, &who, id, Err(p), None).await,
    }
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    number: String,
}

pub async fn confirm_call_back(
    State(state): State<AppState>,
    who: ConsoleStaff,
    Path(id): Path<Uuid>,
    Form(form): Form<ConfirmForm>,
) -> Response {
    let result = match PhoneNumber::parse(&form.number) {
        Ok(number) => ops::confirm_call_back(&state, &who.staff, id, &number)
            .await
            .map(|_| "The call back to the number of record is recorded.".to_owned()),
        Err(e) => Err(e.into()),
    };
    after(&state, &who, id, result, None).await
}

pub async fn volunteered(State(state): State<AppState>, who: ConsoleStaff, Path(id): Path<Uuid>) -> Response {
    let result = ops::volunteered(&state, &who.staff, id)
        .await
        .map(|_| "Recorded: only the call details the customer described may be discussed.".to_owned());
    after(&state, &who, id, result, None).await
}

pub async fn photo_id(
    State(state): State<AppState>,
    who: ConsoleStaff,
    Path(id): Path<Uuid>,
    Form(form): Form<PhotoId>,
) -> Response {
    let result = ops::photo_id(&state, &who.staff, id, form).await.map(|_| "The photo ID is recorded.".to_owned());
    after(&state, &who, id, result, None).await
}

/// End the interaction and go back to the account: nothing more shows on it.
pub async fn end(State(state): State<AppState>, who: ConsoleStaff, Path(id): Path<Uuid>) -> Response {
    match ops::end(&state, &who.staff, id).await {
        Ok(account) => Redirect::to(&format!("/console/accounts/{account}")).into_response(),
        Err(p) => after(&state, &who, id, Err(p), None).await,
    }
}

// --- CPNI, through the gate -----------------------------------------------------------

#[derive(Deserialize)]
pub struct RevealQuery {
    purpose: String,
}

#[derive(Template)]
#[template(path = "console/cpni_calls.html")]
struct CallsFragment {
    interaction: Uuid,
    calls: Vec<CallDetailRecord>,
    hide_after_secs: i64,
}

#[derive(Template)]
#[template(path = "console/cpni_invoices.html")]
struct InvoicesFragment {
    interaction: Uuid,
    invoices: Vec<Invoice>,
    hide_after_secs: i64,
}

#[derive(Template)]
#[template(path = "console/refusal.html")]
pub struct RefusalFragment {
    pub outcome: Outcome,
}

/// Nothing: what the CPNI panel becomes when its interaction ends or expires.
pub async fn cleared() -> Response {
    (StatusCode::OK, axum::response::Html("<div id=\"cpni\" aria-live=\"polite\"><p>Nothing is shown: the interaction has ended or its authentication has expired.</p></div>")).into_response()
}

/// The gate request for a read on this interaction, for the purpose picked.
async fn grounds(
    state: &AppState,
    who: &ConsoleStaff,
    id: Uuid,
    purpose: &str,
    action: Action,
    request_id: RequestId,
) -> Result<(GateRequest, i64), Problem> {
    // The ownership and expiry check only: the gate reads the evidence itself.
    let interaction = ops::open_of(state, &who.staff, id).await?;
    let purpose = Purpose::parse(purpose)
        .filter(|p| CALL_PURPOSES.contains(p))
        .ok_or_else(|| Problem::forbidden("pick a purpose from the list"))?;
    let channel = Channel::parse(interaction.channel.as_str()).unwrap_or(Channel::None);
    let request = GateRequest::staff(&who.staff, action, purpose, Target::Account(interaction.account_id))
        .channel(channel)
        .interaction(Some(InteractionId(interaction.id)))
        .request_id(request_id.0);
    Ok((request, (interaction.expires_at - state.now()).num_seconds().max(1)))
}

fn refused(p: &Problem) -> Response {
    render(p.status_code(), &RefusalFragment { outcome: Outcome::refusal(p) })
}

/// The last 31 days of call detail, if the gate allows it on this interaction.
pub async fn calls(
    State(state): State<AppState>,
    who: ConsoleStaff,
    request_id: RequestId,
    Path(id): Path<Uuid>,
    Query(q): Query<RevealQuery>,
) -> Response {
    let read = async {
        let (request, hide_after_secs) =
            grounds(&state, &who, id, &q.purpose, Action::ReadCallDetail, request_id).await?;
        let page = CallPage::parse(state.now(), None, None, None, Some(200))?;
        let list = reads::calls(&state, request, page).await?;
        Ok::<_, Problem>((list, hide_after_secs))
    };
    match read.await {
        Ok((list, hide_after_secs)) => ok(&CallsFragment { interaction: id, calls: list.calls, hide_after_secs }),
        Err(p) => refused(&p),
    }
}

pub async fn invoices(
    State(state): State<AppState>,
    who: ConsoleStaff,
    request_id: RequestId,
    Path(id): Path<Uuid>,
    Query(q): Query<RevealQuery>,
) -> Response {
    let read = async {
        let (request, hide_after_secs) =
            grounds(&state, &who, id, &q.purpose, Action::ReadInvoices, request_id).await?;
        let invoices = reads::invoices(&state, request.record_ref("invoices")).await?;
        Ok::<_, Problem>((invoices, hide_after_secs))
    };
    match read.await {
        Ok((invoices, hide_after_secs)) => ok(&InvoicesFragment { interaction: id, invoices, hide_after_secs }),
        Err(p) => refused(&p),
    }
}

// --- account changes on the call ------------------------------------------------------

/// Change the email or postal address of an authenticated caller's account; the change
/// notices go to the contact points of record before the change, as on the API.
pub async fn change_contact(
    State(state): State<AppState>,
    who: ConsoleStaff,
    Path(id): Path<Uuid>,
    Form(form): Form<ContactForm>,
) -> Response {
    let result = async {
        let view = ops::view(&state, &who.staff, id).await?;
        if !view.summary.authenticated {
            return Err(Problem::forbidden("authenticate the caller before changing their account"));
        }
        let outcome =
            contacts::change(&state, &format!("staff:{}", who.staff.id), view.account_id, &form.change()?, None)
                .await?;
        Ok(format!(
            "Changed. {} notice(s) of the change were sent to the contact details of record before it.",
            outcome.notices.len()
        ))
    };
    after(&state, &who, id, result.await, None).await
}

/// Send a password reset code to the email address of record (never to an address the
/// caller gives); the customer sets the new password themselves with it.
pub async fn password_reset(State(state): State<AppState>, who: ConsoleStaff, Path(id): Path<Uuid>) -> Response {
    let result = async {
        let (_, account) = ops::owned(&state, &who.staff, id).await?;
        match customer_session::send_recovery_code(&state, &account).await? {
            true => Ok("A reset code was sent to the email address of record.".to_owned()),
            false => Err(Problem::forbidden(
                "the account has no email address of record (held at least 30 days): no reset can be sent; the customer can visit a store with a photo ID",
            )),
        }
    };
    after(&state, &who, id, result.await, None).await
}

#[derive(Deserialize)]
pub struct DeliverForm {
    via: String,
}

/// Send the last 31 days of call detail to the address of record (by email or letter):
/// what may always be done for a caller, authenticated or not. Nothing is shown here.
pub async fn deliver(
    State(state): State<AppState>,
    who: ConsoleStaff,
    client: ClientIp,
    request_id: RequestId,
    Path(id): Path<Uuid>,
    Form(form): Form<DeliverForm>,
) -> Response {
    let via = if form.via == "postal" { Via::Postal } else { Via::Email };
    let to = state.now();
    let req = DeliveryRequest { document: Document::CallDetail { from: to - chrono::Duration::days(31), to }, via };
    let caller = StaffCaller { staff: &who.staff, client: client.0 };
    let result = ops::deliver(&state, caller, request_id, id, &req).await.map(|_| match via {
        Via::Email => "The call detail is on its way to the email address of record.".to_owned(),
        Via::Postal => "The call detail will be mailed to the postal address of record.".to_owned(),
    });
    after(&state, &who, id, result, None).await
}
