//! The browser a worker's run drives: a context of its own from the pool (closed when the run
//! ends, freeing its slot), or its turn on a browser session (handed back when the run ends; the
//! session keeps its context, and ending the session stops the run).

use crate::browser::RunBrowser;
use crate::sessions::SessionTurn;

pub(super) enum HeldBrowser {
    Own(Box<RunBrowser>),
    Session(SessionTurn),
}

impl HeldBrowser {
    pub(super) fn browser(&self) -> &RunBrowser {
        match self {
            HeldBrowser::Own(browser) => browser,
            HeldBrowser::Session(turn) => turn.browser(),
        }
    }

    /// Resolves when the session the run drives ends; never for a browser of the run's own.
    pub(super) async fn session_ended(&self) {
        match self {
            HeldBrowser::Own(_) => std::future::pending().await,
            HeldBrowser::Session(turn) => turn.session_ended().await,
        }
    }

    /// Closes the run's own context; a session's turn is given back to be kept until the run's
    /// end is recorded, so the next run on the session starts after this one ended. Either way,
    /// what the browser logs from then on is not the run's.
    pub(super) async fn release(self) -> Option<SessionTurn> {
        match self {
            HeldBrowser::Own(browser) => {
                (*browser).close().await;
                None
            }
            HeldBrowser::Session(turn) => {
                turn.browser().page.log_within(tracing::Span::none());
                Some(turn)
            }
        }
    }
}
