//! Policy decisions per second, in process, over a representative mix of requests
//! (support reads on each channel, refusals, billing, marketing, PIC-freeze, directory).
//!
//! Run: `cargo bench -p cpniguard-policy --bench decide` (optionally `-- SECONDS`).

use cpniguard_core::staff::Role;
use cpniguard_policy::{AccountFacts, Action, Channel, ConsentSummary, Engine, Evidence, Principal, Purpose, Request};
use std::hint::black_box;
use std::time::{Duration, Instant};

fn mix() -> Vec<Request> {
    let csr = Principal::staff("csr-1", &[Role::Csr], true);
    let acct = AccountFacts::residential("acct-1");
    let password = Evidence { password_verified: true, ..Evidence::default() };
    let pin = Evidence { pin_verified: true, ..Evidence::default() };
    let support = |action, channel, evidence| {
        Request::new(csr.clone(), action, acct.clone(), Purpose::ServiceAndSupport)
            .with_channel(channel)
            .with_evidence(evidence)
    };
    let optout = AccountFacts {
        consent: ConsentSummary { carrier_marketing_usable: true, ..ConsentSummary::default() },
        ..acct.clone()
    };
    vec![
        support(Action::ReadCallDetail, Channel::Phone, password),
        support(Action::ReadCallDetail, Channel::Phone, pin),
        support(Action::ReadServices, Channel::Phone, pin),
        support(Action::ReadInvoices, Channel::Online, password),
        support(Action::ReadServices, Channel::InStore, Evidence::default()),
        support(Action::DeliverToAddressOfRecord, Channel::Chat, Evidence::default()),
        Request::new(Principal::job("job-1", "billing"), Action::ReadCallDetail, acct.clone(), Purpose::Billing),
        Request::new(
            Principal::staff("mkt-1", &[Role::Marketing], true),
            Action::UseForMarketing,
            optout,
            Purpose::MarketingWithApproval,
        )
        .with_campaign("spring", true),
        Request::new(
            Principal::carrier("carrier-1"),
            Action::AnswerPicFreezeInquiry,
            acct.clone(),
            Purpose::PicFreezeInquiry,
        ),
        Request::new(
            Principal::job("job-2", "directory_export"),
            Action::ExportDirectoryListing,
            acct,
            Purpose::DirectoryListing,
        ),
    ]
}

fn main() {
    let seconds: f64 = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(3.0);
    let engine = Engine::with_defaults().expect("the default set validates");
    let requests = mix();
    let allowed = requests.iter().filter(|r| engine.decide(r).allowed).count();
    // Warm up, then measure for the given time.
    for r in requests.iter().cycle().take(10_000) {
        black_box(engine.decide(black_box(r)));
    }
    let budget = Duration::from_secs_f64(seconds);
    let start = Instant::now();
    let mut n: u64 = 0;
    while start.elapsed() < budget {
        for r in &requests {
            black_box(engine.decide(black_box(r)));
        }
        n += requests.len() as u64;
    }
    let elapsed = start.elapsed().as_secs_f64();
    println!(
        "policy decisions (in-process, 1 thread, {} requests in the mix, {allowed} allowed): {n} in {elapsed:.2} s = {:.0} decisions/s, {:.2} µs/decision",
        requests.len(),
        n as f64 / elapsed,
        elapsed * 1e6 / n as f64
    );
    println!("policy set {}", engine.policy_set_hash());
}
