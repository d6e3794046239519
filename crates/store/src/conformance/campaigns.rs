//! Conformance: marketing campaigns under supervisory review, audience snapshots and their records.

use super::fixtures::{DAY, at, call, date, email, invoice, new_account};
use crate::campaigns::{
    AudienceCriteria, AudienceMember, AudienceSnapshot, Campaign, CampaignEvent, CampaignReviewCounts, CampaignState,
    MinutesOver, Period, Sponsor, compute_audience,
};
use crate::consent::ConsentChange;
use crate::{Store, StoreError, StoreWithRecords};
use chrono::{DateTime, Utc};
use cpniguard_core::account::{AccountKind, Language};
use cpniguard_core::consent::{
    ApprovalState, CARRIER_MARKETING, ConsentChannel, ConsentEvent, ConsentEventKind, ConsentPolicy, Evidence,
    NoticeMedium, NoticeServed, PARTNER_SHARING,
};
use cpniguard_core::cpni::{CallType, Service};
use cpniguard_core::ids::{AccountId, ServiceId};
use cpniguard_core::money::Cents;
use uuid::Uuid;

fn campaign(sponsor: Sponsor) -> Campaign {
    Campaign {
        id: Uuid::now_v7(),
        version: 1,
        state: CampaignState::Draft,
        name: "Long distance saver".to_owned(),
        description: "A cheaper long-distance plan for heavy callers".to_owned(),
        sponsor,
        sponsor_name: None,
        cpni_categories: vec!["call_detail".to_owned()],
        criteria: AudienceCriteria::default(),
        offers: vec!["LD Saver plan".to_owned()],
        channels: vec![crate::campaigns::MarketingChannel::Email],
        starts_on: date("2025-02-01"),
        ends_on: date("2025-03-01"),
        created_at: at(0),
        created_by: "mkt-1".to_owned(),
        authors: vec!["mkt-1".to_owned()],
        submitted_at: None,
        reviewed_by: None,
        reviewed_at: None,
        review_reason: None,
        closed_at: None,
        retain_until: None,
    }
}

fn trail(c: &Campaign, kind: &str, t: DateTime<Utc>) -> CampaignEvent {
    CampaignEvent {
        id: Uuid::now_v7(),
        campaign_id: c.id,
        at: t,
        actor_id: "mkt-1".to_owned(),
        actor: "marketing.one".to_owned(),
        kind: kind.to_owned(),
        detail: serde_json::json!({"state": c.state.as_str()}),
    }
}

/// Move `c` to `state` at `t`, logging `kind`.
async fn advance(store: &dyn Store, c: &mut Campaign, state: CampaignState, kind: &str, t: DateTime<Utc>) {
    let before = c.version;
    c.version += 1;
    c.state = state;
    store.update_campaign(c, before, &trail(c, kind, t)).await.unwrap();
}

