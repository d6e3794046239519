use super::fixtures::{at, create, number, phone};
use crate::{AccountQuery, MAX_PAGE, Store};
use cpniguard_core::account::AccountNumber;
use cpniguard_core::contact::ContactChange;

/// The account numbers a query finds, page by page with `limit`, following
/// `next_after` to the end.
async fn numbers_paged(store: &dyn Store, query: AccountQuery) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut query = query;
    loop {
        let page = store.search_accounts(&query).await.unwrap();
        pages.push(page.accounts.iter().map(|a| a.profile.account_number.to_string()).collect());
        match page.next_after {
            Some(after) => query.after = Some(after),
            None => return pages,
        }
    }
}

/// The account numbers of one page.
async fn numbers(store: &dyn Store, query: AccountQuery) -> Vec<String> {
    let page = store.search_accounts(&query).await.unwrap();
    page.accounts.iter().map(|a| a.profile.account_number.to_string()).collect()
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// A number prefix finds accounts in number order, upper-casing the prefix and
/// taking LIKE wildcards literally; pages continue exclusively after `next_after`,
/// which is set only when more follow; the page size is clamped to 1..=MAX_PAGE.
pub async fn search_by_number_prefix(store: &dyn Store) {
    for n in (1..=12).rev() {
        create(store, &format!("ACC-1{n:03}"), "Prefix Holder", &[&format!("+1801555{:04}", 1000 + n)]).await;
    }
    for n in 1..=3 {
        create(store, &format!("ACC-2{n:03}"), "Other Prefix", &[&format!("+1801555{:04}", 2000 + n)]).await;
    }
    create(store, "BIZ-0001", "Business", &["+18015553001"]).await;

    let by_prefix = |prefix: &str, limit| AccountQuery {
        account_number_prefix: Some(prefix.to_owned()),
        limit,
        ..Default::default()
    };
    let acc1 = |ns: &[u32]| ns.iter().map(|n| format!("ACC-1{n:03}")).collect::<Vec<_>>();
    assert_eq!(
        numbers_paged(store, by_prefix("acc-1", 5)).await,
        vec![acc1(&[1, 2, 3, 4, 5]), acc1(&[6, 7, 8, 9, 10]), acc1(&[11, 12])]
    );
    // A page that is exactly full has no continuation when nothing follows.
    let page = store.search_accounts(&by_prefix("ACC-2", 3)).await.unwrap();
    assert_eq!(page.accounts.len(), 3);
    assert_eq!(page.next_after, None);
    let page = store.search_accounts(&by_prefix("ACC-2", 2)).await.unwrap();
    assert_eq!(page.next_after, Some(number("ACC-2002")));

    assert!(numbers(store, by_prefix("ACC_", 100)).await.is_empty());
    assert!(numbers(store, by_prefix("%", 100)).await.is_empty());
    assert_eq!(numbers(store, by_prefix("biz", 100)).await, strings(&["BIZ-0001"]));

    // Limits are clamped: 0 gives one account, a huge limit everything up to MAX_PAGE.
    let one = store.search_accounts(&AccountQuery { limit: 0, ..Default::default() }).await.unwrap();
    assert_eq!(one.accounts.len(), 1);
    assert_eq!(one.next_after, Some(number("ACC-1001")));
    let all = store.search_accounts(&AccountQuery { limit: u32::MAX, ..Default::default() }).await.unwrap();
    assert_eq!(all.accounts.len(), 16);
    assert!(all.accounts.len() <= MAX_PAGE as usize);
    assert_eq!(all.next_after, None);

    // Results carry the accounts as `get_account` returns them.
    for account in &all.accounts {
        assert_eq!(store.get_account(account.id).await.unwrap().as_ref(), Some(account));
    }
}

/// A telephone number finds the accounts that have it now (a number may be shared),
/// not those that had it once.
pub async fn search_by_telephone_number(store: &dyn Store) {
    let shared = "+18015554001";
    let a = create(store, "ACC-4001", "Has Shared", &[shared, "+18015554002"]).await;
    create(store, "ACC-4002", "Has Other", &["+18015554003"]).await;
    create(store, "ACC-4003", "Also Shared", &[shared]).await;

    let by_phone = |p: &str| AccountQuery { telephone_number: Some(phone(p)), limit: 10, ..Default::default() };
    assert_eq!(numbers(store, by_phone(shared)).await, strings(&["ACC-4001", "ACC-4003"]));
    assert_eq!(numbers(store, by_phone("+18015554003")).await, strings(&["ACC-4002"]));
    assert!(numbers(store, by_phone("+18015554999")).await.is_empty());

    let give_up = ContactChange { remove_telephone_numbers: vec![phone(shared)], ..Default::default() };
    store.change_contact_points(a.id, &give_up, at(60), &crate::no_effects).await.unwrap();
    assert_eq!(numbers(store, by_phone(shared)).await, strings(&["ACC-4003"]));
    assert_eq!(numbers(store, by_phone("+18015554002")).await, strings(&["ACC-4001"]));

    let both = AccountQuery {
        telephone_number: Some(phone(shared)),
        account_number_prefix: Some("ACC-4001".to_owned()),
        limit: 10,
        ..Default::default()
    };
    assert!(numbers(store, both).await.is_empty());
}

/// A name fragment matches anywhere in the name ignoring case, accented capitals
/// included, and takes `%`, `_` and `\` literally.
pub async fn search_by_name(store: &dyn Store) {
    let names = [
        ("ACC-6001", "José Núñez"),
        ("ACC-6002", "MARÍA JOSÉ GARCÍA"),
        ("ACC-6003", "100% Fiber LLC"),
        ("ACC-6004", "1000 Fiber Co"),
        ("ACC-6005", "Under_score Ltd"),
        ("ACC-6006", "UnderXscore Ltd"),
        ("ACC-6007", "Back\\slash Inc"),
        ("ACC-6008", "Jose Plain"),
    ];
    for (i, (account_number, name)) in names.iter().enumerate() {
        create(store, account_number, name, &[&format!("+1801555{:04}", 6001 + i)]).await;
    }
    let by_name =
        |fragment: &str| AccountQuery { name_contains: Some(fragment.to_owned()), limit: 100, ..Default::default() };

    assert_eq!(numbers(store, by_name("josé")).await, strings(&["ACC-6001", "ACC-6002"]));
    assert_eq!(numbers(store, by_name("JOSÉ")).await, strings(&["ACC-6001", "ACC-6002"]));
    assert_eq!(numbers(store, by_name("ÑÚ")).await, Vec::<String>::new());
    assert_eq!(numbers(store, by_name("NÚÑ")).await, strings(&["ACC-6001"]));
    assert_eq!(numbers(store, by_name("jose")).await, strings(&["ACC-6008"]));
    assert_eq!(numbers(store, by_name("100%")).await, strings(&["ACC-6003"]));
    assert_eq!(numbers(store, by_name("%")).await, strings(&["ACC-6003"]));
    assert_eq!(numbers(store, by_name("r_s")).await, strings(&["ACC-6005"]));
    assert_eq!(numbers(store, by_name("k\\s")).await, strings(&["ACC-6007"]));
    assert_eq!(numbers(store, by_name("")).await.len(), names.len());

    let fiber = AccountQuery { name_contains: Some("FIBER".to_owned()), limit: 1, ..Default::default() };
    assert_eq!(numbers_paged(store, fiber).await, vec![strings(&["ACC-6003"]), strings(&["ACC-6004"])]);

    let combined = AccountQuery {
        name_contains: Some("fiber".to_owned()),
        account_number_prefix: Some("acc-6004".to_owned()),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(numbers(store, combined).await, strings(&["ACC-6004"]));
    let after = AccountQuery { after: Some(AccountNumber::parse("ACC-6006").unwrap()), ..by_name("") };
    assert_eq!(numbers(store, after).await, strings(&["ACC-6007", "ACC-6008"]));
}
