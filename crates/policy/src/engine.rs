//! Loading (schema, default set, a carrier's directory), validation, and decisions.

use crate::request::{CampaignReview, Request};
use crate::slices::{ActionSlice, ActionSlices};
use crate::translate::Vocabulary;
use cedar_policy::{
    Decision as CedarDecision, Effect, EntityId, EntityTypeName, EntityUid, PolicyId, PolicySet, Schema,
    ValidationMode, Validator,
};
use cedar_policy_core::ast::{Context, Entity};
use cedar_policy_core::authorizer::Authorizer;
use cedar_policy_core::entities::{Entities, TCComputation};
use cedar_policy_core::extensions::Extensions;
use cedar_policy_core::validator::{CoreSchema, ValidatorSchema};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

/// The Cedar schema every policy set is validated against.
pub const SCHEMA: &str = include_str!("../schema/cpniguard.cedarschema");

/// The deciding "policy" of a request no permit matched (deny by default).
pub const DEFAULT_DENY: &str = "default-deny";

/// The default policy set shipped in the binary, one file per purpose plus the hard lines.
pub const DEFAULT_POLICIES: &[(&str, &str)] = &[
    ("hard_lines.cedar", include_str!("../policies/hard_lines.cedar")),
    ("service_and_support.cedar", include_str!("../policies/service_and_support.cedar")),
    ("billing.cedar", include_str!("../policies/billing.cedar")),
    ("marketing.cedar", include_str!("../policies/marketing.cedar")),
    ("legal_process.cedar", include_str!("../policies/legal_process.cedar")),
    ("fraud_protection.cedar", include_str!("../policies/fraud_protection.cedar")),
    ("pic_freeze.cedar", include_str!("../policies/pic_freeze.cedar")),
    ("directory_listing.cedar", include_str!("../policies/directory_listing.cedar")),
    ("campaign_review.cedar", include_str!("../policies/campaign_review.cedar")),
    ("audience_oversight.cedar", include_str!("../policies/audience_oversight.cedar")),
    ("import_quarantine.cedar", include_str!("../policies/import_quarantine.cedar")),
];

/// Why a policy set was refused.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("cannot read {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("no .cedar files in {0}")]
    Empty(String),
    #[error("the schema does not parse: {0}")]
    Schema(String),
    #[error("{file}: {message}")]
    Parse { file: String, message: String },
    #[error("{file}: {message}")]
    Annotation { file: String, message: String },
    #[error("policy id {0:?} is defined twice")]
    DuplicateId(String),
    #[error("the policy set fails validation against the schema:\n{0}")]
    Invalid(String),
}

/// One `.cedar` file's text and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicySource {
    pub name: String,
    pub text: String,
}

/// Whether a carrier's directory adds to the default set or replaces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LoadMode {
    #[default]
    Extend,
    Replace,
}

/// The default set as sources.
pub fn default_sources() -> Vec<PolicySource> {
    DEFAULT_POLICIES.iter().map(|(n, t)| PolicySource { name: (*n).to_owned(), text: (*t).to_owned() }).collect()
}

/// Every `*.cedar` file of `dir`, by name.
pub fn read_directory(dir: &Path) -> Result<Vec<PolicySource>, PolicyError> {
    let io = |e| PolicyError::Io { path: dir.display().to_string(), source: e };
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.extension().is_some_and(|e| e == "cedar") && path.is_file() {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| PolicyError::Io { path: path.display().to_string(), source: e })?;
            out.push(PolicySource { name: path.display().to_string(), text });
        }
    }
    if out.is_empty() {
        return Err(PolicyError::Empty(dir.display().to_string()));
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// What a policy says about itself (its annotations) and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyInfo {
    pub id: String,
    pub effect: &'static str,
    pub description: String,
    pub advice: Option<String>,
    pub file: String,
}

