//! The typed request as Cedar values: entity attributes and context. The closed
//! vocabularies (purpose, channel, account kind, directory listing, roles) are the
//! schema's enumerated entity types, so they travel as entity uids, not strings.

use crate::engine::{PolicyError, type_name};
use crate::request::{AccountFacts, Principal, Request};
use cedar_policy::{EntityId, EntityTypeName, EntityUid, RestrictedExpression};
use std::collections::{HashMap, HashSet};

/// The schema's type names the translation needs, parsed once.
#[derive(Debug, Clone)]
pub(crate) struct Vocabulary {
    account: EntityTypeName,
    purpose: EntityTypeName,
    channel: EntityTypeName,
    kind: EntityTypeName,
    listing: EntityTypeName,
    role: EntityTypeName,
    review_purpose: EntityTypeName,
}

/// The one member of `ReviewPurpose`.
const CAMPAIGN_REVIEW: &str = "campaign_review";

impl Vocabulary {
    pub(crate) fn new() -> Result<Self, PolicyError> {
        Ok(Vocabulary {
            account: type_name("Account")?,
            purpose: type_name("Purpose")?,
            channel: type_name("Channel")?,
            kind: type_name("AccountKind")?,
            listing: type_name("DirectoryListing")?,
            role: type_name("Role")?,
            review_purpose: type_name("ReviewPurpose")?,
        })
    }

    pub(crate) fn review_purpose(&self) -> RestrictedExpression {
        member(&self.review_purpose, CAMPAIGN_REVIEW)
    }

    pub(crate) fn principal_attrs(&self, p: &Principal) -> (HashMap<String, RestrictedExpression>, HashSet<EntityUid>) {
        let mut attrs = HashMap::new();
        let mut parents = HashSet::new();
        match p {
            Principal::Staff { roles, training_current, .. } => {
                let roles = roles.iter().map(|r| member(&self.role, r.as_str()));
                attrs.insert("roles".to_owned(), RestrictedExpression::new_set(roles));
                attrs.insert("training_current".to_owned(), b(*training_current));
            }
            Principal::Customer { accounts, .. } => {
                for a in accounts {
                    parents.insert(EntityUid::from_type_name_and_id(self.account.clone(), EntityId::new(a)));
                }
            }
            Principal::Carrier { .. } => {}
            Principal::SystemJob { job, .. } => {
                attrs.insert("job".to_owned(), s(job));
            }
        }
        (attrs, parents)
    }

    pub(crate) fn account_attrs(&self, a: &AccountFacts) -> HashMap<String, RestrictedExpression> {
        let consent = record(vec![
            ("carrier_marketing_usable", b(a.consent.carrier_marketing_usable)),
            ("partner_sharing_usable", b(a.consent.partner_sharing_usable)),
            ("one_time_usable", b(a.consent.one_time_usable)),
        ]);
        HashMap::from([
            ("kind".to_owned(), member(&self.kind, a.kind.as_str())),
            ("business_exempt".to_owned(), b(a.business_exempt)),
            ("consent".to_owned(), consent),
            ("pic_freeze_any".to_owned(), b(a.pic_freeze_any)),
            ("directory_listing".to_owned(), member(&self.listing, a.directory_listing.as_str())),
        ])
    }

    pub(crate) fn context_pairs(&self, r: &Request) -> Vec<(String, RestrictedExpression)> {
        let e = &r.evidence;
        let evidence = record(vec![
            ("password_verified", b(e.password_verified)),
            ("pin_verified", b(e.pin_verified)),
            ("backup_answer_verified", b(e.backup_answer_verified)),
            ("photo_id_valid", b(e.photo_id_valid)),
            ("call_back_completed", b(e.call_back_completed)),
            ("volunteered_call_details", b(e.volunteered_call_details)),
            ("contract_authenticated", b(e.contract_authenticated)),
        ]);
        let mut pairs = vec![
            ("purpose".to_owned(), member(&self.purpose, r.purpose.as_str())),
            ("channel".to_owned(), member(&self.channel, r.channel.as_str())),
            ("evidence".to_owned(), evidence),
        ];
        if let Some(l) = &r.legal_process {
            let legal = record(vec![("reference", s(&l.reference)), ("in_scope", b(l.in_scope))]);
            pairs.push(("legal_process".to_owned(), legal));
        }
        if let Some(f) = &r.fraud_case_ref {
            pairs.push(("fraud_case_ref".to_owned(), s(f)));
        }
        if let Some(c) = &r.campaign {
            pairs.push(("campaign".to_owned(), record(vec![("id", s(&c.id)), ("approved", b(c.approved))])));
        }
        pairs
    }
}

fn member(t: &EntityTypeName, id: &str) -> RestrictedExpression {
    RestrictedExpression::new_entity_uid(EntityUid::from_type_name_and_id(t.clone(), EntityId::new(id)))
}

fn s(v: &str) -> RestrictedExpression {
    RestrictedExpression::new_string(v.to_owned())
}

fn b(v: bool) -> RestrictedExpression {
    RestrictedExpression::new_bool(v)
}

fn record(pairs: Vec<(&str, RestrictedExpression)>) -> RestrictedExpression {
    #[expect(clippy::expect_used, reason = "the keys are distinct literals")]
    RestrictedExpression::new_record(pairs.into_iter().map(|(k, v)| (k.to_owned(), v))).expect("distinct keys")
}
