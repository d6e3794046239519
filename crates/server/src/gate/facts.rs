//! Gathering what the policies look at, from the store, for one gate request. Facts
//! the caller names but that do not hold (an interaction of another account, an
//! expired one, a closed fraud case) are not refused here: they become facts the
//! policies deny on (no evidence, no case), so the refusal is decided and recorded.

use super::{Caller, GateRequest, Target};
use crate::application::call_back::staff_attested;
use crate::problem::Problem;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use cpniguard_core::account::{AccountKind, AccountProfile, DirectoryListing, TimeZoneName};
use cpniguard_core::authn::{EvidenceKind, rests_on_attestation};
use cpniguard_core::consent::{self, CARRIER_MARKETING, ConsentEvent, ONE_TIME, PARTNER_SHARING};
use cpniguard_core::ids::AccountId;
use cpniguard_core::staff::Role;
use cpniguard_policy::{AccountFacts, Channel, ConsentSummary, Evidence, Principal, Request};
use cpniguard_store::auth::{Evidence as StoredEvidence, Interaction};

/// The policy request, with what the audit entry needs besides.
pub(super) struct Gathered {
    pub policy_request: Request,
    /// The staff-attested evidence (a photo ID or call back only the staff member's word
    /// stands behind) the interaction's authentication rests on, for the audit entry.
    pub attested: Option<EvidenceKind>,
}

pub(super) async fn gather(state: &AppState, request: &GateRequest, now: DateTime<Utc>) -> Result<Gathered, Problem> {
    // One store call for the account, its consent history and the interaction with its
    // evidence: each connection the pool hands out costs two round trips of its own.
    let (account, interaction) = match request.target {
        Target::Account(id) => {
            let facts = state
                .store
                .disclosure_facts(id, request.interaction.map(|i| i.0))
                .await?
                .ok_or_else(|| Problem::not_found("account"))?;
            (Some((id, facts.profile, facts.consent_history)), facts.interaction)
        }
        // No account: the interaction's evidence cannot count (it proves nothing about
        // a campaign or the quarantine), only its channel does.
        Target::Audience(_) | Target::ImportQuarantine => match request.interaction {
            Some(id) => (None, state.store.get_interaction(id.0).await?.map(|i| (i, Vec::new()))),
            None => (None, None),
        },
    };
    let account_id = account.as_ref().map(|(id, ..)| *id);
    let principal = principal(state, &request.caller, now);
    let resource = match &account {
        Some((id, profile, history)) => account_facts(state, *id, profile, history, request, now),
        None => stand_in_facts(request.target),
    };
    if request.interaction.is_some() && interaction.is_none() {
        return Err(Problem::not_found("interaction"));
    }
    let (channel, evidence, attested) = interaction_evidence(request, account_id, interaction, now);
    let mut policy_request = Request::new(principal, request.action, resource, request.purpose)
        .with_channel(channel)
        .with_evidence(evidence);
    if let Some(id) = request.legal_process {
        let process = state.store.legal_process(id.0).await?.ok_or_else(|| Problem::not_found("legal process"))?;
        let (from, to) = request.period.map(|r| (r.from, r.to)).unzip();
        let in_scope = account_id.is_some_and(|a| process.covers(a, from, to));
        policy_request =
            policy_request.with_legal_process(format!("{}:{}", process.issuing_authority, process.reference), in_scope);
    }
    if let Some(id) = request.fraud_case {
        let case = state.store.fraud_case(id.0).await?.ok_or_else(|| Problem::not_found("fraud case"))?;
        // Only an open case of this account is a case for the policies.
        if account_id.is_some_and(|a| case.covers(a)) {
            policy_request = policy_request.with_fraud_case(case.reference.clone());
        }
    }
    if let Target::Audience(campaign) = request.target {
        policy_request = policy_request.with_campaign(campaign.to_string(), request.campaign_approved);
    }
    Ok(Gathered { policy_request, attested })
}