/// A decision and what it rests on. `deciding_policy_ids` are the permits that matched
/// when allowed, the forbids that matched when denied, or [`DEFAULT_DENY`] when no
/// permit matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub allowed: bool,
    pub deciding_policy_ids: Vec<String>,
    /// The deciding policies' descriptions, in the same order.
    pub reasons: Vec<String>,
    /// When denied: what the caller may do instead (from the forbids' `@advice`).
    pub advice: Vec<String>,
    pub policy_set_hash: String,
    /// Policies that failed to evaluate (they count as not matching).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

impl Decision {
    /// The advice as one sentence for a problem+json `detail`.
    pub fn advice_text(&self) -> Option<String> {
        (!self.advice.is_empty()).then(|| self.advice.join("; "))
    }
}

/// The policy engine: a validated policy set and what it needs to decide quickly.
pub struct Engine {
    schema: Schema,
    policies: PolicySet,
    info: HashMap<PolicyId, PolicyInfo>,
    hash: String,
    authorizer: Authorizer,
    /// The slices of each [`crate::Action`], in the order of `Action::ALL`.
    actions: Vec<ActionSlices>,
    review_action: ActionSlices,
    vocabulary: Vocabulary,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").field("policies", &self.info.len()).field("hash", &self.hash).finish()
    }
}

pub(crate) fn type_name(name: &str) -> Result<EntityTypeName, PolicyError> {
    EntityTypeName::from_str(&format!("CpniGuard::{name}")).map_err(|e| PolicyError::Schema(e.to_string()))
}

impl Engine {
    /// The default policy set (compiled in).
    pub fn with_defaults() -> Result<Self, PolicyError> {
        Self::from_sources(&default_sources())
    }

    /// The default set extended by, or replaced with, the `.cedar` files of `dir`.
    pub fn with_directory(dir: &Path, mode: LoadMode) -> Result<Self, PolicyError> {
        let mut sources = match mode {
            LoadMode::Extend => default_sources(),
            LoadMode::Replace => Vec::new(),
        };
        sources.extend(read_directory(dir)?);
        Self::from_sources(&sources)
    }

    /// Parse, check annotations (`@id` and `@description` on every policy, ids unique),
    /// and validate against the schema (strict mode).
    pub fn from_sources(sources: &[PolicySource]) -> Result<Self, PolicyError> {
        let (schema, _) = Schema::from_cedarschema_str(SCHEMA).map_err(|e| PolicyError::Schema(e.to_string()))?;
        let mut policies = PolicySet::new();
        let mut info = HashMap::new();
        for source in sources {
            let parsed = PolicySet::from_str(&source.text)
                .map_err(|e| PolicyError::Parse { file: source.name.clone(), message: render(&e) })?;
            if parsed.templates().next().is_some() {
                let message = "templates are not supported; write static policies".to_owned();
                return Err(PolicyError::Annotation { file: source.name.clone(), message });
            }
            for policy in parsed.policies() {
                let missing = |what: &str| PolicyError::Annotation {
                    file: source.name.clone(),
                    message: format!("a policy has no @{what}(\"...\") annotation:\n{policy}"),
                };
                let id = policy.annotation("id").ok_or_else(|| missing("id"))?.to_owned();
                let description = policy.annotation("description").ok_or_else(|| missing("description"))?;
                let pid = PolicyId::new(&id);
                if info.contains_key(&pid) {
                    return Err(PolicyError::DuplicateId(id));
                }
                policies.add(policy.new_id(pid.clone())).map_err(|_| PolicyError::DuplicateId(id.clone()))?;
                let effect = match policy.effect() {
                    Effect::Permit => "permit",
                    Effect::Forbid => "forbid",
                };
                let advice = policy.annotation("advice").map(str::to_owned);
                info.insert(
                    pid,
                    PolicyInfo { id, effect, description: description.to_owned(), advice, file: source.name.clone() },
                );
            }
        }
        let result = Validator::new(schema.clone()).validate(&policies, ValidationMode::Strict);
        if !result.validation_passed() {
            let messages: Vec<String> = result
                .validation_errors()
                .map(|e| {
                    let file = info.get(e.policy_id()).map(|i| i.file.as_str()).unwrap_or("?");
                    format!("{file}: policy {}: {}", e.policy_id(), render(e))
                })
                .collect();
            return Err(PolicyError::Invalid(messages.join("\n")));
        }
        let action_entities = schema.action_entities().map_err(|e| PolicyError::Schema(e.to_string()))?;
        let action_type = type_name("Action")?;
        let slice = |name: &str| {
            let uid = EntityUid::from_type_name_and_id(action_type.clone(), EntityId::new(name));
            ActionSlices::new(&policies, &action_entities, &uid)
        };
        let actions = crate::Action::ALL.iter().map(|a| slice(a.as_str())).collect::<Result<_, _>>()?;
        let review_action = slice("review_campaign")?;
        Ok(Engine {
            schema,
            policies,
            info,
            hash: set_hash(sources),
            authorizer: Authorizer::new(),
            actions,
            review_action,
            vocabulary: Vocabulary::new()?,
        })
    }

