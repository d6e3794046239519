//! Slices of the policy set per action and type of principal. Cedar evaluates every
//! policy of the set it is given; a policy whose scope cannot match the request's
//! principal or action evaluates to "not satisfied" without error (the scope is checked
//! before the conditions, and a scope check never errors), so leaving it out changes
//! neither the decision nor the deciding policies nor the errors. Each slice holds the
//! policies whose scope can match one action (unconstrained, that action, or a group it
//! belongs to) asked by one type of principal.

use crate::engine::{PolicyError, type_name};
use crate::request::Principal;
use cedar_policy::{ActionConstraint, Entities, EntityTypeName, EntityUid, PolicySet, PrincipalConstraint};
use std::sync::Arc;

/// The principal entity types of the schema, in the order [`ActionSlices`] keeps them.
const PRINCIPAL_TYPES: [&str; 4] = ["Staff", "Customer", "Carrier", "SystemJob"];

/// One action's slices, one per principal type.
#[derive(Debug, Clone)]
pub(crate) struct ActionSlices(Vec<ActionSlice>);

impl ActionSlices {
    /// The slices of `policies` for `action`; `action_entities` are the schema's actions
    /// with their group hierarchy.
    pub(crate) fn new(
        policies: &PolicySet,
        action_entities: &Entities,
        action: &EntityUid,
    ) -> Result<Self, PolicyError> {
        let slices =
            PRINCIPAL_TYPES.iter().map(|t| ActionSlice::new(policies, action_entities, action, &type_name(t)?));
        Ok(ActionSlices(slices.collect::<Result<_, _>>()?))
    }

    /// The slice for a request by `principal`.
    pub(crate) fn for_principal(&self, principal: &Principal) -> Option<&ActionSlice> {
        let at = PRINCIPAL_TYPES.iter().position(|t| *t == principal.type_name())?;
        self.0.get(at)
    }

    #[cfg(test)]
    pub(crate) fn iter(&self) -> impl Iterator<Item = &ActionSlice> {
        self.0.iter()
    }
}

/// One action as a request names it: its uid, its entity as the schema defines it (with
/// its groups as ancestors, so `action in` a group needs no other entity), and the
/// policies that can match it for one principal type.
#[derive(Debug, Clone)]
pub(crate) struct ActionSlice {
    pub(crate) uid: cedar_policy_core::ast::EntityUID,
    pub(crate) entity: Arc<cedar_policy_core::ast::Entity>,
    pub(crate) policies: PolicySet,
}

impl ActionSlice {
    fn new(
        policies: &PolicySet,
        action_entities: &Entities,
        action: &EntityUid,
        principal_type: &EntityTypeName,
    ) -> Result<Self, PolicyError> {
        let entity = action_entities
            .get(action)
            .ok_or_else(|| PolicyError::Schema(format!("the schema has no action {action}")))?;
        let mut slice = PolicySet::new();
        let can_match = |p: &&cedar_policy::Policy| {
            principal_can_match(&p.principal_constraint(), principal_type)
                && action_can_match(&p.action_constraint(), action, action_entities)
        };
        for policy in policies.policies().filter(can_match) {
            slice.add(policy.clone()).map_err(|e| PolicyError::DuplicateId(e.to_string()))?;
        }
        Ok(ActionSlice { uid: action.as_ref().clone(), entity: Arc::new(entity.as_ref().clone()), policies: slice })
    }
}

/// Whether a policy with this principal scope can be satisfied by a principal of type
/// `principal_type`. `principal in <entity>` is kept for every type: membership does
/// not depend on the type alone.
fn principal_can_match(scope: &PrincipalConstraint, principal_type: &EntityTypeName) -> bool {
    match scope {
        PrincipalConstraint::Any | PrincipalConstraint::In(_) => true,
        PrincipalConstraint::Eq(uid) => uid.type_name() == principal_type,
        PrincipalConstraint::Is(t) | PrincipalConstraint::IsIn(t, _) => t == principal_type,
    }
}

/// Whether a policy with this action scope can be satisfied by a request for `action`:
/// the same test Cedar's `action == ...` and `action in [...]` make.
fn action_can_match(scope: &ActionConstraint, action: &EntityUid, action_entities: &Entities) -> bool {
    match scope {
        ActionConstraint::Any => true,
        ActionConstraint::Eq(a) => a == action,
        ActionConstraint::In(groups) => groups.iter().any(|g| g == action || action_entities.is_ancestor_of(g, action)),
    }
}

#[cfg(test)]
mod equivalence;