fn principal(state: &AppState, caller: &Caller, now: DateTime<Utc>) -> Principal {
    match caller {
        Caller::Staff(s) if s.has_role(Role::Carrier) => Principal::carrier(s.id.to_string()),
        Caller::Staff(s) => {
            let today = carrier_today(state, now);
            let current = s.active && s.training_current(today, state.config.rules.training_validity_months);
            let roles: Vec<Role> = s.roles.iter().copied().collect();
            Principal::staff(s.id.to_string(), &roles, current)
        }
        Caller::Customer { account, .. } => Principal::customer(account.to_string(), account.to_string()),
        Caller::Job(job) => Principal::job(*job, *job),
    }
}

/// Today in the carrier's time zone (training expiry is a date there).
fn carrier_today(state: &AppState, now: DateTime<Utc>) -> chrono::NaiveDate {
    match TimeZoneName::parse(&state.config.carrier.time_zone) {
        Ok(tz) => now.with_timezone(&tz.tz()).date_naive(),
        Err(_) => now.date_naive(),
    }
}

fn account_facts(
    state: &AppState,
    id: AccountId,
    p: &AccountProfile,
    history: &[ConsentEvent],
    request: &GateRequest,
    now: DateTime<Utc>,
) -> AccountFacts {
    // Approval status is established before any use (47 CFR 64.2009(a)): from the
    // account's history at this moment, never from a cached flag.
    let policy = state.config.consent.policy();
    let interaction = request.interaction.map(|i| i.to_string());
    let usable = |name: &str| {
        policy.scope(name).is_some_and(|scope| consent::may_use(history, scope, now, interaction.as_deref(), &policy))
    };
    AccountFacts {
        id: id.to_string(),
        kind: p.kind,
        business_exempt: p.business_exemption.is_some(),
        consent: ConsentSummary {
            carrier_marketing_usable: usable(CARRIER_MARKETING),
            partner_sharing_usable: usable(PARTNER_SHARING),
            one_time_usable: usable(ONE_TIME),
        },
        pic_freeze_any: p.pic_freeze.any(),
        directory_listing: p.directory_listing,
    }
}

/// The stand-in account of a decision about no single account. A campaign's audience:
/// approval usable in every scope, because only accounts whose approval is usable are
/// kept afterwards. The import quarantine: the same neutral facts (its rows belong to
/// no account yet); the policies decide it on the principal and purpose alone.
fn stand_in_facts(target: Target) -> AccountFacts {
    let id = match target {
        Target::ImportQuarantine => "import_quarantine",
        Target::Account(_) | Target::Audience(_) => "audience",
    };
    AccountFacts {
        id: id.to_owned(),
        kind: AccountKind::Residential,
        business_exempt: false,
        consent: ConsentSummary {
            carrier_marketing_usable: true,
            partner_sharing_usable: true,
            one_time_usable: false,
        },
        pic_freeze_any: false,
        directory_listing: DirectoryListing::Listed,
    }
}

/// The channel and the authentication evidence of the named interaction (`found`: it
/// with its evidence, as the store found it; `None`: none was named), and the
/// staff-attested evidence it rests on if any. An interaction that is not this
/// account's, or has expired, establishes nothing.
fn interaction_evidence(
    request: &GateRequest,
    account: Option<AccountId>,
    found: Option<(Interaction, Vec<StoredEvidence>)>,
    now: DateTime<Utc>,
) -> (Channel, Evidence, Option<EvidenceKind>) {
    let Some((interaction, evidence)) = found else {
        return (request.channel, Evidence::default(), None);
    };
    let channel = Channel::from(interaction.channel);
    // Evidence counts only for whoever collected it: the CSR who opened the
    // interaction, or the customer in their own portal session.
    let collected_by_caller = match &request.caller {
        Caller::Staff(s) => interaction.staff_id == Some(s.id),
        Caller::Customer { interaction: session, .. } => interaction.staff_id.is_none() && session.0 == interaction.id,
        Caller::Job(_) => false,
    };
    let valid = collected_by_caller && account == Some(interaction.account_id) && now < interaction.expires_at;
    if !valid {
        return (channel, Evidence::default(), None);
    }
    let marked: Vec<(EvidenceKind, bool)> = evidence.iter().map(|e| (e.kind, staff_attested(e))).collect();
    let kinds: Vec<_> = evidence.into_iter().map(|e| e.kind).collect();
    (channel, Evidence::from_kinds(&kinds), rests_on_attestation(&marked))
}
