//! Integration tests: the real appliance, real SQLite, real Chromium, local fixture pages.

mod agent;
mod api_contract;
mod appliance_unreachable;
mod browser_failures;
mod browser_isolation;
mod cancel;
mod code_runs;
mod data_dir;
mod events;
mod helpers;
mod hit_testing;
mod live_view;
mod observation;
mod process;
mod receiver;
mod recording;
mod restart;
mod scripted_llm;
mod search;
mod secrets;
mod served_safely;
mod sse;
mod storage_failures;
mod timeouts;
mod viewer;
mod webhooks;