pub async fn campaigns_versioned_with_their_trail(store: &dyn Store) {
    let mut c = campaign(Sponsor::Carrier);
    store.create_campaign(&c, &trail(&c, "created", at(0))).await.unwrap();
    assert!(matches!(store.create_campaign(&c, &trail(&c, "created", at(0))).await, Err(StoreError::Conflict(_))));
    assert_eq!(store.get_campaign(c.id).await.unwrap().as_ref(), Some(&c));
    assert_eq!(store.campaigns_awaiting_review_count().await.unwrap(), 0);

    advance(store, &mut c, CampaignState::Submitted, "submitted", at(DAY)).await;
    assert_eq!(store.campaigns_awaiting_review_count().await.unwrap(), 1);
    // A change made against a stale version is refused.
    let mut stale = c.clone();
    stale.version = 2;
    assert!(matches!(
        store.update_campaign(&stale, 1, &trail(&stale, "edited", at(DAY))).await,
        Err(StoreError::Conflict("campaign version"))
    ));
    let mut ghost = campaign(Sponsor::Carrier);
    ghost.version = 2;
    assert!(matches!(
        store.update_campaign(&ghost, 1, &trail(&ghost, "edited", at(DAY))).await,
        Err(StoreError::NotFound("campaign"))
    ));
    advance(store, &mut c, CampaignState::Approved, "approved", at(2 * DAY)).await;
    advance(store, &mut c, CampaignState::Running, "started", at(3 * DAY)).await;
    c.closed_at = Some(at(10 * DAY));
    c.retain_until = Some(date("2026-01-25"));
    advance(store, &mut c, CampaignState::Completed, "completed", at(10 * DAY)).await;

    let stored = store.get_campaign(c.id).await.unwrap().unwrap();
    assert_eq!(stored, c);
    let kinds: Vec<String> = store.campaign_events(c.id).await.unwrap().into_iter().map(|e| e.kind).collect();
    assert_eq!(kinds, ["created", "submitted", "approved", "started", "completed"]);
    assert_eq!(store.list_campaigns(Some(CampaignState::Completed)).await.unwrap(), vec![c.clone()]);
    assert!(store.list_campaigns(Some(CampaignState::Draft)).await.unwrap().is_empty());
    assert_eq!(store.list_campaigns(None).await.unwrap().len(), 1);

    assert_eq!(
        store.campaign_review_counts(at(0), at(30 * DAY)).await.unwrap(),
        CampaignReviewCounts { submitted: 1, approved: 1, rejected: 0, completed: 1 }
    );
    assert_eq!(
        store.campaign_review_counts(at(2 * DAY), at(3 * DAY)).await.unwrap(),
        CampaignReviewCounts { approved: 1, ..Default::default() }
    );
    // Active in a period: created before its end, not closed before its start.
    assert_eq!(store.campaigns_in_period(at(5 * DAY), at(6 * DAY)).await.unwrap().len(), 1);
    assert!(store.campaigns_in_period(at(11 * DAY), at(20 * DAY)).await.unwrap().is_empty());
    assert!(store.campaigns_in_period(at(-5 * DAY), at(-DAY)).await.unwrap().is_empty());
}

async fn holder(store: &dyn Store, n: u32, kind: AccountKind, language: Language) -> AccountId {
    let mut new = new_account(&format!("ACC-81{n:02}"), "Campaign Holder", &[&format!("+1801556{n:04}")]);
    new.profile.kind = kind;
    new.profile.language = language;
    new.email = Some(email(&format!("holder{n}@example.com")));
    let id = AccountId::new();
    store.create_account(id, &new, at(0)).await.unwrap();
    id
}

fn consent(account: AccountId, scope: &str, kind: ConsentEventKind, t: DateTime<Utc>) -> ConsentEvent {
    let notice = (kind == ConsentEventKind::NoticeServed)
        .then(|| NoticeServed { version: "v1".to_owned(), medium: NoticeMedium::Electronic });
    ConsentEvent {
        id: Uuid::now_v7(),
        account_id: account,
        scope: scope.to_owned(),
        kind,
        at: t,
        channel: ConsentChannel::Portal,
        recorded_by: "staff:test".to_owned(),
        recorded_at: t,
        evidence: Evidence::default(),
        notice,
        refers_to: None,
        idempotency_key: None,
    }
}

