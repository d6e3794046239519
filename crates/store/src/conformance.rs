//! The behaviour every [`Store`](crate::Store) backend must have (feature `testing`).
//! One async function per behaviour, each taking a fresh, migrated store and
//! panicking on a difference. [`conformance_suite!`](crate::conformance_suite) turns
//! the whole list into `#[tokio::test]`s for one backend.

mod accounts;
mod audit;
mod auth;
mod auth_limits;
mod billing;
mod breach;
mod call_import;
mod calls;
mod campaigns;
mod complaints;
mod consent;
mod consent_bulk;
mod contacts;
mod disclosure_facts;
mod fixtures;
mod notices;
mod publication;
mod retention;
mod search;
mod special_purposes;
mod staff;
mod training;

pub use accounts::{
    accounts_bulk_load_and_read, accounts_create_and_read, accounts_refuse_invalid_and_duplicate,
    accounts_update_profile,
};
pub use audit::{
    audit_appends_form_a_verifiable_chain, audit_checkpoints_and_retention, audit_concurrent_appends_keep_one_chain,
    audit_record, audit_sealed_insert_continues_the_head_only, audit_search_filters_and_pages, audit_test_key,
};
pub use auth::{
    auth_credentials_set_with_their_notice, auth_interactions_and_evidence, auth_lockout_counts_and_clears,
    auth_pretexting_signals, auth_recovery_tokens_sessions_and_email_lookup,
};
pub use auth_limits::{
    auth_limits_attested_changes_and_staff_signals, auth_limits_concurrent_failures_all_count,
    auth_limits_exemption_grants_recorded, auth_limits_lock_lifts_recorded,
    auth_limits_source_counters_block_and_expire,
};
pub use billing::{invoices_with_lines, services_round_trip};
pub use breach::{
    breach_account_refs_resolved_by_number_or_id, breach_affected_accounts_listed_and_counted,
    breach_incidents_versioned_with_their_log, breach_notices_linked_and_retention_enforced,
    breach_record_kept_as_notified_and_held,
};
pub use call_import::{
    call_import_batch_is_all_or_nothing, call_import_batches_calls_and_quarantine, call_import_finds_number_holders,
};
pub use calls::{
    calls_bulk_insert_counts_duplicates, calls_range_queries_and_paging, calls_refuse_invalid_records,
    calls_row_by_row_baseline,
};
pub use campaigns::*;
pub use complaints::{
    complaints_broker_actions_linked_and_listed_by_day, complaints_privacy_mail_quarantine_review,
    complaints_recorded_once_advanced_and_listed,
};
pub use consent::{
    consent_accounts_matched_by_current_email, consent_bulk_approval_matches_per_account,
    consent_changes_are_all_or_nothing, consent_delayed_optouts_found_by_their_wait, consent_history_cannot_be_changed,
    consent_history_is_recorded_and_derives_status, consent_mail_quarantine_review,
    consent_one_open_optout_incident_per_mechanism, consent_optout_health_observed,
};
pub use consent_bulk::consent_bulk_approval_agrees_with_status_on_random_histories;
pub use contacts::{contact_changes_serialize, contact_points_change_and_history};
pub use disclosure_facts::disclosure_facts_join_the_separate_reads;
/// A residential test account (postal address, no email), for other crates' tests too.
pub use fixtures::new_account;
pub use notices::{
    notices_claimed_when_due_in_order, notices_concurrent_claims_take_each_once, notices_delivery_outcomes,
    notices_idempotency_keys_queue_once, notices_listing_and_counts, notices_not_queued_without_a_change,
    notices_queued_with_a_contact_change, notices_reclaimed_after_the_lease, notices_requeue,
    privacy_tasks_oldest_first,
};
pub use publication::*;
pub use retention::{
    retention_deletes_old_calls_except_held, retention_deletes_old_quarantine, retention_deletes_whole_months,
    retention_legal_holds_placed_listed_and_lifted,
};
pub use search::{search_by_name, search_by_number_prefix, search_by_telephone_number};
pub use special_purposes::{
    special_fraud_cases_open_and_close, special_legal_processes_recorded_and_listed, special_listed_accounts_only,
};
pub use staff::{console_passwords_and_sessions, counts_and_ping, staff_and_tokens};
pub use training::{
    certification_counts_cover_the_period, certification_filing_moves_forward_only,
    training_records_update_the_gate_input,
};

