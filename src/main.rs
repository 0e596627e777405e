//! The `skyvern` command: `serve` runs the appliance; `api-key` manages keys; `webhook-secret`
//! shows or rotates the webhook signing secret; `backup` copies the data directory while the
//! appliance runs and `restore` puts a backup back while it is stopped; `reindex` rebuilds the
//! search index while it is stopped; `doctor` checks what the appliance needs from the machine.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use skyvern::config::{Config, Loaded};
use skyvern::data_dir::{self, DataDirLock};
use skyvern::ids::ApiKeyId;
use skyvern::store::CredentialFilter;
use skyvern::vault::Vault;
use skyvern::webhooks::secrets;
use skyvern::{App, app, auth, backup, doctor, search, telemetry};

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
    /// Copy the data directory (a consistent copy of the database, artifacts, uploaded files) into
    /// a new or empty directory, safe while the appliance runs; the vault key is left out.
    Backup { target: PathBuf },
    /// Restore a backup into the data directory (refused while an appliance uses it) and rebuild
    /// the search index.
    Restore {
        /// The directory `skyvern backup` wrote.
        backup: PathBuf,
        /// The backup's vault key file, put where the appliance reads it (vault.key_file).
        #[arg(long)]
        vault_key: Option<PathBuf>,
        /// Replace what a non-empty data directory holds (its vault key is kept).
        #[arg(long)]
        force: bool,
    },
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
        Command::Backup { target } => back_up(config, &target).await,
        Command::Restore { backup, vault_key, force } => {
            restore(config, &backup, backup::RestoreOptions { vault_key, force }).await
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

/// `skyvern backup`: the data directory into `target`, beside a running appliance.
async fn back_up(mut config: Config, target: &Path) -> anyhow::Result<()> {
    config.storage.data_dir = data_dir::canonical(&config.storage.data_dir)?;
    let store = app::open_store(&config).await?;
    let layout = app::backup_layout(&config);
    let manifest = backup::back_up(&layout, &store, target).await.context("backup failed")?;
    println!(
        "backed up to {}: the database and {} files ({:.1} MB)",
        target.display(),
        manifest.files,
        manifest.bytes as f64 / 1e6
    );
    println!(
        "\nThe vault key is not in the backup: it is {}. Keep a copy of it apart from the backups \
         (mode 0600); without it, the backup's credentials and browser profiles stay sealed. Restore with:\n\n    \
         skyvern restore {} --vault-key <that copy>",
        layout.vault_key.display(),
        target.display()
    );
    Ok(())
}

/// `skyvern restore`: a backup into the data directory, held as `serve` holds it; then the
/// search index is rebuilt and the vault key checked against the credentials.
async fn restore(mut config: Config, from: &Path, options: backup::RestoreOptions) -> anyhow::Result<()> {
    config.storage.data_dir = data_dir::canonical(&config.storage.data_dir)?;
    let _lock = DataDirLock::acquire(&config.storage.data_dir)?;
    let layout = app::backup_layout(&config);
    let restored = backup::restore(&layout, from, options).await.context("restore failed")?;
    if restored.removed > 0 {
        println!("removed the {} entries the data directory held", restored.removed);
    }
    println!(
        "restored the backup of {} (skyvern {}) into {}: the database and {} files",
        restored.manifest.created_at,
        restored.manifest.skyvern_version,
        config.storage.data_dir.display(),
        restored.copied.files
    );
    let store = app::open_store(&config).await?;
    let runs = search::rebuild(&app::DataPaths::of(&config).search_index, store.clone())
        .await
        .context("the backup is restored, but the search index could not be rebuilt (`skyvern reindex` retries)")?;
    println!("search index rebuilt: {runs} runs");
    check_vault_key(&layout.vault_key, restored.vault_key_placed, store).await
}

/// Says whether the vault key in place opens the restored credentials.
async fn check_vault_key(key_file: &Path, placed: bool, store: skyvern::store::Store) -> anyhow::Result<()> {
    let sealed = store.count_credentials().await?;
    if !key_file.exists() {
        if sealed > 0 {
            eprintln!(
                "\nwarning: no vault key at {}: the {sealed} credentials (and the browser profiles) stay sealed \
                 until the backup's key file is put there, before the first start (which would make a new key)",
                key_file.display()
            );
        }
        return Ok(());
    }
    let verb = if placed { "placed" } else { "kept" };
    let vault = Vault::open(key_file, store).await?;
    let first = vault.list(CredentialFilter { page: 1, page_size: 1, ..CredentialFilter::default() }).await?;
    match first.first() {
        None => println!("vault key {verb} at {}", key_file.display()),
        Some(credential) => match vault.reveal(&credential.id).await {
            Ok(_) => println!("vault key {verb} at {}: it opens the credentials", key_file.display()),
            Err(error) => eprintln!("\nwarning: the vault key at {} is not this backup's: {error}", key_file.display()),
        },
    }
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
