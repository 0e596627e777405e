//! The `skyvern` command: `serve` runs the appliance; `api-key` manages keys; `webhook-secret`
//! shows or rotates the webhook signing secret; `backup` copies the database while the appliance
//! runs; `reindex` rebuilds the search index while it is stopped; `doctor` checks what the
//! appliance needs from the machine.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use skyvern::config::{Config, Loaded};
use skyvern::data_dir::{self, DataDirLock};
use skyvern::ids::ApiKeyId;
use skyvern::webhooks::secrets;
use skyvern::{App, app, auth, doctor, search, telemetry};

#[derive(Parser)]
#[command(name = "skyvern", version, about = "A self-hosted Skyvern appliance")]
struct Cli {
    /// A configuration file with the keys to change (see skyvern.toml for all of them).
    #[arg(long, global = true, env = "SKYVERN_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the appliance: API, UI, scheduler and browser pool.
    Serve,
    /// Create, list or revoke API keys.
    #[command(subcommand, name = "api-key")]
    ApiKey(ApiKeyCommand),
    /// Show or rotate the secret that signs webhook deliveries.
    #[command(subcommand, name = "webhook-secret")]
    WebhookSecret(WebhookSecretCommand),
    /// Write a consistent copy of the database to a file (safe while the appliance runs).
    Backup { target: PathBuf },
    /// Rebuild the search index from the database (refused while the appliance runs).
    Reindex,
    /// Check Chromium, ffmpeg, the data directory and the model provider with this configuration;
    /// exits 1 if any check fails.
    Doctor,
}

#[derive(Subcommand)]
enum ApiKeyCommand {
    /// Create a key and print it (it is shown only this once).
    Create {
        #[arg(long, default_value = "cli")]
        name: String,
    },
    /// List keys (their ids and first characters, never the keys).
    List,
    /// Revoke a key by its id (key_…); requests with it are refused at once.
    Revoke { id: String },
}

#[derive(Subcommand)]
enum WebhookSecretCommand {
    /// Print the secret that signs deliveries now, and how each signature header uses it.
    Show,
    /// Make a new secret; the old one keeps signing beside it for webhooks.rotation_overlap_hours.
    Rotate,
}

fn load_config(file: Option<&PathBuf>) -> anyhow::Result<Config> {
    let Loaded { config, unknown_keys } = Config::load(file.map(PathBuf::as_path), std::env::vars())?;
    telemetry::init(&config.log);
    for key in unknown_keys {
        tracing::warn!(key, "unknown configuration key (ignored)");
    }
    Ok(config)
}

#[tokio::main]
async fn main() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    let config = load_config(cli.config.as_ref())?;
    let done = match cli.command {
        Command::Serve => serve(config).await,
        Command::ApiKey(command) => api_key(config, command).await,
        Command::WebhookSecret(command) => webhook_secret(config, command).await,
        Command::Backup { target } => {
            let store = app::open_store(&config).await?;
            store.backup_to(&target).await.context("backup failed")?;
            println!("database copied to {}", target.display());
            Ok(())
        }
        Command::Reindex => reindex(config).await,
        Command::Doctor => return Ok(check_machine(&config).await),
    };
    done.map(|()| ExitCode::SUCCESS)
}

/// `skyvern doctor`: one line per check as it completes; 1 if any failed.
async fn check_machine(config: &Config) -> ExitCode {
    let findings = doctor::run(config, |finding| println!("{finding}")).await;
    if doctor::all_passed(&findings) { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// Rebuilds the search index, holding the data directory as `serve` does, so never beside it.
async fn reindex(mut config: Config) -> anyhow::Result<()> {
    config.storage.data_dir = data_dir::canonical(&config.storage.data_dir)?;
    let _lock = DataDirLock::acquire(&config.storage.data_dir)?;
    let store = app::open_store(&config).await?;
    let started = std::time::Instant::now();
    let runs = search::rebuild(&app::DataPaths::of(&config).search_index, store).await.context("reindex failed")?;
    println!("search index rebuilt: {runs} runs in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let app = App::build(config).await?;
    if let Some(key) = app.initial_api_key() {
        println!("\nNo API key existed, so one was created. It is shown only now; keep it:\n\n    {key}\n");
        println!("Send it as the x-api-key header, or sign in to the UI with it.\n");
    }
    app.run_until_stopped(shutdown_signal()).await
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate => {}
    }
}

async fn api_key(config: Config, command: ApiKeyCommand) -> anyhow::Result<()> {
    let store = app::open_store(&config).await?;
    match command {
        ApiKeyCommand::Create { name } => {
            let (key, record) = auth::create_key(&store, &auth::key_name(&name)?).await?;
            println!("{key}");
            eprintln!("created {} ({}); it is shown only now", record.id, record.name);
        }
        ApiKeyCommand::List => {
            for key in store.api_keys().await? {
                let state = key.revoked_at.map_or("active".to_owned(), |at| format!("revoked {at}"));
                println!("{}\t{}\t{}…\t{}\t{}", key.id, key.name, key.key_prefix, key.created_at, state);
            }
        }
        ApiKeyCommand::Revoke { id } => {
            let record = auth::revoke_key(&store, &ApiKeyId::parse(&id)?).await?;
            println!("revoked {} ({})", record.id, record.name);
        }
    }
    Ok(())
}

async fn webhook_secret(config: Config, command: WebhookSecretCommand) -> anyhow::Result<()> {
    let store = app::open_store(&config).await?;
    let configured = secrets::is_configured(&config.webhooks);
    let active = match command {
        WebhookSecretCommand::Show => secrets::current(&store, &config.webhooks).await?,
        WebhookSecretCommand::Rotate => {
            let active = secrets::rotate_if_not_configured(&store, &config.webhooks).await?;
            eprintln!(
                "a new secret was made; the previous one keeps signing beside it for {} hours",
                config.webhooks.rotation_overlap_hours
            );
            active
        }
    };
    let (Some(oldest), Some(newest)) = (active.first(), active.last()) else {
        anyhow::bail!("there is no webhook signing secret");
    };
    println!("{}", newest.secret.expose());
    let origin = if configured { "from webhooks.signing_secret" } else { "kept in the database" };
    eprintln!("\nThe secret above signs every delivery ({origin}):");
    eprintln!(
        "  webhook-signature (Standard Webhooks): verify with it as it is, e.g. standardwebhooks.Webhook(secret)"
    );
    eprintln!("    (a secret that is not whsec_…: verify with \"whsec_\" + base64 of its text)");
    eprintln!("  x-skyvern-signature (Skyvern): hex HMAC-SHA256 of the body, keyed with the text of the secret");
    for older in &active[..active.len() - 1] {
        let until = older.signs_until.as_deref().unwrap_or("the next rotation");
        eprintln!(
            "\nIn the overlap after a rotation, until {until}, this older secret signs too:\n{}",
            older.secret.expose()
        );
    }
    if active.len() > 1 {
        eprintln!(
            "\nwebhook-signature carries one signature per secret; x-skyvern-signature stays keyed with the oldest:"
        );
        eprintln!("{}", oldest.secret.expose());
    }
    Ok(())
}