/// Expands to one `#[tokio::test]` per conformance function. `$fresh` is an async
/// fn returning `Option<(guard, Arc<dyn StoreWithRecords>)>`; `None` skips the test (a backend
/// that is not available), and the guard lives until the test ends.
///
/// The lists below are the suite: a new conformance function is added here once and
/// then runs on every backend. Functions in the first list take `&dyn Store`; those
/// in the second take the `Arc<dyn Store>` itself, to share it among concurrent
/// tasks, and run on a multi-threaded runtime.
#[macro_export]
macro_rules! conformance_suite {
    ($fresh:path) => {
        $crate::conformance_suite!(@tests $fresh;
            accounts_create_and_read,
            accounts_refuse_invalid_and_duplicate,
            accounts_update_profile,
            accounts_bulk_load_and_read,
            contact_points_change_and_history,
            contact_changes_serialize,
            search_by_number_prefix,
            search_by_telephone_number,
            search_by_name,
            services_round_trip,
            calls_bulk_insert_counts_duplicates,
            calls_range_queries_and_paging,
            calls_row_by_row_baseline,
            calls_refuse_invalid_records,
            invoices_with_lines,
            staff_and_tokens,
            console_passwords_and_sessions,
            counts_and_ping,
            notices_queued_with_a_contact_change,
            notices_not_queued_without_a_change,
            notices_idempotency_keys_queue_once,
            notices_claimed_when_due_in_order,
            notices_reclaimed_after_the_lease,
            notices_delivery_outcomes,
            notices_requeue,
            notices_listing_and_counts,
            privacy_tasks_oldest_first,
            // customer authentication (issue 4) below this line
            auth_credentials_set_with_their_notice,
            auth_lockout_counts_and_clears,
            auth_interactions_and_evidence,
            auth_recovery_tokens_sessions_and_email_lookup,
            auth_pretexting_signals,
            disclosure_facts_join_the_separate_reads,
            // authentication limits and separation of duties (issue 18)
            auth_limits_source_counters_block_and_expire,
            auth_limits_exemption_grants_recorded,
            auth_limits_lock_lifts_recorded,
            auth_limits_attested_changes_and_staff_signals,
            // consent (issue 6) below this line
            consent_history_is_recorded_and_derives_status,
            consent_changes_are_all_or_nothing,
            consent_bulk_approval_matches_per_account,
            consent_bulk_approval_agrees_with_status_on_random_histories,
            consent_history_cannot_be_changed,
            consent_accounts_matched_by_current_email,
            consent_mail_quarantine_review,
            consent_optout_health_observed,
            consent_delayed_optouts_found_by_their_wait,
            consent_one_open_optout_incident_per_mechanism,
            // audit chain (issue 5) below this line
            audit_appends_form_a_verifiable_chain,
            audit_sealed_insert_continues_the_head_only,
            audit_search_filters_and_pages,
            audit_checkpoints_and_retention,
            // breach incidents (issue 7)
            breach_incidents_versioned_with_their_log,
            breach_notices_linked_and_retention_enforced,
            breach_affected_accounts_listed_and_counted,
            breach_account_refs_resolved_by_number_or_id,
            breach_record_kept_as_notified_and_held,
            // campaigns below this line
            campaigns_versioned_with_their_trail,
            campaigns_audience_criteria_compile_to_sql,
            campaigns_audience_excludes_by_consent_and_snapshots,
            campaigns_retention_refuses_early_delete,
            // training below this line
            training_records_update_the_gate_input,
            certification_filing_moves_forward_only,
            certification_counts_cover_the_period,
            // complaints below this line
            complaints_recorded_once_advanced_and_listed,
            complaints_privacy_mail_quarantine_review,
            complaints_broker_actions_linked_and_listed_by_day,
            // publication below this line
            policy_versions_need_both_languages_and_are_immutable_once_published,
            policy_mailing_reaches_each_email_of_record_once,
            // special_purposes below this line
            special_legal_processes_recorded_and_listed,
            special_fraud_cases_open_and_close,
            special_listed_accounts_only,
            // call import (issue 19) below this line
            call_import_finds_number_holders,
            call_import_batches_calls_and_quarantine,
            call_import_batch_is_all_or_nothing,
            retention_legal_holds_placed_listed_and_lifted,
            retention_deletes_old_calls_except_held,
            retention_deletes_whole_months,
            retention_deletes_old_quarantine,
        );
        $crate::conformance_suite!(@shared_tests $fresh;
            notices_concurrent_claims_take_each_once,
            audit_concurrent_appends_keep_one_chain,
            auth_limits_concurrent_failures_all_count,
        );
    };
    (@tests $fresh:path; $($test:ident),+ $(,)?) => {
        $(
            #[tokio::test]
            async fn $test() {
                if let Some((_guard, store)) = $fresh().await {
                    $crate::conformance::$test(&*store).await;
                }
            }
        )+
    };
    (@shared_tests $fresh:path; $($test:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $test() {
                if let Some((_guard, store)) = $fresh().await {
                    $crate::conformance::$test(store).await;
                }
            }
        )+
    };
}
