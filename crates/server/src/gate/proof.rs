//! Proving the gate's policy set before it decides anything (issue 22): the server runs
//! `cpniguard_policy::prove` at start-up when a carrier directory extends or replaces
//! the default set, and records the run in the audit chain — the set's hash, allow when
//! every property is proved and deny otherwise, the refuted properties as its policy
//! ids and every outcome as a reference — so an auditor sees which proven set was live.

use super::{Gate, GateError};
use chrono::{DateTime, Utc};
use cpniguard_core::audit::{AuditRecord, Decision as AuditDecision, Principal, PrincipalKind};
use cpniguard_policy::prove::{Outcome, ProofReport, Solver, prove};

/// The audit action of a proof run.
pub const PROVE_ACTION: &str = "prove_policy_set";

impl Gate {
    /// Prove the properties over the loaded set with the solver found (`$CVC5` or
    /// `cvc5` on `PATH`) and record the run; the entry's seq comes back with the report.
    /// A refuted property is not an error here: the caller refuses to serve on it.
    pub async fn prove_policy_set(&self, now: DateTime<Utc>) -> Result<(ProofReport, u64), GateError> {
        let solver = Solver::find()?;
        let report = prove(&self.engine, &solver).await?;
        let entry =
            self.writer.append(proof_record(&report, now)).await.map_err(|e| GateError::Record(e.to_string()))?;
        Ok((report, entry.seq))
    }
}

fn proof_record(report: &ProofReport, now: DateTime<Utc>) -> AuditRecord {
    let outcomes = report.results.iter().map(|r| {
        let outcome = if matches!(r.outcome, Outcome::Proved) { "proved" } else { "refuted" };
        format!("property:{}={outcome}", r.property.name)
    });
    AuditRecord {
        at: now,
        principal: Principal { kind: PrincipalKind::System, id: "policy-prove".to_owned(), role: None },
        action: PROVE_ACTION.to_owned(),
        account_id: None,
        purpose: None,
        channel: None,
        interaction_id: None,
        legal_ref: None,
        fraud_ref: None,
        decision: if report.all_proved() { AuditDecision::Allow } else { AuditDecision::Deny },
        policy_ids: report.refuted().into_iter().map(str::to_owned).collect(),
        policy_set_hash: report.policy_set_hash.clone(),
        request_id: None,
        record_refs: outcomes.collect(),
    }
}
