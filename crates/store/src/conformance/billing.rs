use super::fixtures::{create, date, invoice, service};
use crate::{StoreError, StoreWithRecords};
use cpniguard_core::cpni::Service;
use cpniguard_core::ids::{AccountId, InvoiceId};
use cpniguard_core::money::Cents;
use serde_json::json;

/// Services come back as added, configuration JSON included, in `(since, id)` order;
/// an invalid service, a duplicate id or an unknown account is refused.
pub async fn services_round_trip(store: &dyn StoreWithRecords) {
    let account = create(store, "ACC-7001", "Service Holder", &["+18015557001"]).await.id;
    let other = create(store, "ACC-7002", "No Services", &["+18015557002"]).await.id;

    let mut line = service(account, "voip_line", "2024-03-01");
    line.configuration = json!({
        "codec": "G.711µ",
        "features": ["voicemail", "call_forwarding"],
        "channels": 2,
        "e911": {"validated": true, "address_id": null},
        "gain_db": -3.5,
    });
    let mut trunk = service(account, "sip_trunk", "2023-01-01");
    trunk.service_number = None;
    trunk.quantity = 23;
    trunk.until = Some(date("2025-12-31"));
    trunk.configuration = json!([{"did": "+18015557099"}, "quoted \"text\" \\ and\nnewline"]);
    let later_same_day = service(account, "toll_free", "2024-03-01");

    for s in [&line, &trunk, &later_same_day] {
        store.add_service(s).await.unwrap();
    }
    assert_eq!(store.list_services(account).await.unwrap(), vec![trunk.clone(), line.clone(), later_same_day]);
    assert!(store.list_services(other).await.unwrap().is_empty());

    let refused = store.add_service(&Service { quantity: 0, ..service(account, "voip_line", "2024-01-01") }).await;
    assert!(matches!(refused, Err(StoreError::Invalid(_))), "{refused:?}");
    let refused = store.add_service(&Service { rate_plan: "Other".to_owned(), ..line.clone() }).await;
    assert!(matches!(refused, Err(StoreError::Conflict("service"))), "{refused:?}");
    let refused = store.add_service(&service(AccountId::new(), "voip_line", "2024-01-01")).await;
    assert!(matches!(refused, Err(StoreError::NotFound("account"))), "{refused:?}");
    assert_eq!(store.counts().await.unwrap().services, 3);
}

/// Invoices come back newest period first with their lines in order; one is found
/// by account and id only; a batch with an invoice that does not add up, or a
/// duplicate id, is refused as a whole.
pub async fn invoices_with_lines(store: &dyn StoreWithRecords) {
    let account = create(store, "ACC-8001", "Invoice Holder", &["+18015558001"]).await.id;
    let other = create(store, "ACC-8002", "Other Holder", &["+18015558002"]).await.id;

    let jan = invoice(account, "2025-01-01", &[4_500, 1_234, 612]);
    let feb = invoice(account, "2025-02-01", &[4_500, -1_000]);
    let mar = invoice(account, "2025-03-01", &[]);
    let others = invoice(other, "2025-01-01", &[999]);
    store.insert_invoices(&[jan.clone(), feb.clone(), others.clone()]).await.unwrap();
    store.insert_invoices(std::slice::from_ref(&mar)).await.unwrap();
    assert_eq!(feb.total, Cents(3_500));

    assert_eq!(store.list_invoices(account).await.unwrap(), vec![mar.clone(), feb.clone(), jan.clone()]);
    assert_eq!(store.list_invoices(other).await.unwrap(), vec![others.clone()]);
    assert_eq!(store.get_invoice(account, feb.id).await.unwrap().as_ref(), Some(&feb));
    assert_eq!(store.get_invoice(account, mar.id).await.unwrap().as_ref(), Some(&mar));
    assert_eq!(store.get_invoice(other, feb.id).await.unwrap(), None);
    assert_eq!(store.get_invoice(account, InvoiceId::new()).await.unwrap(), None);

    let apr = invoice(account, "2025-04-01", &[4_500]);
    let mut wrong_total = invoice(account, "2025-05-01", &[4_500, 100]);
    wrong_total.total = Cents(4_500);
    let refused = store.insert_invoices(&[apr.clone(), wrong_total]).await;
    assert!(matches!(refused, Err(StoreError::Invalid(_))), "{refused:?}");

    let duplicate = invoice(account, "2025-06-01", &[10]);
    let refused = store.insert_invoices(&[apr.clone(), duplicate, jan.clone()]).await;
    assert!(matches!(refused, Err(StoreError::Conflict("invoice"))), "{refused:?}");

    let refused = store.insert_invoices(&[invoice(AccountId::new(), "2025-01-01", &[1])]).await;
    assert!(matches!(refused, Err(StoreError::NotFound("account"))), "{refused:?}");

    assert_eq!(store.get_invoice(account, apr.id).await.unwrap(), None);
    assert_eq!(store.list_invoices(account).await.unwrap(), vec![mar, feb, jan]);
    assert_eq!(store.counts().await.unwrap().invoices, 4);
}
