//! A solver's counterexample (a Cedar request and entity store) read back as the typed
//! [`Request`] that `cpniguard policy explain --request` takes. The schema's closed
//! vocabularies are the Rust enums, so every CPNI request the solver can invent has a
//! typed form; a campaign review (not a CPNI request) has none and says so.

use crate::request::{
    AccountFacts, Action, Campaign, Channel, ConsentSummary, Evidence, LegalProcessRef, Principal, Purpose, Request,
};
use cedar_policy::{Entities, EntityUid, EvalResult, Record};
use cpniguard_core::account::{AccountKind, DirectoryListing};
use cpniguard_core::staff::Role;

/// Read `request` over `entities` as a gate request, or say what has no typed form.
pub fn to_request(request: &cedar_policy::Request, entities: &Entities) -> Result<Request, String> {
    let action_uid = request.action().ok_or("the request has no action")?;
    let action = parse_id(action_uid, Action::parse)?;
    let principal_uid = request.principal().ok_or("the request has no principal")?;
    let resource_uid = request.resource().ok_or("the request has no resource")?;
    let principal = principal(principal_uid, entities)?;
    let account = account(resource_uid, entities)?;
    let context = request.context().ok_or("the request has no context")?;
    let get = |key: &str| context.get(key);
    let needed = |key: &str| get(key).ok_or_else(|| format!("the context has no {key}"));
    let legal_process = match get("legal_process") {
        None => None,
        Some(v) => {
            let r = as_record(&v, "legal_process")?;
            Some(LegalProcessRef { reference: string(r, "reference")?, in_scope: flag(r, "in_scope")? })
        }
    };
    let campaign = match get("campaign") {
        None => None,
        Some(v) => {
            let r = as_record(&v, "campaign")?;
            Some(Campaign { id: string(r, "id")?, approved: flag(r, "approved")? })
        }
    };
    let fraud_case_ref = get("fraud_case_ref").map(|v| as_string(&v, "fraud_case_ref")).transpose()?;
    let evidence = needed("evidence")?;
    let e = as_record(&evidence, "evidence")?;
    Ok(Request {
        principal,
        action,
        account,
        purpose: member(&needed("purpose")?, "purpose", Purpose::parse)?,
        channel: member(&needed("channel")?, "channel", Channel::parse)?,
        evidence: Evidence {
            password_verified: flag(e, "password_verified")?,
            pin_verified: flag(e, "pin_verified")?,
            backup_answer_verified: flag(e, "backup_answer_verified")?,
            photo_id_valid: flag(e, "photo_id_valid")?,
            call_back_completed: flag(e, "call_back_completed")?,
            volunteered_call_details: flag(e, "volunteered_call_details")?,
            contract_authenticated: flag(e, "contract_authenticated")?,
        },
        legal_process,
        fraud_case_ref,
        campaign,
    })
}

fn principal(uid: &EntityUid, entities: &Entities) -> Result<Principal, String> {
    let id = uid.id().unescaped().to_owned();
    let attr = |name: &str| entity_attr(uid, entities, name);
    match uid.type_name().basename() {
        "Staff" => {
            let roles = match attr("roles")? {
                EvalResult::Set(set) => {
                    set.iter().map(|r| member(r, "role", Role::parse)).collect::<Result<Vec<_>, _>>()?
                }
                other => return Err(format!("roles is not a set: {other:?}")),
            };
            Ok(Principal::Staff { id, roles, training_current: as_bool(&attr("training_current")?, "training")? })
        }
        "Customer" => {
            let ancestors = entities.ancestors(uid).ok_or_else(|| format!("no entity {uid}"))?;
            let mut accounts: Vec<String> = ancestors.map(|a| a.id().unescaped().to_owned()).collect();
            accounts.sort();
            Ok(Principal::Customer { id, accounts })
        }
        "Carrier" => Ok(Principal::Carrier { id }),
        "SystemJob" => Ok(Principal::SystemJob { id, job: as_string(&attr("job")?, "job")? }),
        other => Err(format!("the principal type {other} has no gate request form")),
    }
}

fn account(uid: &EntityUid, entities: &Entities) -> Result<AccountFacts, String> {
    if uid.type_name().basename() != "Account" {
        return Err(format!("the resource {uid} is not an account; only CPNI requests have a gate request form"));
    }
    let attr = |name: &str| entity_attr(uid, entities, name);
    let consent = attr("consent")?;
    let c = as_record(&consent, "consent")?;
    Ok(AccountFacts {
        id: uid.id().unescaped().to_owned(),
        kind: member(&attr("kind")?, "kind", AccountKind::parse)?,
        business_exempt: as_bool(&attr("business_exempt")?, "business_exempt")?,
        consent: ConsentSummary {
            carrier_marketing_usable: flag(c, "carrier_marketing_usable")?,
            partner_sharing_usable: flag(c, "partner_sharing_usable")?,
            one_time_usable: flag(c, "one_time_usable")?,
        },
        pic_freeze_any: as_bool(&attr("pic_freeze_any")?, "pic_freeze_any")?,
        directory_listing: member(&attr("directory_listing")?, "directory_listing", DirectoryListing::parse)?,
    })
}

fn entity_attr(uid: &EntityUid, entities: &Entities, name: &str) -> Result<EvalResult, String> {
    let entity = entities.get(uid).ok_or_else(|| format!("the counterexample has no entity {uid}"))?;
    match entity.attr(name) {
        Some(Ok(v)) => Ok(v),
        Some(Err(e)) => Err(format!("{uid}.{name}: {e}")),
        None => Err(format!("{uid} has no attribute {name}")),
    }
}

/// A member of one of the schema's enumerated entity types, as its Rust enum.
fn member<T>(v: &EvalResult, what: &str, parse: fn(&str) -> Option<T>) -> Result<T, String> {
    match v {
        EvalResult::EntityUid(uid) => parse_id(uid, parse).map_err(|e| format!("{what}: {e}")),
        other => Err(format!("{what} is not an entity: {other:?}")),
    }
}

fn parse_id<T>(uid: &EntityUid, parse: fn(&str) -> Option<T>) -> Result<T, String> {
    parse(uid.id().unescaped()).ok_or_else(|| format!("{uid} has no gate request form"))
}

fn as_record<'a>(v: &'a EvalResult, what: &str) -> Result<&'a Record, String> {
    match v {
        EvalResult::Record(r) => Ok(r),
        other => Err(format!("{what} is not a record: {other:?}")),
    }
}

fn as_bool(v: &EvalResult, what: &str) -> Result<bool, String> {
    match v {
        EvalResult::Bool(b) => Ok(*b),
        other => Err(format!("{what} is not a boolean: {other:?}")),
    }
}

fn as_string(v: &EvalResult, what: &str) -> Result<String, String> {
    match v {
        EvalResult::String(s) => Ok(s.clone()),
        other => Err(format!("{what} is not a string: {other:?}")),
    }
}

fn flag(r: &Record, key: &str) -> Result<bool, String> {
    as_bool(r.get(key).ok_or_else(|| format!("no {key}"))?, key)
}

fn string(r: &Record, key: &str) -> Result<String, String> {
    as_string(r.get(key).ok_or_else(|| format!("no {key}"))?, key)
}