    /// The version of the set: `sha256:` over the schema and every source, by name.
    pub fn policy_set_hash(&self) -> &str {
        &self.hash
    }

    /// The schema the set was validated against.
    pub(crate) fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The validated set, as Cedar holds it.
    pub(crate) fn policy_set(&self) -> &PolicySet {
        &self.policies
    }

    /// Every slice of the set: each action's, per principal type.
    #[cfg(test)]
    pub(crate) fn slices(&self) -> impl Iterator<Item = &ActionSlice> {
        self.actions.iter().chain([&self.review_action]).flat_map(ActionSlices::iter)
    }

    /// Every policy of the set, by id.
    pub fn policies(&self) -> Vec<&PolicyInfo> {
        let mut v: Vec<&PolicyInfo> = self.info.values().collect();
        v.sort_by(|a, b| a.id.cmp(&b.id));
        v
    }

    pub fn policy(&self, id: &str) -> Option<&PolicyInfo> {
        self.info.get(&PolicyId::new(id))
    }

    /// Decide one request. Never panics; a request that cannot be put to Cedar is
    /// denied with the error.
    pub fn decide(&self, request: &Request) -> Decision {
        self.evaluate(request).unwrap_or_else(|message| self.unevaluated(message))
    }

    /// Decide whether a staff member may approve or reject a campaign (separation of
    /// duties: never one they created or edited). Never panics, like [`Engine::decide`].
    pub fn decide_campaign_review(&self, review: &CampaignReview) -> Decision {
        self.evaluate_review(review).unwrap_or_else(|message| self.unevaluated(message))
    }

    fn unevaluated(&self, message: String) -> Decision {
        Decision {
            allowed: false,
            deciding_policy_ids: vec![DEFAULT_DENY.to_owned()],
            reasons: vec!["the request could not be evaluated".to_owned()],
            advice: Vec::new(),
            policy_set_hash: self.hash.clone(),
            errors: vec![message],
        }
    }

    fn evaluate_review(&self, r: &CampaignReview) -> Result<Decision, String> {
        let principal = self.vocabulary.principal(&r.reviewer);
        let campaign = self.vocabulary.campaign(&r.campaign);
        let context = self.vocabulary.review_context(r.decision);
        let action = self.review_action.for_principal(&r.reviewer).ok_or("the principal type has no slice")?;
        let response = self.authorize(action, principal, campaign, context)?;
        Ok(self.conclude(&response, || {
            (
                format!("no permit matched: no policy lets this principal {} a campaign", r.decision.as_str()),
                "campaigns are approved or rejected by a supervisor who neither created nor edited them".to_owned(),
            )
        }))
    }

