//! The directory-listing export: name, listed numbers and address of the customers
//! whose directory choice is `listed`, for directory publishers. Subscriber-list
//! information, not CPNI, yet each exported account is decided and recorded by the
//! gate. Unlisted and non-published customers never reach this code: the store's page
//! holds listed accounts only.
//!
//! A carrier's whole list is exported page by page (`after` = the `next_after` of the
//! previous page, also given in a `Link: <…>; rel="next"` header), so no request holds
//! more than one page, and every account of a page is decided before any of it is sent:
//! a refusal is a plain 403, never a truncated file. The first account of a page is
//! decided alone, so a caller the policy refuses (the default set allows the directory
//! job and administrators) gets one recorded refusal, not one per account; the rest run
//! concurrently, so the audit writer commits their entries in shared transactions.

use crate::auth::CurrentStaff;
use crate::extract::ApiQuery;
use crate::gate::{GateRequest, RequestId, Target};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use cpniguard_core::account::{Account, AccountNumber};
use cpniguard_core::staff::Staff;
use cpniguard_policy::{Action, Purpose};
use cpniguard_store::MAX_PAGE;
use futures::stream::{self, StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Decisions of one page in flight at once: enough for the audit writer to batch.
const CONCURRENT_DECISIONS: usize = 64;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    #[default]
    Json,
    /// One row per listed number: name, telephone_number, address columns.
    Csv,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DirectoryQuery {
    /// `json` (default) or `csv`.
    #[serde(default)]
    #[param(value_type = Option<String>)]
    pub format: ExportFormat,
    /// Continue after this account number (`next_after` of the previous page).
    #[param(value_type = Option<String>)]
    pub after: Option<AccountNumber>,
    /// Accounts per page, at most 1000 (the default).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ListingAddress {
    pub line1: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    pub city: String,
    pub state: String,
    pub zip: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Listing {
    pub name: String,
    pub telephone_numbers: Vec<String>,
    pub address: Option<ListingAddress>,
}

impl Listing {
    fn of(account: &Account) -> Self {
        Listing {
            name: account.profile.name.clone(),
            telephone_numbers: account.telephone_numbers().map(|n| n.as_str().to_owned()).collect(),
            address: account.postal_address().map(|a| ListingAddress {
                line1: a.line1.clone(),
                line2: a.line2.clone(),
                city: a.city.clone(),
                state: a.state.clone(),
                zip: a.zip.clone(),
            }),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DirectoryPage {
    pub listings: Vec<Listing>,
    /// The `after` of the next page; absent on the last.
    #[schema(value_type = Option<String>)]
    pub next_after: Option<AccountNumber>,
}

#[utoipa::path(
    get, path = "/api/v1/directory-listings", tag = "special purposes", params(DirectoryQuery),
    responses(
        (status = 200, description = "A page of listings (JSON, or CSV with `format=csv`)", body = DirectoryPage,
            headers(("Link" = String, description = "The next page, when there is one"))),
        (status = 403, description = "The policy refused the export", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn export(
    State(state): State<AppState>,
    CurrentStaff(staff): CurrentStaff,
    request_id: RequestId,
    ApiQuery(q): ApiQuery<DirectoryQuery>,
) -> ApiResult<Response> {
    let limit = crate::application::page_limit(q.limit, MAX_PAGE)?;
    let page = state.store.listed_accounts(q.after.as_ref(), limit).await?;
    let accounts = &page.accounts;
    let request_id = request_id.0.as_deref();
    if let Some(first) = accounts.first() {
        authorize(&state, &staff, first, request_id).await?;
    }
    // By index: a stream of borrowed accounts would tie each future to its item's
    // lifetime, which the compiler cannot prove general enough.
    stream::iter(1..accounts.len())
        .map(|i| authorize(&state, &staff, &accounts[i], request_id))
        .buffer_unordered(CONCURRENT_DECISIONS)
        .try_collect::<Vec<()>>()
        .await?;
    let listings: Vec<Listing> = page.accounts.iter().map(Listing::of).collect();
    let link = page.next_after.as_ref().map(|next| {
        let format = if q.format == ExportFormat::Csv { "csv" } else { "json" };
        format!("</api/v1/directory-listings?format={format}&after={next}&limit={limit}>; rel=\"next\"")
    });
    let mut response = match q.format {
        ExportFormat::Json => Json(DirectoryPage { listings, next_after: page.next_after }).into_response(),
        ExportFormat::Csv => {
            ([(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"))], csv(&listings))
                .into_response()
        }
    };
    if let Some(link) = link {
        let value = HeaderValue::from_str(&link).map_err(|_| Problem::internal())?;
        response.headers_mut().insert(header::LINK, value);
    }
    Ok(response)
}

/// The gate's decision on exporting `account`'s listing, recorded before it is sent.
async fn authorize(state: &AppState, staff: &Staff, account: &Account, request_id: Option<&str>) -> ApiResult<()> {
    let target = Target::Account(account.id);
    let request = GateRequest::staff(staff, Action::ExportDirectoryListing, Purpose::DirectoryListing, target)
        .record_ref("directory_listing")
        .request_id(request_id.map(str::to_owned));
    state.gate.authorize(state, request).await?;
    Ok(())
}

const CSV_HEADER: &str = "name,telephone_number,address_line1,address_line2,city,state,zip\r\n";

/// RFC 4180: one row per listed number, every field quoted when it must be.
fn csv(listings: &[Listing]) -> String {
    let mut out = String::from(CSV_HEADER);
    for listing in listings {
        let address = listing.address.as_ref();
        for number in &listing.telephone_numbers {
            let fields = [
                listing.name.as_str(),
                number,
                address.map_or("", |a| &a.line1),
                address.and_then(|a| a.line2.as_deref()).unwrap_or(""),
                address.map_or("", |a| &a.city),
                address.map_or("", |a| &a.state),
                address.map_or("", |a| &a.zip),
            ];
            let row: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
            out.push_str(&row.join(","));
            out.push_str("\r\n");
        }
    }
    out
}

fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_needs_it() {
        let listing = Listing {
            name: "O'Brien, \"Pat\"".to_owned(),
            telephone_numbers: vec!["+18015550100".to_owned(), "+18015550101".to_owned()],
            address: None,
        };
        let text = csv(&[listing]);
        let rows: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(rows[0], CSV_HEADER.trim_end());
        assert_eq!(rows[1], "\"O'Brien, \"\"Pat\"\"\",+18015550100,,,,,");
        assert_eq!(rows[2], "\"O'Brien, \"\"Pat\"\"\",+18015550101,,,,,");
        assert_eq!(rows.len(), 4, "two rows and the final line end");
    }
}
