//! The permit: the only key to CPNI. The store's CPNI reads are not on `Store` (see
//! `cpniguard_store::CpniRecords` and `AudienceRecords`); the gate keeps them and hands
//! them out only inside a permit, which it makes only after an allow decision is
//! durable in the audit chain. A permit reads only what was decided: the account (or
//! the campaign's audience), the action and the period. Its fields are private and it
//! has no public constructor, so code outside the gate cannot make one.
//!
//! ```compile_fail,E0599
//! // Holding the application state is not enough to read call detail: `Store` has no
//! // CPNI reads.
//! async fn leak(state: cpniguard_server::AppState, query: cpniguard_store::CallQuery) {
//!     let _ = state.store.list_calls(&query).await;
//! }
//! ```
//!
//! ```compile_fail,E0624
//! // Nor can a permit be made by hand: only the gate constructs one.
//! fn forge() -> cpniguard_server::gate::Permit {
//!     cpniguard_server::gate::Permit::new()
//! }
//! ```
//!
//! ```
//! // With a permit, the read is one call (this compiles; it is not run).
//! async fn read(permit: cpniguard_server::gate::Permit) {
//!     let _ = permit.calls(None, 100).await;
//! }
//! ```

use super::Target;
use crate::problem::{ApiResult, Problem};
use chrono::{DateTime, Utc};
use cpniguard_core::consent::ConsentPolicy;
use cpniguard_core::cpni::{Invoice, Service, TimeRange};
use cpniguard_core::ids::{AccountId, CampaignId, InvoiceId};
use cpniguard_policy::{Action, Decision};
use cpniguard_store::call_import::{QuarantineEntry, QuarantineQuery, QuarantineRecords};
use cpniguard_store::campaigns::{
    AudienceContact, AudienceMember, AudienceRecords, AudienceSnapshot, ComputedAudience, ResolvedCriteria, Sponsor,
    compute_audience,
};
use cpniguard_store::{CallCursor, CallPage, CallQuery, CpniRecords};
use std::sync::Arc;

/// The CPNI reads the gate holds and lends out through permits.
#[derive(Clone)]
pub(super) struct Records {
    pub cpni: Arc<dyn CpniRecords>,
    pub audiences: Arc<dyn AudienceRecords>,
    pub quarantine: Arc<dyn QuarantineRecords>,
}

/// Proof that a request was allowed and its audit entry is durable, and the key to
/// exactly the records that decision covers.
pub struct Permit {
    audit_seq: u64,
    decision: Decision,
    target: Target,
    action: Action,
    period: Option<TimeRange>,
    records: Records,
}

impl std::fmt::Debug for Permit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Permit")
            .field("audit_seq", &self.audit_seq)
            .field("target", &self.target)
            .field("action", &self.action)
            .finish_non_exhaustive()
    }
}

impl Permit {
    pub(super) fn new(
        audit_seq: u64,
        decision: Decision,
        target: Target,
        action: Action,
        period: Option<TimeRange>,
        records: Records,
    ) -> Self {
        Self { audit_seq, decision, target, action, period, records }
    }

    /// The audit entry that recorded the decision.
    pub fn audit_seq(&self) -> u64 {
        self.audit_seq
    }

    /// `audit:<seq>`, the reference other records keep to the decision.
    pub fn audit_ref(&self) -> String {
        format!("audit:{}", self.audit_seq)
    }

    pub fn decision(&self) -> &Decision {
        &self.decision
    }

    pub fn action(&self) -> Action {
        self.action
    }

    /// The account the decision was about, when the permit's action is one of `allowed`.
    /// Anything else is a programming error in the caller: it is logged, and the read
    /// is refused (500) with nothing read.
    fn account_for(&self, allowed: &[Action]) -> Option<AccountId> {
        match self.target {
            Target::Account(id) if allowed.contains(&self.action) => Some(id),
            _ => self.misused(allowed),
        }
    }

    fn campaign_for(&self, allowed: &[Action]) -> Option<CampaignId> {
        match self.target {
            Target::Audience(id) if allowed.contains(&self.action) => Some(id),
            _ => self.misused(allowed),
        }
    }

    /// Whether the permit covers the import quarantine (logged when it does not).
    fn quarantine_for(&self) -> Option<()> {
        match self.target {
            Target::ImportQuarantine if self.action == Action::ReviewImportQuarantine => Some(()),
            _ => self.misused(&[Action::ReviewImportQuarantine]),
        }
    }

    /// The decided campaign, when `snapshot` is one of its audiences (logged otherwise).
    fn same_campaign(&self, campaign: Option<CampaignId>, snapshot: &AudienceSnapshot) -> Option<CampaignId> {
        campaign.filter(|c| c.0 == snapshot.campaign_id).or_else(|| self.misused(&[Action::UseForMarketing]))
    }

