//! Logging: `tracing` to standard error, as text or JSON, filtered by `RUST_LOG` or the config.
//!
//! Work done for one run happens inside a span that carries its `run_id` (the worker's `run`
//! span, a webhook attempt's `webhook` span). Text lines show the span before the message
//! (`run{run_id=tsk_…}: …`); JSON lines carry the fields of every span they were logged in at
//! their top level, beside `timestamp`, `level`, `target` and `fields` (the event's own, with
//! its `message`), so a collector can select one run's lines by `run_id`.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::{LogConfig, LogFormat};

/// Installs the global subscriber; a second call (tests start many apps) keeps the first.
pub fn init(config: &LogConfig) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&config.filter));
    match config.format {
        LogFormat::Json => {
            let json = json_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_current_span(false)
                .flatten_span_list_on_top_level(true);
            let _ = tracing_subscriber::registry().with(filter).with(json).try_init();
        }
        LogFormat::Text => {
            let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
        }
    }
}
