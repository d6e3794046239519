//! The disclosure gate's policy engine (issue 5, item 1): a Cedar schema, the default
//! policy set compiled into the binary (`policies/*.cedar`, one file per purpose plus
//! the hard lines, every policy with `@id`, `@description` and, for forbids,
//! `@advice`), a typed [`Request`], and [`Engine::decide`] returning a [`Decision`]
//! with the deciding policy ids, the reasons, advice for refusals and the policy-set
//! version hash. Deny by default.
#![forbid(unsafe_code)]

mod engine;
pub mod prove;
mod request;
mod slices;
mod translate;

pub use engine::{
    DEFAULT_DENY, DEFAULT_POLICIES, Decision, Engine, LoadMode, PolicyError, PolicyInfo, PolicySource, SCHEMA,
    default_sources, read_directory,
};
pub use request::{
    AccountFacts, Action, Campaign, CampaignFacts, CampaignReview, Channel, ConsentSummary, Evidence, LegalProcessRef,
    Principal, Purpose, Request, ReviewDecision,
};