pub async fn campaigns_audience_criteria_compile_to_sql(store: &dyn StoreWithRecords) {
    let es_heavy = holder(store, 1, AccountKind::Residential, Language::Es).await;
    let es_light = holder(store, 2, AccountKind::Residential, Language::Es).await;
    let en_heavy = holder(store, 3, AccountKind::Residential, Language::En).await;
    let biz = holder(store, 4, AccountKind::Business, Language::Es).await;
    // Long-distance calls in January 2025: 3 × 1200 s = 60 minutes for the heavy callers,
    // 10 minutes for the light one; local calls do not count.
    let mut calls = Vec::new();
    for (account, n, secs) in [(es_heavy, 3, 1200), (es_light, 1, 600), (en_heavy, 3, 1200), (biz, 3, 1200)] {
        for i in 0..n {
            let mut c = call(account, at(-DAY * (i + 1)), 0, "feed");
            c.source_record_id = format!("{}-{i}", account.0);
            c.call_type = CallType::LongDistance;
            c.duration_secs = secs;
            calls.push(c);
        }
        let mut local = call(account, at(-DAY), 0, "feed");
        local.source_record_id = format!("{}-local", account.0);
        local.call_type = CallType::Local;
        local.duration_secs = 7200;
        calls.push(local);
    }
    store.insert_calls(&calls).await.unwrap();
    store.insert_invoices(&[invoice(es_heavy, "2024-12-01", &[5000, 2500])]).await.unwrap();
    store.insert_invoices(&[invoice(es_light, "2024-12-01", &[900])]).await.unwrap();
    store
        .add_service(&Service {
            id: ServiceId::new(),
            account_id: es_light,
            service_type: "fiber_internet".to_owned(),
            service_number: None,
            quantity: 1,
            configuration: serde_json::json!({}),
            rate_plan: "Fiber 1G".to_owned(),
            monthly_rate: Cents(6000),
            since: date("2024-06-01"),
            until: None,
        })
        .await
        .unwrap();

    let january = Period { from: date("2025-01-01"), to: date("2025-01-31") };
    let today = date("2025-02-10");
    let ids = |v: &[AccountId]| {
        let mut v = v.to_vec();
        v.sort();
        v
    };
    let check = async |criteria: AudienceCriteria, expected: &[AccountId]| {
        let resolved = criteria.resolve(today);
        assert_eq!(store.audience_candidates(&resolved).await.unwrap(), ids(expected), "{criteria:?}");
        assert_eq!(store.count_audience_candidates(&resolved).await.unwrap(), expected.len() as u64);
    };
    // Residential accounts in Spanish whose long-distance minutes exceed 30.
    let heavy = Some(MinutesOver { over: 30, period: Some(january) });
    check(
        AudienceCriteria {
            account_kind: Some(AccountKind::Residential),
            language: Some(Language::Es),
            long_distance_minutes: heavy,
            ..Default::default()
        },
        &[es_heavy],
    )
    .await;
    check(AudienceCriteria { long_distance_minutes: heavy, ..Default::default() }, &[es_heavy, en_heavy, biz]).await;
    // The default period is the last full quarter (2024 Q4 here): no calls in it.
    check(
        AudienceCriteria { long_distance_minutes: Some(MinutesOver { over: 1, period: None }), ..Default::default() },
        &[],
    )
    .await;
    check(AudienceCriteria { service_type: Some("fiber_internet".to_owned()), ..Default::default() }, &[es_light])
        .await;
    // Invoices issued 2025-01-01 lie in the default quarter only from Q1 2025's view.
    let total = |min, max| crate::campaigns::InvoiceTotalRange {
        min_cents: min,
        max_cents: max,
        period: Some(Period { from: date("2025-01-01"), to: date("2025-01-31") }),
    };
    check(AudienceCriteria { invoice_total: Some(total(Some(5000), None)), ..Default::default() }, &[es_heavy]).await;
    check(AudienceCriteria { invoice_total: Some(total(Some(100), Some(1000))), ..Default::default() }, &[es_light])
        .await;
    // Text that looks like SQL is a value, never a statement (the store binds even
    // what validation would refuse).
    check(AudienceCriteria { service_type: Some("x' or '1'='1".to_owned()), ..Default::default() }, &[]).await;
    check(AudienceCriteria::default(), &[es_heavy, es_light, en_heavy, biz]).await;
}

