//! What every console page shares: the chrome (who is signed in, the menu their roles
//! open, the CSRF token the page's forms carry), rendering a template into a response,
//! and the plain message page used for refusals outside a screen.

use super::session::ConsoleStaff;
use crate::auth::roles::Capability;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// One entry of the console menu.
pub struct MenuItem {
    pub href: &'static str,
    pub label: &'static str,
}

/// The frame around every signed-in page.
pub struct Chrome {
    pub title: String,
    pub staff_name: String,
    pub roles: String,
    pub csrf: String,
    pub menu: Vec<MenuItem>,
}

impl Chrome {
    pub fn new(who: &ConsoleStaff, title: impl Into<String>) -> Self {
        let s = &who.staff;
        // The screens this staff member's roles open, by the same capabilities that
        // guard their routes.
        let screens = [
            (Capability::ReadAccounts, "/console", "Find an account"),
            (Capability::ReviewCampaigns, "/console/campaigns", "Campaign review"),
            (Capability::ManageConsent, "/console/privacy", "Privacy office"),
            (Capability::ReadAuditLog, "/console/audit", "Audit log"),
        ];
        let menu = screens
            .into_iter()
            .filter(|(capability, _, _)| capability.allows(s))
            .map(|(_, href, label)| MenuItem { href, label })
            .collect();
        Self {
            title: title.into(),
            staff_name: s.display_name.clone(),
            roles: s.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", "),
            csrf: who.csrf.clone(),
            menu,
        }
    }
}

/// Render a template as an HTML response with `status`; a template that fails to
/// render is logged and answered 500 without detail.
pub fn render<T: Template>(status: StatusCode, page: &T) -> Response {
    match page.render() {
        Ok(body) => (status, Html(body)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "console template failed to render");
            message_page(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong", "The page could not be shown.")
        }
    }
}

pub fn ok<T: Template>(page: &T) -> Response {
    render(StatusCode::OK, page)
}

#[derive(Template)]
#[template(path = "console/message.html")]
struct MessagePage<'a> {
    title: &'a str,
    message: &'a str,
}

/// A page with a title and one message (refusals before any screen applies).
pub fn message_page(status: StatusCode, title: &str, message: &str) -> Response {
    match (MessagePage { title, message }).render() {
        Ok(body) => (status, Html(body)).into_response(),
        Err(_) => (status, message.to_owned()).into_response(),
    }
}
