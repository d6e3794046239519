//! The disclosure gate (issue 5): the one way to CPNI. A caller says who asks, what for,
//! about which account and under which circumstances; the gate gathers the facts the
//! policies need from the store (the account's kind, exemption, consent, freeze and
//! listing; the interaction's authentication evidence; the legal process or fraud case
//! named), asks the policy engine, appends the decision to the audit chain through the
//! group-commit writer, waits for it to be durable, and only then answers. An allowed
//! request gets a [`Permit`]; a denied one an explained 403 naming the deciding policies
//! and what would be allowed instead. Every answer, allow or deny, is recorded first.

mod facts;
mod permit;
mod proof;
mod refusal;

pub use permit::Permit;
pub use proof::PROVE_ACTION;

use crate::audit_writer::{AuditWriter, AuditWriterConfig};
use crate::config::Config;
use crate::problem::Problem;
use crate::state::{AppState, Clock};
use cpniguard_core::audit::SigningKey;
use cpniguard_core::audit::{AuditRecord, Decision as AuditDecision, Principal as AuditPrincipal, PrincipalKind};
use cpniguard_core::cpni::TimeRange;
use cpniguard_core::ids::{AccountId, CampaignId, FraudCaseId, InteractionId, LegalProcessId};
use cpniguard_core::staff::{Role, Staff};
use cpniguard_policy::{Action, Channel, Decision, Engine, LoadMode, PolicyError, Purpose};
use cpniguard_store::StoreWithRecords;
use permit::Records;
use std::sync::Arc;
use tokio::task::JoinHandle;

/// The policy engine, the audit writer and the store's CPNI reads, shared by every
/// request. The reads leave the gate only inside a [`Permit`].
pub struct Gate {
    engine: Engine,
    writer: AuditWriter,
    records: Records,
}

impl std::fmt::Debug for Gate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gate").field("engine", &self.engine).finish_non_exhaustive()
    }
}

/// Who asks.
#[derive(Debug, Clone)]
pub enum Caller {
    /// Carrier staff; one with the `carrier` role is another carrier.
    Staff(Staff),
    /// A customer in a portal session on their own account.
    Customer { account: AccountId, interaction: InteractionId },
    /// A background job of the carrier (`billing`, `directory_export`, ...).
    Job(&'static str),
}

/// What the request is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// One account's CPNI.
    Account(AccountId),
    /// A campaign's whole audience, decided once: the policies see an account whose
    /// approval is usable, and the permit then reads only the accounts whose approval
    /// status (from the consent store, in bulk) is usable.
    Audience(CampaignId),
    /// The import quarantine as a whole: rows of no account yet (unmatched) or of none
    /// that can be told (malformed). The policies see a stand-in account.
    ImportQuarantine,
}

/// One question to the gate. Build with [`GateRequest::staff`] (or `customer`, `job`)
/// and the chained setters.
#[derive(Debug, Clone)]
pub struct GateRequest {
    pub caller: Caller,
    pub action: Action,
    pub purpose: Purpose,
    pub target: Target,
    /// The channel, when no interaction is named (an interaction's own channel wins).
    pub channel: Channel,
    /// The customer interaction whose authentication evidence the request rests on.
    pub interaction: Option<InteractionId>,
    pub legal_process: Option<LegalProcessId>,
    pub fraud_case: Option<FraudCaseId>,
    /// Whether the campaign of a [`Target::Audience`] request is approved (or running).
    pub campaign_approved: bool,
    /// The period of the records asked for (a legal process covers a date range; a
    /// permit reads call detail of this period only).
    pub period: Option<TimeRange>,
    /// References to the records concerned (`calls:<from>/<to>`, `invoice:<id>`), never values.
    pub record_refs: Vec<String>,
    pub request_id: Option<String>,
}

impl GateRequest {
    fn new(caller: Caller, action: Action, purpose: Purpose, target: Target) -> Self {
        Self {
            caller,
            action,
            purpose,
            target,
            channel: Channel::None,
            interaction: None,
            legal_process: None,
            fraud_case: None,
            campaign_approved: false,
            period: None,
            record_refs: Vec::new(),
            request_id: None,
        }
    }

    /// Staff asking about `target`.
    pub fn staff(staff: &Staff, action: Action, purpose: Purpose, target: Target) -> Self {
        Self::new(Caller::Staff(staff.clone()), action, purpose, target)
    }

    /// A customer asking about their own account in a portal session.
    pub fn customer(account: AccountId, interaction: InteractionId, action: Action, purpose: Purpose) -> Self {
        let caller = Caller::Customer { account, interaction };
        Self::new(caller, action, purpose, Target::Account(account)).interaction(Some(interaction))
    }

    /// A background job of the carrier asking about `target`.
    pub fn job(job: &'static str, action: Action, purpose: Purpose, target: Target) -> Self {
        Self::new(Caller::Job(job), action, purpose, target)
    }