/// Accounts in each approval state at `at(0)` (default consent policy).
async fn consent_mix(store: &dyn Store) -> Vec<(AccountId, &'static str)> {
    use ConsentEventKind::{NoticeServed as Notice, OptIn, OptOut};
    let mut out = Vec::new();
    let mut events = Vec::new();
    for (n, label) in [
        (11, "approved"),
        (12, "opted_out"),
        (13, "waiting"),
        (14, "renotice_due"),
        (15, "no_notice"),
        (16, "opted_in"),
    ] {
        let a = holder(store, n, AccountKind::Residential, Language::Es).await;
        match label {
            "approved" => events.push(consent(a, CARRIER_MARKETING, Notice, at(-60 * DAY))),
            "opted_out" => {
                events.push(consent(a, CARRIER_MARKETING, Notice, at(-60 * DAY)));
                events.push(consent(a, CARRIER_MARKETING, OptOut, at(-10 * DAY)));
                events.push(consent(a, PARTNER_SHARING, OptOut, at(-10 * DAY)));
            }
            "waiting" => events.push(consent(a, CARRIER_MARKETING, Notice, at(-5 * DAY))),
            "renotice_due" => events.push(consent(a, CARRIER_MARKETING, Notice, at(-1100 * DAY))),
            "opted_in" => {
                events.push(consent(a, CARRIER_MARKETING, Notice, at(-60 * DAY)));
                events.push(consent(a, PARTNER_SHARING, OptIn, at(-10 * DAY)));
            }
            _ => {}
        }
        out.push((a, label));
    }
    store.record_consent(&ConsentChange { events, ..Default::default() }, at(0)).await.unwrap();
    out
}

pub async fn campaigns_audience_excludes_by_consent_and_snapshots(store: &dyn StoreWithRecords) {
    let mix = consent_mix(store).await;
    let label = |id: AccountId| mix.iter().find(|(a, _)| *a == id).map(|(_, l)| *l).unwrap();
    let policy = ConsentPolicy::default();
    let criteria = AudienceCriteria::default().resolve(date("2025-01-15"));

    // The carrier's own campaign: opt-out tier.
    let own = compute_audience(store, &criteria, Sponsor::Carrier, &policy, at(0)).await.unwrap();
    assert_eq!(own.scope, CARRIER_MARKETING);
    assert_eq!(own.candidates, 6);
    let mut included: Vec<&str> = own.members.iter().filter(|m| m.included).map(|m| label(m.account_id)).collect();
    included.sort();
    assert_eq!(included, ["approved", "opted_in"]);
    for (state, n) in [("opted_out", 1), ("waiting", 1), ("renotice_due", 1), ("no_notice", 1)] {
        assert_eq!(own.excluded.get(state), Some(&n), "{state} counted separately: {:?}", own.excluded);
    }
    assert!(own.members.iter().filter(|m| m.included).all(|m| m.basis.is_some()), "each inclusion has its evidence");
    // An agent or affiliate markets under the same approval.
    let agent = compute_audience(store, &criteria, Sponsor::Affiliate, &policy, at(0)).await.unwrap();
    assert_eq!(agent.members, own.members);

    // Partners (joint venture, contractors, third parties): opted-in accounts only.
    for sponsor in [Sponsor::JointVenturePartner, Sponsor::IndependentContractor, Sponsor::ThirdParty] {
        let partner = compute_audience(store, &criteria, sponsor, &policy, at(0)).await.unwrap();
        assert_eq!(partner.scope, PARTNER_SHARING);
        let inc: Vec<&str> = partner.members.iter().filter(|m| m.included).map(|m| label(m.account_id)).collect();
        assert_eq!(inc, ["opted_in"]);
        let opted_in = partner.members.iter().find(|m| m.included).unwrap();
        assert_eq!(opted_in.state, ApprovalState::OptedIn);
    }

    // The snapshot keeps who was targeted and why, as computed.
    let mut c = campaign(Sponsor::Carrier);
    store.create_campaign(&c, &trail(&c, "created", at(0))).await.unwrap();
    let snapshot = AudienceSnapshot {
        id: Uuid::now_v7(),
        campaign_id: c.id,
        campaign_version: c.version,
        computed_at: at(0),
        computed_by: "mkt-1".to_owned(),
        scope: own.scope.clone(),
        candidates: own.candidates,
        included: own.included,
        excluded: own.excluded.clone(),
        decision_ref: Some("audit:1".to_owned()),
    };
    store.record_audience(&snapshot, &own.members, &trail(&c, "audience_computed", at(0))).await.unwrap();
    assert_eq!(store.audience_snapshots(c.id).await.unwrap(), vec![snapshot.clone()]);
    assert_eq!(store.audience_members(snapshot.id, false).await.unwrap(), own.members);
    let inc = store.audience_members(snapshot.id, true).await.unwrap();
    assert_eq!(inc, own.members.iter().filter(|m| m.included).cloned().collect::<Vec<_>>());
    let contacts = store.audience_contacts(snapshot.id).await.unwrap();
    assert_eq!(
        contacts.iter().map(|c| c.account_id).collect::<Vec<_>>(),
        inc.iter().map(|m| m.account_id).collect::<Vec<_>>()
    );
    for contact in &contacts {
        assert_eq!(contact.emails.len(), 1);
        assert_eq!(contact.phones.len(), 1);
        assert_eq!(contact.postal.len(), 1);
        assert_eq!(contact.language, "es");
    }
    // A snapshot is for one version of the campaign: after a change it is refused.
    advance(store, &mut c, CampaignState::Submitted, "submitted", at(DAY)).await;
    let late = AudienceSnapshot { id: Uuid::now_v7(), ..snapshot };
    assert!(matches!(
        store.record_audience(&late, &own.members, &trail(&c, "audience_computed", at(DAY))).await,
        Err(StoreError::Conflict("campaign version"))
    ));
    assert_eq!(store.audience_snapshots(c.id).await.unwrap().len(), 1);
}

