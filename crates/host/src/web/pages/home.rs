//! The home page: what the signed-in user may use.

use askama::Template;
use axum::response::Response;

use super::{Layout, render};
use crate::web::session::SignedIn;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    login: String,
    company: String,
    may_manage: bool,
    may_use_expenses: bool,
    may_approve: bool,
}

/// `GET /`: links to the pages the user may open.
pub(crate) async fn show(signed_in: SignedIn) -> Response {
    let page = HomePage {
        layout: Layout::signed_in("Home", &signed_in),
        login: signed_in.actor.user.login.clone(),
        company: signed_in.actor.company.name.clone(),
        may_manage: signed_in.actor.may_manage_registrations(),
        may_use_expenses: signed_in.actor.is_employee(),
        may_approve: signed_in.actor.is_approver(),
    };
    render(&page)
}
