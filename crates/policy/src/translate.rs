//! The typed request as Cedar values: the request's entities (principal, account,
//! campaign) and its context. The values are built as Cedar's evaluated values, not as
//! restricted expressions Cedar would evaluate again on every request. The closed
//! vocabularies (purpose, channel, account kind, directory listing, roles) are the
//! schema's enumerated entity types, so they travel as entity uids, not strings; those
//! uids are the schema's and are built once per engine.

use crate::engine::{PolicyError, type_name};
use crate::request::{AccountFacts, CampaignFacts, Channel, Principal, Purpose, Request, ReviewDecision};
use cedar_policy_core::ast::{Context, Eid, Entity, EntityType, EntityUID, PartialValue, Value};
use cpniguard_core::account::{AccountKind, DirectoryListing};
use cpniguard_core::staff::Role;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

/// The members of one enumerated entity type, as Cedar values, in the order of the Rust
/// enum's `ALL`.
#[derive(Debug, Clone)]
struct Members<T: 'static> {
    all: &'static [T],
    values: Vec<Value>,
}

impl<T: Copy + PartialEq> Members<T> {
    fn new(type_: &str, all: &'static [T], name: fn(T) -> &'static str) -> Result<Self, PolicyError> {
        let type_ = entity_type(type_)?;
        let values =
            all.iter().map(|m| Value::from(EntityUID::from_components(type_.clone(), Eid::new(name(*m)), None)));
        Ok(Members { all, values: values.collect() })
    }

    fn value(&self, member: T) -> Value {
        #[expect(clippy::expect_used, reason = "`values` was built from `all`, which lists every member")]
        let at = self.all.iter().position(|m| *m == member).expect("every member is in ALL");
        self.values[at].clone()
    }
}

/// The schema's entity types and enumerated members the translation needs, built once.
#[derive(Debug, Clone)]
pub(crate) struct Vocabulary {
    account: EntityType,
    campaign: EntityType,
    staff: EntityType,
    customer: EntityType,
    carrier: EntityType,
    system_job: EntityType,
    purposes: Members<Purpose>,
    channels: Members<Channel>,
    kinds: Members<AccountKind>,
    listings: Members<DirectoryListing>,
    roles: Members<Role>,
    /// The one member of `ReviewPurpose`.
    campaign_review: Value,
}

fn entity_type(name: &str) -> Result<EntityType, PolicyError> {
    Ok(type_name(name)?.as_ref().clone())
}

impl Vocabulary {
    pub(crate) fn new() -> Result<Self, PolicyError> {
        let campaign_review =
            EntityUID::from_components(entity_type("ReviewPurpose")?, Eid::new("campaign_review"), None);
        Ok(Vocabulary {
            account: entity_type("Account")?,
            campaign: entity_type("Campaign")?,
            staff: entity_type("Staff")?,
            customer: entity_type("Customer")?,
            carrier: entity_type("Carrier")?,
            system_job: entity_type("SystemJob")?,
            purposes: Members::new("Purpose", Purpose::ALL, Purpose::as_str)?,
            channels: Members::new("Channel", Channel::ALL, Channel::as_str)?,
            kinds: Members::new("AccountKind", AccountKind::ALL, AccountKind::as_str)?,
            listings: Members::new("DirectoryListing", DirectoryListing::ALL, DirectoryListing::as_str)?,
            roles: Members::new("Role", Role::ALL, Role::as_str)?,
            campaign_review: Value::from(campaign_review),
        })
    }

    /// The principal as an entity: staff carry their roles and training, a customer is a
    /// member of (a child of) each account it holds, a job carries its name.
    pub(crate) fn principal(&self, p: &Principal) -> Entity {
        let (type_, attrs, parents): (_, Vec<(&str, Value)>, _) = match p {
            Principal::Staff { roles, training_current, .. } => {
                let roles = Value::set(roles.iter().map(|r| self.roles.value(*r)), None);
                let attrs = vec![("roles", roles), ("training_current", Value::from(*training_current))];
                (&self.staff, attrs, HashSet::new())
            }
            Principal::Customer { accounts, .. } => {
                (&self.customer, Vec::new(), accounts.iter().map(|a| uid(&self.account, a)).collect())
            }
            Principal::Carrier { .. } => (&self.carrier, Vec::new(), HashSet::new()),
            Principal::SystemJob { job, .. } => {
                (&self.system_job, vec![("job", Value::from(job.as_str()))], HashSet::new())
            }
        };
        // Accounts have no parents, so a principal's parents are all its ancestors: the
        // hierarchy is transitively closed as built.
        entity(uid(type_, p.id()), attrs, parents)
    }

