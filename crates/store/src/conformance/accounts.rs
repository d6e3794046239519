use super::fixtures::{DAY, at, create, email, new_account, number, phone, postal, service};
use crate::{AccountLoad, AccountQuery, Store, StoreError, StoreWithRecords};
use chrono::Duration;
use cpniguard_core::account::{
    AccountKind, AccountStatus, BusinessExemption, DirectoryListing, Language, PicFreeze, TimeZoneName,
};
use cpniguard_core::contact::ContactValue;
use cpniguard_core::ids::AccountId;

/// An account reads back as created, by id and by number, with its contact points
/// in the stable order (postal, email, telephone numbers by association then
/// value), and its times truncated to the microsecond.
pub async fn accounts_create_and_read(store: &dyn Store) {
    let now = at(0) + Duration::nanoseconds(123_456_789);
    let stored_now = at(0) + Duration::microseconds(123_456);
    let mut new = new_account("acc-1001", "María López", &["+1 801 555 0101", "+1 801 555 0100"]);
    new.email = Some(email("maria@example.com"));
    new.profile.kind = AccountKind::Business;
    new.profile.language = Language::Es;
    new.profile.pic_freeze = PicFreeze { local: true, intralata: false, interlata: true };
    new.profile.directory_listing = DirectoryListing::NonPublished;
    new.profile.business_exemption = Some(BusinessExemption { contract_reference: "MSA-2024-17".to_owned() });
    let id = AccountId::new();

    let created = store.create_account(id, &new, now).await.unwrap();
    assert_eq!(created.id, id);
    assert_eq!(created.profile, new.profile);
    assert_eq!(created.profile.account_number.as_str(), "ACC-1001");
    assert_eq!((created.created_at, created.updated_at), (stored_now, stored_now));
    let values: Vec<ContactValue> = created.contact_points.iter().map(|c| c.value.clone()).collect();
    assert_eq!(
        values,
        vec![
            ContactValue::Postal(postal("100 Main St")),
            ContactValue::Email(email("maria@example.com")),
            ContactValue::Phone(phone("+18015550100")),
            ContactValue::Phone(phone("+18015550101")),
        ]
    );
    assert!(created.contact_points.iter().all(|c| c.associated_at == stored_now && c.dissociated_at.is_none()));

    assert_eq!(store.get_account(id).await.unwrap().as_ref(), Some(&created));
    assert_eq!(store.get_account_by_number(&number("ACC-1001")).await.unwrap().as_ref(), Some(&created));
    assert_eq!(store.get_account(AccountId::new()).await.unwrap(), None);
    assert_eq!(store.get_account_by_number(&number("ACC-9999")).await.unwrap(), None);
}

/// An invalid account or a taken account number is refused, and nothing of the
/// refused account is written.
pub async fn accounts_refuse_invalid_and_duplicate(store: &dyn Store) {
    let mut no_phone = new_account("ACC-1101", "No Phone", &[]);
    no_phone.telephone_numbers.clear();
    let refused = store.create_account(AccountId::new(), &no_phone, at(0)).await;
    assert!(matches!(refused, Err(StoreError::Invalid(_))), "{refused:?}");

    let mut blank_name = new_account("ACC-1102", " ", &["+18015550110"]);
    blank_name.profile.name = "   ".to_owned();
    let refused = store.create_account(AccountId::new(), &blank_name, at(0)).await;
    assert!(matches!(refused, Err(StoreError::Invalid(_))), "{refused:?}");

    create(store, "ACC-1100", "First Holder", &["+18015550111"]).await;
    let same_number = new_account("acc-1100", "Second Holder", &["+18015550112"]);
    let refused = store.create_account(AccountId::new(), &same_number, at(10)).await;
    assert!(matches!(refused, Err(StoreError::Conflict("account number"))), "{refused:?}");

    assert_eq!(store.counts().await.unwrap().accounts, 1);
    let by_phone = AccountQuery { telephone_number: Some(phone("+18015550112")), limit: 10, ..Default::default() };
    assert!(store.search_accounts(&by_phone).await.unwrap().accounts.is_empty());
    let first = store.get_account_by_number(&number("ACC-1100")).await.unwrap().unwrap();
    assert_eq!(first.profile.name, "First Holder");
}

