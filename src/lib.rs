//! A self-hosted Skyvern appliance: AI agents and replayed scripts drive a real Chromium through
//! websites, and every run is kept for audit.
//!
//! # Threading and ownership
//!
//! One tokio runtime runs the appliance; actix-web serves HTTP on two worker threads of its own.
//! Each mutable resource has one owner:
//!
//! - the **store** (`store`) owns the SQLite database: one writing connection behind a mutex and
//!   a small pool of reading connections, used only from tokio's blocking threads;
//! - the **scheduler** (`scheduler`) owns the queue: one dispatcher task admits queued runs as
//!   browser slots free up, and hands each to a worker task that owns the run until it ends;
//! - a **plan run**'s worker runs the plan executor (`plans`) in place of an engine: it owns the
//!   run's template values and outputs; blocks that run side by side are futures of that one
//!   task, each browser block on the run's page or a tab of its own in the run's context, and an
//!   approval waits on a channel that `POST /v1/runs/{id}/review` answers;
//! - the **browser pool** (`browser`) owns the idle Chromium processes and the remote endpoints'
//!   health (one checking task each); a worker borrows a browser for its run, with a fresh browser
//!   context, and gives it back (or has it replaced if it died; a remote one is only hung up);
//! - a **browser session** (`sessions`) owns a browser (and its slot) for its life: its keeper
//!   task owns its end, runs and its attendant take its turn (a fair lock) to drive its page, and
//!   the attendant, between runs, casts the page to the session's viewers, serves the person in
//!   control and records them; a CDP client of a session talks to its browser through a task of
//!   its own per connection;
//! - **artifacts** and **uploaded files** (`files`) are files written once under the data
//!   directory and never changed;
//! - the **search index** (`search`) is written by one task that follows the event log and owns
//!   tantivy's writer; searches read its last commit on blocking threads and never wait for it;
//! - while a run has a browser, its worker also drives the page's **screencast**: each frame goes
//!   to the run's `live::LiveRun` (a broadcast channel; each viewer's task sends it on as the
//!   viewer acknowledges frames) and to its `recording::Recording` (a one-frame mailbox, always
//!   the newest, read by a feeder thread that owns the run's ffmpeg process). Each action's
//!   screenshot is one of these frames, kept by a task of the run's recorder. A controlling
//!   viewer's input reaches the page through the same worker;
//! - the **webhook outbox** (`webhooks`) is filled by one dispatcher task that follows the event
//!   log, and drained by one sender task that owns the attempts in flight (one task each).
//! - **schedules** (`schedules`) are fired by one ticker task, which sleeps until the next
//!   occurrence of any enabled schedule (or until a schedule changes), records each firing in the
//!   store, and asks for the plan run as a client of the scheduler would;
//! - the **metrics** (`metrics`) are atomic counters and histograms that any part bumps without
//!   waiting; what is rather than what happens (runs by status, the pool, the disk) is read
//!   from its owner at each scrape;
//! - **retention** (`retention`) is one task that removes finished runs' files, and finished runs
//!   whole, past `[retention]`'s limits; it wakes on an interval and when a run ends. The check
//!   that refuses new runs on a short disk is read by every way of starting one;
//! - the **vault** (`vault`) holds its key in memory from start to stop and nothing else: sealed
//!   credentials live in the store, and each use opens them afresh; browser **profiles**
//!   (`profiles`) and runs' final storage are sealed by it the same way. A worker captures its
//!   run's storage before it gives the browser back, and a session's keeper its session's before
//!   it closes the context.
//!
//! Chromium and ffmpeg processes are started from a short-lived thread of lowered CPU priority
//! (`processes::started_lowered`), whose priority they and everything they start inherit; the
//! appliance's own threads keep theirs, so on a busy machine they run first.
//!
//! Handlers never hold a run: they write the request to the store, enqueue its id, and read the
//! store to answer; a live-view connection holds only its side of the run's channels. Cancel
//! reaches a worker through the run's cancel token.
//!
//! Everything that happens to a run is appended to the store's **event log** (`events`) in the
//! same transaction as the change. After each commit, still holding the writer, the store
//! publishes the new events in id order on a broadcast channel; followers (event streams, the
//! live view's status updates) take them from there and fall back to the table when they lag,
//! so nobody sees an event out of order and a slow follower never holds the writer.
//!
//! `App::build` wires these together; `App::run_until_stopped` takes the shutdown signal as a
//! parameter, so `main` and the tests start and stop the appliance the same way.

pub mod agent;
pub mod api;
pub mod app;
pub mod artifacts;
pub mod auth;
pub mod backup;
pub mod browser;
pub mod clock;
pub mod config;
pub mod data_dir;
pub mod doctor;
pub mod engine;
pub mod events;
pub mod files;
pub mod ids;
pub mod live;
pub mod metrics;
pub mod plans;
pub mod processes;
pub mod profiles;
pub mod recording;
pub mod reproduce;
pub mod retention;
pub mod runs;
pub mod scheduler;
pub mod schedules;
pub mod search;
pub mod sessions;
pub mod store;
pub mod telemetry;
pub mod vault;
pub mod views;
pub mod webhooks;

pub use app::App;
pub use config::Config;
