//! What the web UI needs of the backend: sign-in sessions with CSRF protection, API keys and the
//! webhook secret over HTTP, a model provider test, the appliance's status, and the runs list's
//! extra fields and filters.

mod keys_and_secret;
mod model_and_status;
mod runs_list;
mod sign_in;

/// A client that does not follow redirects, as a test of a redirect needs.
fn browser() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}