    /// Whether the campaign of a [`Target::Audience`] request is approved (or running).
    pub fn campaign_approved(mut self, approved: bool) -> Self {
        self.campaign_approved = approved;
        self
    }

    pub fn channel(mut self, channel: Channel) -> Self {
        self.channel = channel;
        self
    }

    pub fn interaction(mut self, interaction: Option<InteractionId>) -> Self {
        self.interaction = interaction;
        self
    }

    pub fn legal_process(mut self, id: Option<LegalProcessId>) -> Self {
        self.legal_process = id;
        self
    }

    pub fn fraud_case(mut self, id: Option<FraudCaseId>) -> Self {
        self.fraud_case = id;
        self
    }

    pub fn period(mut self, range: TimeRange) -> Self {
        self.period = Some(range);
        self
    }

    pub fn record_ref(mut self, reference: impl Into<String>) -> Self {
        self.record_refs.push(reference.into());
        self
    }

    pub fn request_id(mut self, id: Option<String>) -> Self {
        self.request_id = id;
        self
    }
}

/// Why the gate could not be started.
#[derive(Debug, thiserror::Error)]
pub enum GateError {
    #[error("the policy set: {0}")]
    Policy(#[from] PolicyError),
    #[error("proving the policy set: {0}")]
    Prove(#[from] cpniguard_policy::prove::ProveError),
    #[error("the proof run could not be recorded in the audit log: {0}")]
    Record(String),
}

impl Gate {
    /// Load the policy set (the default set, or extended/replaced by the configured
    /// directory — an invalid set is refused) and start the audit writer. Await the
    /// returned handle after the last [`AppState`] is dropped, for the last checkpoint.
    /// The gate keeps `store`'s CPNI reads to itself; give everything else the
    /// `Arc<dyn Store>` it coerces to.
    pub fn start(
        store: Arc<dyn StoreWithRecords>,
        config: &Config,
        clock: Arc<dyn Clock>,
        key: SigningKey,
    ) -> Result<(Self, JoinHandle<()>), GateError> {
        let engine = load_engine(config)?;
        let records = Records { cpni: store.clone(), audiences: store.clone(), quarantine: store.clone() };
        let (writer, task) = AuditWriter::spawn(store, key, AuditWriterConfig::from(&config.audit), clock);
        Ok((Self { engine, writer, records }, task))
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The key the audit chain's checkpoints and exports are signed with, public half.
    pub fn audit_public_key(&self) -> cpniguard_core::audit::VerifyingKey {
        self.writer.public_key()
    }

    /// Start a sealed export of the audit entries made in `[from, to)`, signed with the
    /// chain's key (`GET /api/v1/audit/export`).
    pub async fn export_audit(
        &self,
        store: Arc<dyn cpniguard_store::Store>,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> cpniguard_store::StoreResult<crate::audit_writer::export::ExportPager> {
        crate::audit_writer::export::ExportPager::start(store, self.writer.signing_key(), from, to, now).await
    }

    /// Record an event that is not a disclosure decision (a legal hold placed, a
    /// retention run) in the same chain, waiting until it is durable.
    pub async fn record_event(&self, record: AuditRecord) -> Result<u64, crate::audit_writer::AuditWriteError> {
        let seq = self.writer.append(record).await?.seq;
        crate::auth::refusals::mark_audited();
        Ok(seq)
    }

    /// Record what a staff member changed (a legal hold, a contract exemption, a lifted
    /// lock) in the chain once it is made: `action` on `account`, with references
    /// (never values). A change that cannot be recorded is answered 503, so the caller
    /// knows to try again.
    pub async fn record_staff_change(
        &self,
        staff: &Staff,
        action: &str,
        account: Option<AccountId>,
        refs: Vec<String>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<u64, Problem> {
        let record = event_record(&Caller::Staff(staff.clone()), action, account, refs, now);
        self.record_event(record).await.map_err(|e| {
            tracing::error!(error = %e, action, "a staff change could not be audited");
            Problem::unavailable("the change was made but could not be recorded in the audit log; try again")
        })
    }

    /// Match the quarantined unmatched call detail again, after numbers were assigned
    /// (the billing sync): the import's own matching, with the quarantine the gate
    /// holds. It shows no row to anyone; only counts come back.
    pub async fn rematch_imports(
        &self,
        state: &AppState,
    ) -> Result<cpniguard_import::RematchCounts, cpniguard_import::ImportError> {
        cpniguard_import::rematch(&state.store, self.records.quarantine.as_ref(), &state.config.import).await
    }

    /// Decide, record, then answer. A request whose facts cannot be gathered (an
    /// unknown account, a legal process that does not exist) is refused before any
    /// decision; a decision that cannot be recorded is a 503 and reveals nothing.
    pub async fn authorize(&self, state: &AppState, request: GateRequest) -> Result<Permit, Problem> {
        let now = state.now();
        let gathered = facts::gather(state, &request, now).await?;
        let decision = self.engine.decide(&gathered.policy_request);
        let record = audit_record(&request, &gathered, &decision, now);
        let entry = self.writer.append(record).await.map_err(|e| {
            tracing::error!(error = %e, "the gate could not record a decision; refusing");
            Problem::unavailable("the decision could not be recorded in the audit log; nothing was disclosed")
        })?;
        crate::auth::refusals::mark_audited();
        metrics::counter!("cpniguard_gate_decisions_total",
            "action" => request.action.as_str(), "decision" => if decision.allowed { "allow" } else { "deny" })
        .increment(1);
        if decision.allowed {
            let records = self.records.clone();
            Ok(Permit::new(entry.seq, decision, request.target, request.action, request.period, records))
        } else {
            Err(refusal::explain(&self.engine, &gathered.policy_request, &decision, entry.seq))
        }
    }
}

fn load_engine(config: &Config) -> Result<Engine, PolicyError> {
    match &config.policy.directory {
        Some(dir) => {
            let mode = if config.policy.replace_defaults { LoadMode::Replace } else { LoadMode::Extend };
            Engine::with_directory(dir, mode)
        }
        None => Engine::with_defaults(),
    }
}

/// The audit principal for a caller: staff by id with their roles, carriers as
/// carriers, customers by account, jobs by name.
fn audit_principal(caller: &Caller) -> AuditPrincipal {
    match caller {
        Caller::Staff(s) if s.has_role(Role::Carrier) => {
            AuditPrincipal { kind: PrincipalKind::Carrier, id: s.id.to_string(), role: Some("carrier".to_owned()) }
        }
        Caller::Staff(s) => {
            let roles: Vec<&str> = s.roles.iter().map(|r| r.as_str()).collect();
            AuditPrincipal { kind: PrincipalKind::Staff, id: s.id.to_string(), role: Some(roles.join(",")) }
        }
        Caller::Customer { account, .. } => {
            AuditPrincipal { kind: PrincipalKind::Customer, id: account.to_string(), role: None }
        }
        Caller::Job(job) => AuditPrincipal { kind: PrincipalKind::System, id: (*job).to_owned(), role: None },
    }
}

/// An audit entry for an event that is not a disclosure decision: who did `action`,
/// on which account if one, with references (never values).
pub fn event_record(
    caller: &Caller,
    action: &str,
    account_id: Option<AccountId>,
    record_refs: Vec<String>,
    now: chrono::DateTime<chrono::Utc>,
) -> AuditRecord {
    AuditRecord {
        at: now,
        principal: audit_principal(caller),
        action: action.to_owned(),
        account_id,
        purpose: None,
        channel: None,
        interaction_id: None,
        legal_ref: None,
        fraud_ref: None,
        decision: AuditDecision::Allow,
        policy_ids: Vec::new(),
        policy_set_hash: String::new(),
        request_id: None,
        record_refs,
    }
}

fn audit_record(
    request: &GateRequest,
    gathered: &facts::Gathered,
    decision: &Decision,
    now: chrono::DateTime<chrono::Utc>,
) -> AuditRecord {
    let policy = &gathered.policy_request;
    AuditRecord {
        at: now,
        principal: audit_principal(&request.caller),
        action: request.action.as_str().to_owned(),
        account_id: match request.target {
            Target::Account(id) => Some(id),
            Target::Audience(_) | Target::ImportQuarantine => None,
        },
        purpose: Some(request.purpose.as_str().to_owned()),
        channel: Some(policy.channel.as_str().to_owned()),
        interaction_id: request.interaction.map(|i| i.to_string()),
        legal_ref: policy.legal_process.as_ref().map(|l| l.reference.clone()),
        fraud_ref: policy.fraud_case_ref.clone(),
        decision: if decision.allowed { AuditDecision::Allow } else { AuditDecision::Deny },
        policy_ids: decision.deciding_policy_ids.clone(),
        policy_set_hash: decision.policy_set_hash.clone(),
        request_id: request.request_id.clone(),
        record_refs: record_refs(request, gathered),
    }
}

/// The request's references, and `evidence:staff_attested:<kind>` when the
/// authentication rests only on evidence a staff member vouched for: an auditor sees
/// which disclosures stood on nothing but a colleague's word.
fn record_refs(request: &GateRequest, gathered: &facts::Gathered) -> Vec<String> {
    let mut refs = request.record_refs.clone();
    if let Some(kind) = gathered.attested {
        refs.push(format!("evidence:staff_attested:{}", kind.as_str()));
    }
    refs
}

/// The request id the request-id layer set (`x-request-id`), for audit entries.
#[derive(Debug, Clone, Default)]
pub struct RequestId(pub Option<String>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for RequestId {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        let id = parts.headers.get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
        Ok(RequestId(id))
    }
}