pub async fn campaigns_retention_refuses_early_delete(store: &dyn StoreWithRecords) {
    let mut c = campaign(Sponsor::ThirdParty);
    store.create_campaign(&c, &trail(&c, "created", at(0))).await.unwrap();
    let a = holder(store, 21, AccountKind::Residential, Language::Es).await;
    let member =
        AudienceMember { account_id: a, state: ApprovalState::NoNotice, usable: false, basis: None, included: false };
    let snapshot = AudienceSnapshot {
        id: Uuid::now_v7(),
        campaign_id: c.id,
        campaign_version: c.version,
        computed_at: at(0),
        computed_by: "mkt-1".to_owned(),
        scope: PARTNER_SHARING.to_owned(),
        candidates: 1,
        included: 0,
        excluded: [("no_notice".to_owned(), 1)].into(),
        decision_ref: None,
    };
    store.record_audience(&snapshot, &[member], &trail(&c, "audience_computed", at(0))).await.unwrap();
    let refusal = store.delete_campaign(c.id, date("2030-01-01")).await.unwrap_err();
    assert!(matches!(&refusal, StoreError::Invalid(v) if v.reason.contains("has not completed")), "{refusal:?}");
    c.closed_at = Some(at(DAY));
    c.retain_until = Some(date("2026-01-16"));
    advance(store, &mut c, CampaignState::Withdrawn, "withdrawn", at(DAY)).await;
    for today in [date("2025-06-01"), date("2026-01-16")] {
        match store.delete_campaign(c.id, today).await {
            Err(StoreError::Invalid(v)) => {
                assert!(v.reason.contains("2026-01-16") && v.reason.contains("2026-01-17"), "{}", v.reason)
            }
            other => panic!("deleted early: {other:?}"),
        }
    }
    assert!(store.get_campaign(c.id).await.unwrap().is_some());
    store.delete_campaign(c.id, date("2026-01-17")).await.unwrap();
    assert!(store.get_campaign(c.id).await.unwrap().is_none());
    assert!(store.campaign_events(c.id).await.unwrap().is_empty());
    assert!(store.audience_snapshots(c.id).await.unwrap().is_empty());
    assert!(store.audience_members(snapshot.id, false).await.unwrap().is_empty());
    assert!(matches!(store.delete_campaign(c.id, date("2026-01-17")).await, Err(StoreError::NotFound("campaign"))));
}