    /// The account the request is about (the resource).
    pub(crate) fn account(&self, a: &AccountFacts) -> Entity {
        let consent = record([
            ("carrier_marketing_usable", a.consent.carrier_marketing_usable),
            ("partner_sharing_usable", a.consent.partner_sharing_usable),
            ("one_time_usable", a.consent.one_time_usable),
        ]);
        let attrs = vec![
            ("kind", self.kinds.value(a.kind)),
            ("business_exempt", Value::from(a.business_exempt)),
            ("consent", consent),
            ("pic_freeze_any", Value::from(a.pic_freeze_any)),
            ("directory_listing", self.listings.value(a.directory_listing)),
        ];
        entity(uid(&self.account, &a.id), attrs, HashSet::new())
    }

    /// The campaign under review (the resource of `review_campaign`).
    pub(crate) fn campaign(&self, c: &CampaignFacts) -> Entity {
        let authors = Value::set(c.authors.iter().map(|a| Value::from(uid(&self.staff, a))), None);
        let attrs = vec![("state", Value::from(c.state.as_str())), ("authors", authors)];
        entity(uid(&self.campaign, &c.id), attrs, HashSet::new())
    }

    /// The request's circumstances: purpose, channel, evidence and the references given.
    pub(crate) fn context(&self, r: &Request) -> Context {
        let e = &r.evidence;
        let evidence = record([
            ("password_verified", e.password_verified),
            ("pin_verified", e.pin_verified),
            ("backup_answer_verified", e.backup_answer_verified),
            ("photo_id_valid", e.photo_id_valid),
            ("call_back_completed", e.call_back_completed),
            ("volunteered_call_details", e.volunteered_call_details),
            ("contract_authenticated", e.contract_authenticated),
        ]);
        let mut pairs = vec![
            ("purpose", self.purposes.value(r.purpose)),
            ("channel", self.channels.value(r.channel)),
            ("evidence", evidence),
        ];
        if let Some(l) = &r.legal_process {
            let legal = [("reference", Value::from(l.reference.as_str())), ("in_scope", Value::from(l.in_scope))];
            pairs.push(("legal_process", Value::record(legal, None)));
        }
        if let Some(f) = &r.fraud_case_ref {
            pairs.push(("fraud_case_ref", Value::from(f.as_str())));
        }
        if let Some(c) = &r.campaign {
            let campaign = [("id", Value::from(c.id.as_str())), ("approved", Value::from(c.approved))];
            pairs.push(("campaign", Value::record(campaign, None)));
        }
        context(pairs)
    }

    /// A campaign review's circumstances: the review purpose and what the reviewer decides.
    pub(crate) fn review_context(&self, decision: ReviewDecision) -> Context {
        context(vec![("purpose", self.campaign_review.clone()), ("decision", Value::from(decision.as_str()))])
    }
}

fn uid(type_: &EntityType, id: &str) -> EntityUID {
    EntityUID::from_components(type_.clone(), Eid::new(id), None)
}

fn entity(uid: EntityUID, attrs: Vec<(&str, Value)>, parents: HashSet<EntityUID>) -> Entity {
    let attrs = attrs.into_iter().map(|(k, v)| (k.into(), PartialValue::from(v)));
    Entity::new_with_attr_partial_value(uid, attrs, HashSet::new(), parents, [])
}

fn record<const N: usize>(flags: [(&str, bool); N]) -> Value {
    Value::record(flags.map(|(k, v)| (k, Value::from(v))), None)
}

fn context(pairs: Vec<(&str, Value)>) -> Context {
    Context::Value(Arc::new(pairs.into_iter().map(|(k, v)| (k.into(), v)).collect::<BTreeMap<_, _>>()))
}
