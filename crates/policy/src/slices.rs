//! Per-action slices of the policy set. Cedar evaluates every policy of the set it is
//! given; a policy whose action scope cannot match the request's action evaluates to
//! "not satisfied" without error (the scope is checked before the conditions, and a
//! scope check never errors), so leaving it out changes neither the decision nor the
//! deciding policies nor the errors. Each slice holds the policies whose scope can
//! match one action: unconstrained, that action, or a group it belongs to.

use crate::engine::PolicyError;
use cedar_policy::{ActionConstraint, Entities, EntityUid, PolicySet};
use std::sync::Arc;

/// One action as a request names it: its uid, its entity as the schema defines it (with
/// its groups as ancestors, so `action in` a group needs no other entity), and the
/// policies that can match it.
#[derive(Debug, Clone)]
pub(crate) struct ActionSlice {
    pub(crate) uid: cedar_policy_core::ast::EntityUID,
    pub(crate) entity: Arc<cedar_policy_core::ast::Entity>,
    pub(crate) policies: PolicySet,
}

impl ActionSlice {
    /// The slice of `policies` for `action`; `action_entities` are the schema's actions
    /// with their group hierarchy.
    pub(crate) fn new(
        policies: &PolicySet,
        action_entities: &Entities,
        action: &EntityUid,
    ) -> Result<Self, PolicyError> {
        let entity = action_entities
            .get(action)
            .ok_or_else(|| PolicyError::Schema(format!("the schema has no action {action}")))?;
        let mut slice = PolicySet::new();
        for policy in policies.policies().filter(|p| scope_can_match(&p.action_constraint(), action, action_entities)) {
            slice.add(policy.clone()).map_err(|e| PolicyError::DuplicateId(e.to_string()))?;
        }
        Ok(ActionSlice { uid: action.as_ref().clone(), entity: Arc::new(entity.as_ref().clone()), policies: slice })
    }
}

/// Whether a policy with this action scope can be satisfied by a request for `action`:
/// the same test Cedar's `action == ...` and `action in [...]` make.
fn scope_can_match(scope: &ActionConstraint, action: &EntityUid, action_entities: &Entities) -> bool {
    match scope {
        ActionConstraint::Any => true,
        ActionConstraint::Eq(a) => a == action,
        ActionConstraint::In(groups) => groups.iter().any(|g| g == action || action_entities.is_ancestor_of(g, action)),
    }
}

#[cfg(test)]
mod equivalence;
