//! No CPNI in any console response before the gate allowed it. Every console route, read
//! from the router (not a hand list), is requested in three states — not signed in,
//! signed in as a CSR whose caller is not authenticated yet, and after the interaction
//! ended — and none of the account's called numbers, call durations or invoice totals
//! may appear. Every refusal of a read leaves an audit entry. Both backends.

mod common;

use common::console::*;
use common::routes::route_table;
use cpniguard_core::staff::Role;
use cpniguard_store::audit::AuditQuery;
use reqwest::StatusCode;

/// A console path with its parameters filled in for this account and interaction.
fn concrete(template: &str, account: &str, interaction: &str) -> String {
    template.replace("{id}", if template.starts_with("/console/accounts/") { account } else { interaction })
}

#[tokio::test(flavor = "multi_thread")]
async fn no_cpni_on_any_console_route_before_the_gate_allows_it() {
    for s in common::servers().await {
        console_staff(&s, "dee.floor", Role::Csr, Some(30)).await;
        let account = account_with_cpni(&s, "ACC-8001", "+18015558001").await.to_string();
        let routes: Vec<(String, String)> = route_table(&cpniguard_server::router(s.state.clone()))
            .into_iter()
            .filter(|(_, path)| path.starts_with("/console") || path.starts_with("/portal"))
            .collect();
        assert!(routes.len() >= 15, "the console's routes: {routes:?}");
        let (cookie, csrf) = sign_in(&s, "dee.floor", STAFF_PASSWORD).await;
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let interaction = open_phone_interaction(&s, &cookie, &csrf, &account).await;

        let walk = |state: &'static str, cookie: Option<String>| {
            let (http, s, routes, account, interaction, csrf) =
                (http.clone(), &s, routes.clone(), account.clone(), interaction.clone(), csrf.clone());
            async move {
                for (method, template) in &routes {
                    if template.ends_with("/sign-out") || template.ends_with("/end") {
                        continue; // would end the state being walked
                    }
                    let url = s.url(&concrete(template, &account, &interaction));
                    let mut req = match method.as_str() {
                        "get" => http.get(&url).query(&[("purpose", "service_and_support"), ("q", "ACC-8001")]),
                        _ => http.post(&url).form(&[("csrf", csrf.as_str()), ("purpose", "service_and_support")]),
                    };
                    if let Some(c) = &cookie {
                        req = req.header("cookie", c);
                    }
                    let body = req.send().await.unwrap().text().await.unwrap();
                    assert_eq!(leaked(&body), None, "{} {method} {template} ({state}) revealed CPNI", s.backend);
                }
            }
        };
        walk("not signed in", None).await;
        let about_account =
            AuditQuery { account: Some(account.parse().unwrap()), limit: 1000, ..AuditQuery::default() };
        let audited_before = s.store.search_audit(&about_account).await.unwrap().entries.len();
        walk("caller not authenticated", Some(cookie.clone())).await;
        let audited_after = s.store.search_audit(&about_account).await.unwrap().entries.len();
        assert!(audited_after >= audited_before + 2, "each refused read (calls, invoices) is an audit entry");

        // Authenticate, read (allowed), end the interaction, walk again.
        let verify = http
            .post(s.url(&format!("/console/interactions/{interaction}/verify")))
            .header("cookie", &cookie)
            .form(&[("csrf", csrf.as_str()), ("kind", "password"), ("secret", CUSTOMER_PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(verify.status(), StatusCode::OK);
        let calls = http
            .get(s.url(&format!("/console/interactions/{interaction}/calls?purpose=service_and_support")))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(leaked(&calls), Some(CALLED_NUMBER), "{} the allowed read shows the calls", s.backend);
        let end = http
            .post(s.url(&format!("/console/interactions/{interaction}/end")))
            .header("cookie", &cookie)
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(end.status(), StatusCode::SEE_OTHER);
        walk("interaction ended", Some(cookie.clone())).await;
    }
}

#[tokio::test]
async fn a_post_without_its_csrf_token_is_refused_and_does_nothing() {
    for s in common::servers().await {
        console_staff(&s, "eve.floor", Role::Csr, Some(30)).await;
        let account = account_with_cpni(&s, "ACC-8002", "+18015558002").await;
        let (cookie, csrf) = sign_in(&s, "eve.floor", STAFF_PASSWORD).await;
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let path = format!("/console/accounts/{account}/interactions");
        for token in [None, Some("0".repeat(64))] {
            let mut form = vec![("channel", "phone".to_owned())];
            if let Some(t) = token {
                form.push(("csrf", t));
            }
            let r = http.post(s.url(&path)).header("cookie", &cookie).form(&form).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{}", s.backend);
        }
        // The right token in the htmx header is accepted.
        let r = http
            .post(s.url(&path))
            .header("cookie", &cookie)
            .header("x-csrf-token", &csrf)
            .form(&[("channel", "phone")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", s.backend);
        // Pages carry the console's strict CSP and no-store.
        let home = http.get(s.url("/console")).header("cookie", &cookie).send().await.unwrap();
        let csp = home.headers()["content-security-policy"].to_str().unwrap().to_owned();
        assert!(csp.contains("style-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(home.headers()["cache-control"], "no-store");
    }
}

#[tokio::test]
async fn the_auditor_exports_the_search_as_csv_and_the_role_table_holds_on_every_screen() {
    for s in common::servers().await {
        console_staff(&s, "amy.auditor", Role::Auditor, Some(30)).await;
        console_staff(&s, "fay.floor", Role::Csr, Some(30)).await;
        let (auditor, auditor_csrf) = sign_in(&s, "amy.auditor", STAFF_PASSWORD).await;
        let http = reqwest::Client::new();
        let r =
            http.get(s.url("/console/audit/export?decision=allow")).header("cookie", &auditor).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{}", s.backend);
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        let csv = r.text().await.unwrap();
        assert!(csv.starts_with("seq,at,principal_kind"), "{csv}");
        assert!(csv.contains("console.sign_in"), "the auditor's own sign-in is in the log: {csv}");
        // The chain itself, sealed: its last line is the signed statement.
        let r = http.get(s.url("/console/audit/sealed-export")).header("cookie", &auditor).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{}", s.backend);
        assert_eq!(r.headers()["content-type"], "application/jsonl");
        let file = r.text().await.unwrap();
        let last = file.lines().last().unwrap_or_default();
        assert!(last.contains("\"type\":\"statement\""), "{} {last}", s.backend);
        let (csr, _) = sign_in(&s, "fay.floor", STAFF_PASSWORD).await;
        let r = http.get(s.url("/console/audit/export")).header("cookie", &csr).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{}", s.backend);
        // The API's role table: an auditor authenticates no caller, a CSR reviews no campaign.
        let account = account_with_cpni(&s, "ACC-8003", "+18015558003").await;
        let r = http
            .post(s.url(&format!("/console/accounts/{account}/interactions")))
            .header("cookie", &auditor)
            .form(&[("csrf", auditor_csrf.as_str()), ("channel", "phone")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{}", s.backend);
        assert!(r.text().await.unwrap().contains("authenticating customers needs one of the roles"));
        let before = s.store.audit_head().await.unwrap().map_or(0, |h| h.seq);
        let r = http.get(s.url("/console/campaigns")).header("cookie", &csr).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{}", s.backend);
        // Each refusal is in the chain, like the API's: who, which screen, deny.
        let query = AuditQuery { after_seq: Some(before), limit: 10, ..AuditQuery::default() };
        let new = s.store.search_audit(&query).await.unwrap().entries;
        assert_eq!(new.len(), 1, "{}: {new:?}", s.backend);
        assert_eq!(new[0].record.action, cpniguard_server::auth::refusals::REFUSED_ACTION);
        assert_eq!(new[0].record.decision, cpniguard_core::audit::Decision::Deny);
        assert!(new[0].record.record_refs.contains(&"route:GET /console/campaigns".to_owned()), "{new:?}");
    }
}

#[tokio::test]
async fn the_privacy_office_reads_clocks_and_the_chain_and_downloads_the_certification() {
    let config = || {
        let mut c = cpniguard_server::Config::default();
        c.certification.officer_name = "Pat Officer".to_owned();
        c.certification.officer_title = "Chief Privacy Officer".to_owned();
        c
    };
    for s in common::servers_with(config).await {
        console_staff(&s, "ola.privacy", Role::PrivacyOfficer, Some(30)).await;
        let (cookie, csrf) = sign_in(&s, "ola.privacy", STAFF_PASSWORD).await;
        let http = reqwest::Client::new();
        // The chain verified from the screen: the result shown, and recorded.
        let verified = http
            .post(s.url("/console/privacy/verify-chain"))
            .header("cookie", &cookie)
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(verified.status(), StatusCode::OK, "{}", s.backend);
        let verified = verified.text().await.unwrap();
        assert!(verified.contains("The audit chain verifies"), "{} {verified}", s.backend);
        let last = s.store.audit_head().await.unwrap().unwrap().seq;
        assert!(verified.contains(&format!("(entry {last})")), "the last verification is shown: {verified}");
        let page = http.get(s.url("/console/privacy")).header("cookie", &cookie).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK, "{}", s.backend);
        let page = page.text().await.unwrap();
        for heading in [
            "Breach clocks",
            "Open complaints",
            "Audit chain",
            "Last signed checkpoint",
            "Last verification: <strong>verified",
            "Certification for",
        ] {
            assert!(page.contains(heading), "{} {heading}", s.backend);
        }
        let year = chrono::Utc::now().date_naive().format("%Y").to_string().parse::<i32>().unwrap() - 1;
        let pdf = http
            .get(s.url(&format!("/console/certification/{year}?format=pdf")))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(pdf.status(), StatusCode::OK, "{}", s.backend);
        assert_eq!(pdf.headers()["content-type"], "application/pdf");
        assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF"));
    }
}

#[tokio::test]
async fn a_csr_changes_the_email_and_sends_a_reset_with_the_apis_notices() {
    use cpniguard_core::notice::Destination;
    use cpniguard_store::NoticeQuery;
    for s in common::servers().await {
        console_staff(&s, "gus.floor", Role::Csr, Some(30)).await;
        let account = account_with_cpni(&s, "ACC-8004", "+18015558004").await;
        let (cookie, csrf) = sign_in(&s, "gus.floor", STAFF_PASSWORD).await;
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let interaction = open_phone_interaction(&s, &cookie, &csrf, &account.to_string()).await;
        let post = |path: &str, form: Vec<(&str, &str)>| {
            let mut form = form;
            form.push(("csrf", csrf.as_str()));
            http.post(s.url(&format!("/console/interactions/{interaction}/{path}")))
                .header("cookie", &cookie)
                .form(&form)
                .send()
        };
        // Before any authentication, the call detail can go to the address of record.
        let r = post("deliver", vec![("via", "email")]).await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{}", s.backend);
        let body = r.text().await.unwrap();
        assert!(body.contains("on its way to the email address of record") && leaked(&body).is_none(), "{body}");
        // A reset code goes to the email of record, whoever asks.
        let r = post("password-reset", vec![]).await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{}", s.backend);
        let notices = s
            .store
            .list_notices(&NoticeQuery { account: Some(account), limit: 100, ..Default::default() })
            .await
            .unwrap();
        let reset = notices.notices.iter().find(|n| n.kind.as_str() == "recovery_code").expect("a reset code notice");
        assert!(notices.notices.iter().any(|n| n.kind.as_str() == "document_delivery"), "{}", s.backend);
        assert!(
            matches!(&reset.destination, Destination::Email { address } if address.as_str() == "acc-8004@example.com")
        );
        // Not authenticated yet: no change.
        let r = post("contact", vec![("email", "new@example.com")]).await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{}", s.backend);
        let r = post("verify", vec![("kind", "password"), ("secret", CUSTOMER_PASSWORD)]).await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let r = post("contact", vec![("email", "new@example.com")]).await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{}", s.backend);
        assert!(r.text().await.unwrap().contains("notice(s) of the change were sent"));
        let notices = s
            .store
            .list_notices(&NoticeQuery { account: Some(account), limit: 100, ..Default::default() })
            .await
            .unwrap();
        let changed: Vec<_> = notices.notices.iter().filter(|n| n.kind.as_str() == "email_address_changed").collect();
        assert!(!changed.is_empty(), "{} a change notice", s.backend);
        for n in &changed {
            if let Destination::Email { address } = &n.destination {
                assert_eq!(address.as_str(), "acc-8004@example.com", "to the address of record before the change");
            }
        }
        // The new address is not of record for 30 days, and the old one is gone: no reset can be sent.
        let r = post("password-reset", vec![]).await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{}", s.backend);
        assert!(r.text().await.unwrap().contains("no email address of record"));
    }
}
