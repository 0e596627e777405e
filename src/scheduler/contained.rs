//! Containing a panic in a run's work. A panic must not end the worker task with the run still
//! `running` and nobody to close its browser: it is caught here, logged with its message, and
//! handed back as a value, so the worker closes the browser, frees the slot and ends the run
//! `failed` (`internal_error`) like any other failure.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures::FutureExt;

use crate::ids::RunId;
use crate::runs::RunError;

/// The work panicked; the panic is in the log.
#[derive(Debug)]
pub(super) struct Panicked;

/// Awaits `work`; a panic in it is caught, logged as `what` panicking, and returned as `Panicked`.
///
/// Unwind safety: what the work shares with the rest of the appliance sits behind locks that
/// every user recovers from poisoning, and the run it was driving is ended by the caller.
pub(super) async fn contained<T>(run_id: &RunId, what: &str, work: impl Future<Output = T>) -> Result<T, Panicked> {
    AssertUnwindSafe(work).catch_unwind().await.map_err(|payload| {
        tracing::error!(%run_id, panic = message_of(payload.as_ref()), "{what} panicked; the run ends failed");
        Panicked
    })
}

/// Why a run whose work panicked failed. Nothing internal: the log has the panic.
pub(super) fn internal_error() -> RunError {
    RunError::new(
        "system",
        "internal_error",
        "the appliance hit an internal error while driving the run (its log has the details)",
    )
}

fn message_of(payload: &(dyn Any + Send)) -> &str {
    match (payload.downcast_ref::<&str>(), payload.downcast_ref::<String>()) {
        (Some(text), _) => text,
        (_, Some(text)) => text,
        _ => "a panic without a message",
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use tokio::sync::Semaphore;

    use super::*;

    #[tokio::test]
    async fn a_panic_after_an_await_comes_back_as_a_value_and_what_the_work_held_is_freed() {
        let slots = Arc::new(Semaphore::new(1));
        let slot = slots.clone().acquire_owned().await.unwrap();
        let work = async move {
            let _slot = slot;
            tokio::time::sleep(Duration::from_millis(10)).await;
            panic!("cannot convert float seconds to Duration");
        };
        let result = contained(&RunId::generate(), "the test's work", work).await;
        assert!(matches!(result, Err(Panicked)));
        assert_eq!(slots.available_permits(), 1, "the slot the work held is free again");
    }

    #[tokio::test]
    async fn work_that_does_not_panic_gives_its_value() {
        let result = contained(&RunId::generate(), "the test's work", async { 42 }).await;
        assert_eq!(result.unwrap(), 42);
    }

    #[test]
    fn a_panics_message_is_read_whether_it_was_formatted_or_not() {
        let literal = std::panic::catch_unwind(|| panic!("plain")).unwrap_err();
        let formatted = std::panic::catch_unwind(|| panic!("{} {}", "with", 2)).unwrap_err();
        assert_eq!(message_of(literal.as_ref()), "plain");
        assert_eq!(message_of(formatted.as_ref()), "with 2");
        assert_eq!(message_of(&5_u8), "a panic without a message");
    }
}