    /// Log a read the permit does not cover; `None`, for the caller to refuse.
    fn misused<T>(&self, allowed: &[Action]) -> Option<T> {
        let wanted: Vec<&str> = allowed.iter().map(|a| a.as_str()).collect();
        tracing::error!(
            audit_seq = self.audit_seq,
            action = self.action.as_str(),
            wanted = ?wanted,
            "a permit was used for a read it does not cover; nothing was read"
        );
        None
    }

    /// The account's services (`read_services`).
    pub async fn services(&self) -> ApiResult<Vec<Service>> {
        let account = self.account_for(&[Action::ReadServices]).ok_or_else(Problem::internal)?;
        Ok(self.records.cpni.list_services(account).await?)
    }

    /// A page of the account's calls in the decided period (`read_call_detail`, or a
    /// delivery of call detail to the address of record).
    pub async fn calls(&self, after: Option<CallCursor>, limit: u32) -> ApiResult<CallPage> {
        let account = self.account_for(&[Action::ReadCallDetail, Action::DeliverToAddressOfRecord]);
        let range = self.period.or_else(|| self.misused(&[Action::ReadCallDetail]));
        let (account, range) = account.zip(range).ok_or_else(Problem::internal)?;
        Ok(self.records.cpni.list_calls(&CallQuery { account, range, after, limit }).await?)
    }

    /// The account's invoices, newest first (`read_invoices`).
    pub async fn invoices(&self) -> ApiResult<Vec<Invoice>> {
        let account = self.account_for(&[Action::ReadInvoices]).ok_or_else(Problem::internal)?;
        Ok(self.records.cpni.list_invoices(account).await?)
    }

    /// One invoice of the account (`read_invoices`, or a delivery to the address of
    /// record); 404 when the account has no such invoice.
    pub async fn invoice(&self, id: InvoiceId) -> ApiResult<Invoice> {
        let account = self
            .account_for(&[Action::ReadInvoices, Action::DeliverToAddressOfRecord])
            .ok_or_else(Problem::internal)?;
        self.records.cpni.get_invoice(account, id).await?.ok_or_else(|| Problem::not_found("invoice"))
    }

    /// Compute the campaign's audience: its criteria over call detail, and each
    /// candidate's approval (`use_for_marketing`).
    pub async fn compute_audience(
        &self,
        criteria: &ResolvedCriteria,
        sponsor: Sponsor,
        policy: &ConsentPolicy,
        at: DateTime<Utc>,
    ) -> ApiResult<ComputedAudience> {
        self.campaign_for(&[Action::UseForMarketing]).ok_or_else(Problem::internal)?;
        Ok(compute_audience(self.records.audiences.as_ref(), criteria, sponsor, policy, at).await?)
    }

    /// The members of one of the campaign's snapshots. What the decision covers sets
    /// how much: a marketing use sees the included accounts only; a compliance review
    /// (`review_audience`) sees every candidate with the approval that kept it out.
    pub async fn audience_members(&self, snapshot: &AudienceSnapshot) -> ApiResult<Vec<AudienceMember>> {
        let campaign = self.campaign_for(&[Action::UseForMarketing, Action::ReviewAudience]);
        self.same_campaign(campaign, snapshot).ok_or_else(Problem::internal)?;
        let included_only = self.action != Action::ReviewAudience;
        Ok(self.records.audiences.audience_members(snapshot.id, included_only).await?)
    }

    /// The contact points of a snapshot's included accounts, for an export
    /// (`use_for_marketing`, or `disclose_to_third_party` for a partner).
    pub async fn audience_contacts(&self, snapshot: &AudienceSnapshot) -> ApiResult<Vec<AudienceContact>> {
        let campaign = self.campaign_for(&[Action::UseForMarketing, Action::DiscloseToThirdParty]);
        self.same_campaign(campaign, snapshot).ok_or_else(Problem::internal)?;
        Ok(self.records.audiences.audience_contacts(snapshot.id).await?)
    }

    /// A page of the import quarantine (`review_import_quarantine`).
    pub async fn quarantine_entries(&self, query: &QuarantineQuery) -> ApiResult<Vec<QuarantineEntry>> {
        self.quarantine_for().ok_or_else(Problem::internal)?;
        Ok(self.records.quarantine.list_import_quarantine(query).await?)
    }

    /// One quarantined row with the row as read (`review_import_quarantine`); 404 when
    /// there is none.
    pub async fn quarantine_entry(&self, id: i64) -> ApiResult<QuarantineEntry> {
        self.quarantine_for().ok_or_else(Problem::internal)?;
        self.records.quarantine.get_import_quarantine(id).await?.ok_or_else(|| Problem::not_found("quarantine entry"))
    }

    /// Discard one quarantined row for good (`review_import_quarantine`); 404 when there
    /// is none.
    pub async fn discard_quarantine_entry(&self, id: i64) -> ApiResult<()> {
        self.quarantine_for().ok_or_else(Problem::internal)?;
        if self.records.quarantine.discard_import_quarantine(id).await? {
            Ok(())
        } else {
            Err(Problem::not_found("quarantine entry"))
        }
    }
}