/// A profile update replaces every profile attribute (the number too), keeps the
/// contact points and creation time, and is refused for a missing account, a taken
/// number or an invalid profile without changing anything.
pub async fn accounts_update_profile(store: &dyn Store) {
    let a = create(store, "ACC-2001", "María López", &["+18015550201"]).await;
    let b = create(store, "ACC-2002", "Other Holder", &["+18015550202"]).await;

    let mut profile = a.profile.clone();
    profile.account_number = number("acc-2001-b");
    profile.name = "María López de Soto".to_owned();
    profile.language = Language::Es;
    profile.time_zone = TimeZoneName::parse("America/New_York").unwrap();
    profile.status = AccountStatus::Suspended;
    profile.pic_freeze = PicFreeze { local: false, intralata: true, interlata: true };
    profile.directory_listing = DirectoryListing::Unlisted;

    let updated = store.update_profile(a.id, &profile, at(60)).await.unwrap();
    assert_eq!(updated.profile, profile);
    assert_eq!((updated.created_at, updated.updated_at), (at(0), at(60)));
    assert_eq!(updated.contact_points, a.contact_points);
    assert_eq!(store.get_account(a.id).await.unwrap().as_ref(), Some(&updated));
    assert_eq!(store.get_account_by_number(&number("ACC-2001")).await.unwrap(), None);
    assert_eq!(store.get_account_by_number(&number("ACC-2001-B")).await.unwrap().map(|x| x.id), Some(a.id));

    let mut taken = profile.clone();
    taken.account_number = b.profile.account_number.clone();
    let refused = store.update_profile(a.id, &taken, at(120)).await;
    assert!(matches!(refused, Err(StoreError::Conflict("account number"))), "{refused:?}");

    let missing = store.update_profile(AccountId::new(), &profile, at(120)).await;
    assert!(matches!(missing, Err(StoreError::NotFound("account"))), "{missing:?}");

    let mut exempt_residential = profile.clone();
    exempt_residential.business_exemption = Some(BusinessExemption { contract_reference: "X-1".to_owned() });
    let refused = store.update_profile(a.id, &exempt_residential, at(120)).await;
    assert!(matches!(refused, Err(StoreError::Invalid(_))), "{refused:?}");

    assert_eq!(store.get_account(a.id).await.unwrap().as_ref(), Some(&updated));
    assert_eq!(store.get_account(b.id).await.unwrap().as_ref(), Some(&b));
}

/// A bulk load opens each account as `create_account` would at its opening time,
/// with its services; the bulk read returns the existing ones among the ids asked
/// for, by id, across pages. A batch with an invalid account or a taken number is
/// refused whole.
pub async fn accounts_bulk_load_and_read(store: &dyn StoreWithRecords) {
    let loads: Vec<AccountLoad> = (0..1_200)
        .map(|i| {
            let id = AccountId::new();
            let mut new = new_account(&format!("BLK-{i:05}"), &format!("Bulk Customer {i}"), &["+18015558000"]);
            new.email = (i % 3 != 0).then(|| email(&format!("bulk{i}@example.com")));
            let services = if i % 100 == 0 { vec![service(id, "voip_line", "2024-01-01")] } else { vec![] };
            AccountLoad { id, new, opened_at: at(i64::from(i)), services, contact_since: Vec::new() }
        })
        .collect();
    store.load_accounts(&loads).await.unwrap();
    assert_eq!(store.counts().await.unwrap().accounts, 1_200);

    let one = &loads[7];
    let reference_account = new_account("BLK-X", "Reference", &["+18015558000"]);
    let reference = store.create_account(AccountId::new(), &reference_account, one.opened_at).await.unwrap();
    let loaded = store.get_account(one.id).await.unwrap().unwrap();
    assert_eq!(loaded.profile, one.new.profile);
    assert_eq!((loaded.created_at, loaded.updated_at), (reference.created_at, reference.updated_at));
    let values: Vec<ContactValue> = loaded.contact_points.iter().map(|c| c.value.clone()).collect();
    assert_eq!(values, one.new.initial_contact_points());
    assert!(loaded.contact_points.iter().all(|c| c.associated_at == reference.created_at));
    assert_eq!(store.list_services(loads[100].id).await.unwrap(), loads[100].services);

    let mut asked: Vec<AccountId> = loads.iter().map(|a| a.id).collect();
    asked.push(AccountId::new());
    asked.reverse();
    let read = store.get_accounts(&asked).await.unwrap();
    assert_eq!(read.len(), 1_200, "every existing account, none for the unknown id");
    assert!(read.windows(2).all(|w| w[0].id < w[1].id), "by id");
    let seven = read.iter().find(|a| a.id == one.id).unwrap();
    assert_eq!(seven, &loaded);
    assert!(store.get_accounts(&[]).await.unwrap().is_empty());

    let taken = AccountLoad {
        id: AccountId::new(),
        new: new_account("BLK-00001", "Taken", &["+18015558001"]),
        ..loads[1].clone()
    };
    let fresh = AccountLoad {
        id: AccountId::new(),
        new: new_account("BLK-NEW", "Fresh", &["+18015558002"]),
        ..loads[2].clone()
    };
    let refused = store.load_accounts(&[fresh.clone(), taken]).await;
    assert!(matches!(refused, Err(StoreError::Conflict("account number"))), "{refused:?}");
    let mut invalid = fresh.clone();
    invalid.new.telephone_numbers.clear();
    let refused = store.load_accounts(&[fresh.clone(), invalid]).await;
    assert!(matches!(refused, Err(StoreError::Invalid(_))), "{refused:?}");
    assert_eq!(store.get_account(fresh.id).await.unwrap(), None, "nothing of a refused batch is written");
    assert_eq!(store.counts().await.unwrap().accounts, 1_201);

    // A billing sync's association dates are kept; the other points open with the account.
    let mut dated = fresh.clone();
    let postal_point = ContactValue::Postal(dated.new.postal_address.clone());
    dated.contact_since = vec![(postal_point.clone(), at(-400 * DAY))];
    store.load_accounts(std::slice::from_ref(&dated)).await.unwrap();
    let history = store.contact_history(dated.id).await.unwrap();
    assert_eq!(history.iter().find(|p| p.value == postal_point).unwrap().associated_at, at(-400 * DAY));
    assert!(history.iter().filter(|p| p.value != postal_point).all(|p| p.associated_at == dated.opened_at));
}
