//! The reads that return CPNI: an account's services, call detail and invoices. They
//! are not part of [`Store`](crate::Store) on purpose. The server hands an object with
//! these methods to its disclosure gate alone, and the gate lends it out only through
//! a permit bound to the account, the action and the period it decided on; code that
//! holds the ordinary `Arc<dyn Store>` cannot read CPNI at all. Campaign audiences,
//! which are CPNI-derived, have their own trait beside the campaigns
//! ([`AudienceRecords`](crate::campaigns::AudienceRecords)).

use crate::call_import::QuarantineRecords;
use crate::campaigns::AudienceRecords;
use crate::{CallPage, CallQuery, Store, StoreResult};
use async_trait::async_trait;
use cpniguard_core::cpni::{Invoice, Service};
use cpniguard_core::ids::{AccountId, InvoiceId};

#[async_trait]
pub trait CpniRecords: Send + Sync {
    /// The account's services, oldest first.
    async fn list_services(&self, account: AccountId) -> StoreResult<Vec<Service>>;

    /// Calls of one account that started within `query.range`, oldest first.
    async fn list_calls(&self, query: &CallQuery) -> StoreResult<CallPage>;

    /// Invoices of one account, newest period first.
    async fn list_invoices(&self, account: AccountId) -> StoreResult<Vec<Invoice>>;

    /// One invoice of the account; `None` when the account has no such invoice.
    async fn get_invoice(&self, account: AccountId, id: InvoiceId) -> StoreResult<Option<Invoice>>;
}

/// A backend with everything: the ordinary store and the CPNI reads. [`open`](crate::open)
/// returns one; whoever opens the store decides who gets the CPNI half (in the server,
/// only the gate). `Arc<dyn StoreWithRecords>` coerces to `Arc<dyn Store>`.
pub trait StoreWithRecords: Store + CpniRecords + AudienceRecords + QuarantineRecords {}

impl<T: Store + CpniRecords + AudienceRecords + QuarantineRecords + ?Sized> StoreWithRecords for T {}