    fn evaluate(&self, r: &Request) -> Result<Decision, String> {
        // `Action::ALL` lists the variants in declaration order, as `actions` was built.
        let action = self
            .actions
            .get(r.action as usize)
            .and_then(|a| a.for_principal(&r.principal))
            .ok_or("the action or principal type has no slice")?;
        let principal = self.vocabulary.principal(&r.principal);
        let account = self.vocabulary.account(&r.account);
        let context = self.vocabulary.context(r);
        let response = self.authorize(action, principal, account, context)?;
        Ok(self.conclude(&response, || {
            (
                format!(
                    "no permit matched: no policy allows {} for the purpose {} on the channel {}",
                    r.action, r.purpose, r.channel
                ),
                "check the purpose, your role and the customer's authentication for this channel; \
                 account information may always be sent to the address of record"
                    .to_owned(),
            )
        }))
    }

    /// Put one request to Cedar: its principal and resource entities with the action's
    /// entity, and the action's slice of the set.
    fn authorize(
        &self,
        action: &ActionSlice,
        principal: Entity,
        resource: Entity,
        context: Context,
    ) -> Result<cedar_policy::Response, String> {
        // The typed request always has the schema's shape; debug builds (and so the
        // tests) check the request and its entities against the schema all the same,
        // release builds save the time.
        let schema: Option<&ValidatorSchema> = cfg!(debug_assertions).then(|| self.schema.as_ref());
        let extensions = Extensions::all_available();
        let request = cedar_policy_core::ast::Request::new(
            (principal.uid().clone(), None),
            (action.uid.clone(), None),
            (resource.uid().clone(), None),
            context,
            schema,
            extensions,
        )
        .map_err(|e| e.to_string())?;
        // The principal's parents are all its ancestors and the action's entity carries
        // its groups: the hierarchy is already transitively closed.
        let entities = Entities::new()
            .add_entities(
                [Arc::new(principal), Arc::new(resource), Arc::clone(&action.entity)],
                schema.map(CoreSchema::new).as_ref(),
                TCComputation::AssumeAlreadyComputed,
                extensions,
            )
            .map_err(|e| e.to_string())?;
        Ok(self.authorizer.is_authorized(request, action.policies.as_ref(), &entities).into())
    }

    /// The decision of a Cedar response: the deciding policies with their reasons and
    /// advice, or the default deny explained by `default_deny` (reason, advice).
    fn conclude(&self, response: &cedar_policy::Response, default_deny: impl FnOnce() -> (String, String)) -> Decision {
        let allowed = response.decision() == CedarDecision::Allow;
        let mut ids: Vec<&PolicyInfo> = response.diagnostics().reason().filter_map(|id| self.info.get(id)).collect();
        ids.sort_by(|a, b| a.id.cmp(&b.id));
        let errors = response.diagnostics().errors().map(|e| e.to_string()).collect();
        if !allowed && ids.is_empty() {
            let (reason, advice) = default_deny();
            return Decision {
                allowed,
                deciding_policy_ids: vec![DEFAULT_DENY.to_owned()],
                reasons: vec![reason],
                advice: vec![advice],
                policy_set_hash: self.hash.clone(),
                errors,
            };
        }
        Decision {
            allowed,
            deciding_policy_ids: ids.iter().map(|i| i.id.clone()).collect(),
            reasons: ids.iter().map(|i| i.description.clone()).collect(),
            advice: if allowed { Vec::new() } else { ids.iter().filter_map(|i| i.advice.clone()).collect() },
            policy_set_hash: self.hash.clone(),
            errors,
        }
    }
}

fn render(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        source = inner.source();
    }
    s
}

fn set_hash(sources: &[PolicySource]) -> String {
    let mut h = Sha256::new();
    h.update(SCHEMA.as_bytes());
    let sorted: BTreeMap<&str, &str> = sources.iter().map(|s| (s.name.as_str(), s.text.as_str())).collect();
    for (name, text) in sorted {
        let short = name.rsplit(['/', '\\']).next().unwrap_or(name);
        h.update([0]);
        h.update(short.as_bytes());
        h.update([0]);
        h.update(text.as_bytes());
    }
    let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}
