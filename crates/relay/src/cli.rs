//! The command line: `serve`, `tenant create`, `bot add`, `import-desktop`, `quarantine list`,
//! `demo`. Commands that create secrets print only the secret (or ID) on stdout; everything else goes
//! to stderr.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use axum::http::HeaderValue;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::crm::{self, secret};
use crate::store::{Bot, Database, Storage, StoreError, TenantId};
use crate::telegram::desktop;
use crate::{AppState, Config, DEFAULT_MAX_BODY, app, auth, now, server};

/// The relay's command line.
#[derive(Parser, Debug)]
#[command(
    name = "telegram-relay",
    version,
    about = "Telegram relay for the CRM sidebar: webhook ingest, Desktop export import, plugin API"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the webhook and the plugin API.
    Serve(ServeArgs),
    /// Manage tenants (one per CRM install).
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Manage bots whose webhooks post to this relay.
    #[command(subcommand)]
    Bot(BotCommand),
    /// Import a Telegram Desktop export (result.json) into a tenant.
    ImportDesktop {
        /// The tenant to import into.
        #[arg(long)]
        tenant: String,
        #[command(flatten)]
        db: DbArg,
        /// The export's result.json (full export or single chat).
        file: PathBuf,
    },
    /// Copy everything (or one tenant) from one database to a new, empty one, for example from
    /// SQLite to PostgreSQL, verified table by table (rows and checksums, printed), all or
    /// nothing. Stop the relays that write the source first.
    Migrate {
        /// The database to copy: a SQLite file or postgres://… (it must exist).
        #[arg(long, env = "TELEGRAM_RELAY_MIGRATE_FROM", hide_env_values = true)]
        from: PathBuf,
        /// The database to copy into, with no tenant yet: a SQLite file (created) or
        /// postgres://… (the relay creates its tables).
        #[arg(long, env = "TELEGRAM_RELAY_MIGRATE_TO", hide_env_values = true)]
        to: PathBuf,
        /// Copy only this tenant's data.
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Inspect updates the relay could not interpret.
    #[command(subcommand)]
    Quarantine(QuarantineCommand),
    /// Create a fresh demo database (tenant `demo`, token `demo-install-token`), fill it through the
    /// real ingest code, and serve it. For demonstrations only: the token is public.
    Demo(DemoArgs),
    /// The key that seals CRM credentials in the database.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Relay → CRM sync: contacts created and linked when a Telegram person writes first.
    #[command(subcommand)]
    Crm(CrmCommand),
}

#[derive(Subcommand, Debug)]
enum KeyCommand {
    /// Print a new random key (64 hexadecimal characters). Keep it in a file only the relay can
    /// read (`telegram-relay key generate > relay.key && chmod 600 relay.key`) and pass
    /// `--key-file relay.key` to `serve` and the `crm` commands.
    Generate,
}

#[derive(Args, Debug)]
struct KeyArg {
    /// The file holding the relay's key (`telegram-relay key generate`); or put the key itself
    /// in TELEGRAM_RELAY_KEY.
    #[arg(long, env = "TELEGRAM_RELAY_KEY_FILE")]
    key_file: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum CrmKind {
    Zendesk,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum OnOff {
    On,
    Off,
}

#[derive(Subcommand, Debug)]
enum CrmCommand {
    /// Connect a tenant to its CRM (or change the connection); checks the credentials and the
    /// fields first. The token is read from TELEGRAM_RELAY_ZENDESK_TOKEN and stored sealed.
    Connect {
        /// The CRM.
        #[arg(value_enum)]
        kind: CrmKind,
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// The account's address, https://SUBDOMAIN.zendesk.com.
        #[arg(long)]
        url: String,
        /// The sign-in email of the admin or agent whose API token this is.
        #[arg(long)]
        email: Option<String>,
        /// The token is an OAuth access token (sent as Bearer) rather than an API token.
        #[arg(long)]
        oauth: bool,
        /// The key of the user field holding the Telegram sender ID.
        #[arg(long, default_value = "senderId")]
        field: String,
        /// The key of a text user field the relay keeps the Telegram username in (Telegram owns
        /// it: the relay overwrites it when the username changes).
        #[arg(long)]
        username_field: Option<String>,
        /// Create a contact for a sender no contact holds (off: only link existing ones).
        #[arg(long, value_enum, default_value_t = OnOff::On)]
        create: OnOff,
        /// Requests per minute the relay may make (Zendesk plans allow 200 to 2,500; leave room
        /// for the agents' apps).
        #[arg(long, default_value_t = 200)]
        rate: u32,
        #[command(flatten)]
        key: KeyArg,
        #[command(flatten)]
        db: DbArg,
    },
    /// Show a tenant's connection, backlog, counts, last error and dead letters (never the token).
    Status {
        /// The tenant.
        #[arg(long)]
        tenant: String,
        #[command(flatten)]
        db: DbArg,
    },
    /// Queue the dead letters again.
    Retry {
        /// The tenant.
        #[arg(long)]
        tenant: String,
        #[command(flatten)]
        db: DbArg,
    },
    /// Stop syncing a tenant (its queue is dropped; nothing in the CRM is deleted).
    Disconnect {
        /// The tenant.
        #[arg(long)]
        tenant: String,
        #[command(flatten)]
        db: DbArg,
    },
    /// Link or create contacts for everyone the relay already knows (after a Desktop import).
    Backfill {
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// Only count what would happen (reads the CRM's end users; writes nothing).
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        key: KeyArg,
        #[command(flatten)]
        db: DbArg,
    },
}

#[derive(Subcommand, Debug)]
enum TenantCommand {
    /// Create a tenant and print its install token (shown once; stored hashed).
    Create {
        /// A name for the tenant, used by the other commands.
        name: String,
        #[command(flatten)]
        db: DbArg,
    },
    /// Give a tenant a new install token and print it; the old one stops working at once, in
    /// every relay process on this database. Also lifts a revocation.
    RotateToken {
        /// The tenant.
        name: String,
        #[command(flatten)]
        db: DbArg,
    },
    /// Revoke a tenant's install token at once (a leaked token); `rotate-token` issues a new one.
    Revoke {
        /// The tenant.
        name: String,
        #[command(flatten)]
        db: DbArg,
    },
}

#[derive(Subcommand, Debug)]
enum BotCommand {
    /// Register a bot and print its webhook ID (the webhook path is /telegram/webhook/{id}).
    Add {
        /// The tenant the bot's chats belong to.
        #[arg(long)]
        tenant: String,
        /// The secret token you will pass to setWebhook as `secret_token` (1–256 of A-Z a-z 0-9 _ -).
        #[arg(long, env = "TELEGRAM_RELAY_BOT_SECRET", hide_env_values = true)]
        secret: String,
        #[command(flatten)]
        bot: BotTokenArgs,
        /// With the token: the relay's public HTTPS address; `bot add` then calls setWebhook with
        /// `<URL>/telegram/webhook/<id>`, the secret and the update types the relay reads.
        #[arg(long)]
        public_url: Option<String>,
        #[command(flatten)]
        db: DbArg,
    },
    /// Give a bot its token (or a new one), so the relay can send the agents' replies; checks it
    /// with getMe and stores it sealed with the relay's key.
    SetToken {
        /// The bot's webhook ID (`bot list`).
        #[arg(long)]
        webhook: String,
        #[command(flatten)]
        bot: BotTokenArgs,
        #[command(flatten)]
        db: DbArg,
    },
    /// Print the webhook IDs of a tenant's bots, one per line.
    List {
        /// The tenant.
        #[arg(long)]
        tenant: String,
        #[command(flatten)]
        db: DbArg,
    },
    /// Remove a bot: its webhook answers 404 from then on (call Telegram's deleteWebhook too).
    /// What it stored stays.
    Remove {
        /// The tenant the bot belongs to.
        #[arg(long)]
        tenant: String,
        /// The bot's webhook ID (`bot list`).
        webhook_id: String,
        #[command(flatten)]
        db: DbArg,
    },
}

/// A bot's token and what checking it needs.
#[derive(Args, Debug)]
struct BotTokenArgs {
    /// The environment variable holding the bot's token from BotFather (never a flag: flags show
    /// in `ps`). Needed to send replies; stored sealed with the relay's key.
    #[arg(long)]
    token_env: Option<String>,
    /// The Bot API's address (a double in tests and the demo).
    #[arg(long, env = "TELEGRAM_RELAY_TELEGRAM_API_URL", default_value = crate::telegram::client::TELEGRAM_API)]
    telegram_api_url: String,
    #[command(flatten)]
    key: KeyArg,
}

impl BotTokenArgs {
    /// The token, when `--token-env` names a variable; an error when it names an empty one.
    fn token(&self) -> Result<Option<secret::Secret>, CliError> {
        let Some(var) = &self.token_env else {
            return Ok(None);
        };
        match std::env::var(var) {
            Ok(t) if !t.trim().is_empty() => Ok(Some(secret::Secret::new(t.trim().to_owned()))),
            _ => Err(CliError(format!(
                "--token-env {var}: the variable is not set or empty; put the bot's token from BotFather in it"
            ))),
        }
    }

    /// Checks `token` with getMe (and sets the webhook when `webhook` is given); answers the
    /// bot's @username and the sealed token.
    fn check(
        &self,
        tenant: TenantId,
        token: secret::Secret,
        webhook: Option<(String, &str)>,
    ) -> Result<(String, Vec<u8>), CliError> {
        let key = secret::Key::require(self.key.key_file.as_deref(), "storing a bot's token")
            .map_err(CliError)?;
        let client = crate::telegram::client::BotClient::new(&self.telegram_api_url, token.clone())
            .map_err(CliError)?;
        let runtime = runtime()?;
        let username = runtime.block_on(client.username()).map_err(|r| {
            CliError(match r {
                crate::telegram::client::Refused::Unauthorized => {
                    "Telegram does not accept this token (getMe answered 401); copy it again from BotFather (/token)".to_owned()
                }
                other => format!("getMe failed: {other:?}; check --telegram-api-url and the network"),
            })
        })?;
        if let Some((url, secret)) = webhook {
            runtime.block_on(client.set_webhook(&url, secret)).map_err(|r| {
                CliError(format!(
                    "setWebhook to {url} failed: {r:?}; the URL must be HTTPS and reach this relay (or leave out --public-url and set the webhook yourself); nothing was stored"
                ))
            })?;
        }
        Ok((username, key.seal(tenant, &token)))
    }
}

#[derive(Subcommand, Debug)]
enum QuarantineCommand {
    /// List quarantined updates, oldest first, with the reason and the raw body.
    List {
        /// Only this tenant's.
        #[arg(long)]
        tenant: Option<String>,
        #[command(flatten)]
        db: DbArg,
    },
}

#[derive(Args, Debug)]
struct DbArg {
    /// The database: a SQLite file (a path, or `sqlite://PATH`) or a PostgreSQL server
    /// (`postgres://USER:PASSWORD@HOST:PORT/DATABASE`).
    #[arg(
        long,
        env = "TELEGRAM_RELAY_DB",
        hide_env_values = true,
        default_value = "./data/relay.db"
    )]
    db: PathBuf,
}

/// What `--db` names.
enum DbAddress<'a> {
    Sqlite(&'a Path),
    Postgres(&'a str),
}

impl DbArg {
    /// Opens the database, creating it when it is a SQLite file that does not exist yet.
    fn open(&self) -> Result<Database, CliError> {
        Ok(match db_address(&self.db)? {
            DbAddress::Sqlite(path) => Database::open_sqlite(path)?,
            DbAddress::Postgres(url) => Database::open_postgres(url)?,
        })
    }

    /// Opens a database that must already exist: a mistyped `--db` must not leave an empty
    /// database behind (only `tenant create`, `serve` and `demo` create one). A PostgreSQL
    /// database always exists (the operator creates it); the relay creates its tables.
    fn open_existing(&self) -> Result<Database, CliError> {
        match db_address(&self.db)? {
            DbAddress::Sqlite(path) if !path.exists() => Err(CliError(format!(
                "there is no database at {}; check --db (or TELEGRAM_RELAY_DB), or create one \
                 with `telegram-relay tenant create NAME --db {}`",
                path.display(),
                path.display()
            ))),
            DbAddress::Sqlite(path) => Ok(Database::open_sqlite(path)?),
            DbAddress::Postgres(url) => Ok(Database::open_existing_postgres(url)?),
        }
    }

    /// The database as logs may name it: the path, or only "postgres" (a URL may hold a
    /// password).
    fn for_logs(&self) -> String {
        match db_address(&self.db) {
            Ok(DbAddress::Sqlite(path)) => path.display().to_string(),
            _ => "postgres".into(),
        }
    }
}

/// What `db` names: a SQLite file (a path, or `sqlite://PATH` / `sqlite:PATH`) or a PostgreSQL
/// database (`postgres://…` or `postgresql://…`). Anything else written like a URL (`mysql://…`)
/// is refused with the forms this relay takes, rather than becoming a SQLite file in a folder
/// named `mysql:`. The value is not repeated: a URL may hold a password.
fn db_address(db: &Path) -> Result<DbAddress<'_>, CliError> {
    let Some(text) = db.to_str() else {
        return Ok(DbAddress::Sqlite(db));
    };
    if let Some(path) = text
        .strip_prefix("sqlite://")
        .or_else(|| text.strip_prefix("sqlite:"))
    {
        return Ok(DbAddress::Sqlite(Path::new(path)));
    }
    if text.starts_with("postgres://") || text.starts_with("postgresql://") {
        return Ok(DbAddress::Postgres(text));
    }
    match text.split_once("://") {
        Some((scheme, _))
            if !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c)) =>
        {
            Err(CliError(format!(
                "--db (or TELEGRAM_RELAY_DB) is a {scheme}:// address, which this relay cannot \
                 use: give a SQLite file path such as ./data/relay.db (or sqlite://PATH), or a \
                 PostgreSQL database as postgres://USER:PASSWORD@HOST:PORT/DATABASE"
            )))
        }
        _ => Ok(DbAddress::Sqlite(db)),
    }
}

#[derive(Args, Debug)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "TELEGRAM_RELAY_LISTEN", default_value = "127.0.0.1:8787")]
    listen: SocketAddr,
    #[command(flatten)]
    db: DbArg,
    /// A browser origin allowed to call /v1 (repeat, or comma-separate in the environment).
    #[arg(
        long = "allow-origin",
        env = "TELEGRAM_RELAY_ALLOW_ORIGINS",
        value_delimiter = ','
    )]
    allow_origins: Vec<String>,
    /// Largest request body in bytes (webhook updates, link events).
    #[arg(long, env = "TELEGRAM_RELAY_MAX_BODY", default_value_t = DEFAULT_MAX_BODY)]
    max_body: usize,
    /// Requests per minute one install token may make to /v1 (every agent of an account shares
    /// it); more are answered 429 with Retry-After. 0 turns the limit off.
    #[arg(long, env = "TELEGRAM_RELAY_RATE_LIMIT", default_value_t = crate::DEFAULT_RATE_LIMIT)]
    rate_limit: u32,
    /// Seconds a client has to send a request's headers; also how long an idle kept-alive
    /// connection stays open.
    #[arg(long, env = "TELEGRAM_RELAY_HEADER_TIMEOUT", default_value_t = server::DEFAULT_HEADER_TIMEOUT.as_secs())]
    header_timeout: u64,
    /// Connections served at once; more wait until one closes. Keep it under the process's file
    /// limit (`ulimit -n`).
    #[arg(long, env = "TELEGRAM_RELAY_MAX_CONNECTIONS", default_value_t = server::DEFAULT_MAX_CONNECTIONS)]
    max_connections: usize,
    /// Seconds allowed after SIGTERM for requests in flight, before open connections are closed.
    #[arg(long, env = "TELEGRAM_RELAY_SHUTDOWN_DEADLINE", default_value_t = server::DEFAULT_SHUTDOWN_DEADLINE.as_secs())]
    shutdown_deadline: u64,
    /// Log format on stderr (filter with RUST_LOG, e.g. RUST_LOG=telegram_relay=debug).
    #[arg(long, env = "TELEGRAM_RELAY_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    #[command(flatten)]
    key: KeyArg,
    /// Seconds a sync job stays reserved for the worker that took it. After a crash, the jobs it
    /// held wait this long before a worker takes them again; keep it longer than a job can take
    /// (a few requests of 20 s at most).
    #[arg(long, env = "TELEGRAM_RELAY_SYNC_LEASE", default_value_t = 120)]
    sync_lease: u64,
    /// The Bot API's address, for sending the agents' replies (a double in tests and the demo).
    #[arg(long, env = "TELEGRAM_RELAY_TELEGRAM_API_URL", default_value = crate::telegram::client::TELEGRAM_API)]
    telegram_api_url: String,
}

#[derive(Args, Debug)]
struct DemoArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8787")]
    listen: SocketAddr,
    /// The demo database; deleted and recreated on every run.
    #[arg(long, default_value = "./data/demo.db")]
    db: PathBuf,
    /// Browser origins allowed to call /v1.
    #[arg(long = "allow-origin", default_values_t = [
        "http://127.0.0.1:8788".to_owned(), "http://localhost:8789".to_owned()
    ])]
    allow_origins: Vec<String>,
    /// Log format on stderr.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// Connect the demo tenant to the Zendesk double at this address (`zendesk-double`'s
    /// demo account), so new Telegram customers appear there.
    #[arg(long)]
    zendesk_url: Option<String>,
    /// Send the agents' replies to the Telegram double at this address (`telegram-double`'s
    /// demo bot), so replying works in the demo.
    #[arg(long)]
    telegram_api_url: Option<String>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

/// A command's failure: the message says what was wrong and how to fix it.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct CliError(String);

impl CliError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> CliError {
        CliError(message.into())
    }
}

impl From<StoreError> for CliError {
    fn from(e: StoreError) -> CliError {
        CliError(e.to_string())
    }
}

/// Runs the command line; the process's exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Serve(args) => {
            init_logs(args.log_format);
            let config = Config {
                allowed_origins: origins(&args.allow_origins)?,
                max_body: args.max_body,
                rate_limit: args.rate_limit,
            };
            let store = Arc::new(args.db.open()?);
            tracing::info!(db = %args.db.for_logs(), "database open");
            let key = sync_key(store.as_ref(), args.key.key_file.as_deref())?;
            let limits = server::Limits {
                header_timeout: Duration::from_secs(args.header_timeout.max(1)),
                max_connections: args.max_connections.max(1),
                shutdown_deadline: Duration::from_secs(args.shutdown_deadline),
            };
            let sync = crm::sync::Options {
                lease: Duration::from_secs(args.sync_lease.max(1)),
                ..crm::sync::Options::default()
            };
            serve(
                store,
                config,
                args.listen,
                limits,
                key,
                sync,
                args.telegram_api_url,
            )
        }
        Command::Key(KeyCommand::Generate) => {
            println!("{}", secret::generate());
            eprintln!(
                "a new key is above: keep it in a file only the relay can read and pass                  --key-file FILE to `serve` and the `crm` commands"
            );
            Ok(())
        }
        Command::Crm(command) => crm_command(command),
        Command::Tenant(TenantCommand::Create { name, db }) => {
            if name.trim().is_empty() || name.len() > 100 {
                return Err(CliError(
                    "the tenant name must be 1 to 100 characters".into(),
                ));
            }
            let store = db.open()?;
            let token = auth::new_token();
            store.create_tenant(&name, auth::hash(token.as_bytes()), now())?;
            println!("{token}");
            eprintln!("tenant {name:?} created; the token above is shown only this once");
            Ok(())
        }
        Command::Tenant(TenantCommand::RotateToken { name, db }) => {
            let store = db.open_existing()?;
            let token = auth::new_token();
            store.rotate_token(&name, auth::hash(token.as_bytes()))?;
            println!("{token}");
            eprintln!(
                "tenant {name:?} has a new install token, shown only this once; the old one no \
                 longer works: put the new one in the app's relay token setting"
            );
            Ok(())
        }
        Command::Tenant(TenantCommand::Revoke { name, db }) => {
            let store = db.open_existing()?;
            store.revoke_token(&name, now())?;
            eprintln!(
                "tenant {name:?}'s install token is revoked; `telegram-relay tenant rotate-token \
                 {name}` issues a new one"
            );
            Ok(())
        }
        Command::Bot(BotCommand::List { tenant, db }) => {
            let store = db.open_existing()?;
            for id in store.bots_of(&tenant)? {
                println!("{id}");
            }
            Ok(())
        }
        Command::Bot(BotCommand::Remove {
            tenant,
            webhook_id,
            db,
        }) => {
            let store = db.open_existing()?;
            store.remove_bot(&tenant, &webhook_id)?;
            eprintln!(
                "bot {webhook_id} of tenant {tenant:?} removed; its webhook now answers 404 \
                 (also call Telegram's deleteWebhook for that bot)"
            );
            Ok(())
        }
        Command::Bot(BotCommand::Add {
            tenant,
            secret,
            bot: token_args,
            public_url,
            db,
        }) => {
            auth::check_webhook_secret(&secret).map_err(|e| CliError(format!("--secret: {e}")))?;
            let store = db.open_existing()?;
            let tenant_id = tenant_id(&store, &tenant)?;
            let bot = Bot {
                webhook_id: auth::new_webhook_id(),
                tenant_id,
                secret_hash: auth::hash(secret.as_bytes()),
            };
            let token = token_args.token()?;
            if public_url.is_some() && token.is_none() {
                return Err(CliError(
                    "--public-url needs the bot's token (--token-env VAR) to call setWebhook"
                        .into(),
                ));
            }
            let webhook_url = public_url
                .map(|u| -> Result<String, CliError> {
                    let u = u.trim_end_matches('/');
                    if !u.starts_with("https://") {
                        return Err(CliError(format!(
                            "--public-url {u:?}: Telegram delivers webhooks only to https:// addresses"
                        )));
                    }
                    Ok(format!("{u}/telegram/webhook/{}", bot.webhook_id))
                })
                .transpose()?;
            // Checked with Telegram before anything is stored.
            let checked = token
                .map(|t| {
                    token_args.check(
                        tenant_id,
                        t,
                        webhook_url.clone().map(|u| (u, secret.as_str())),
                    )
                })
                .transpose()?;
            store.add_bot(&bot, now())?;
            if let Some((username, sealed)) = &checked {
                store.set_bot_token(&bot.webhook_id, sealed.clone(), username.clone())?;
            }
            println!("{}", bot.webhook_id);
            let who = checked
                .as_ref()
                .map_or(String::new(), |(u, _)| format!(" @{u}"));
            match webhook_url {
                Some(url) => eprintln!(
                    "bot{who} registered for tenant {tenant:?}; Telegram now delivers its updates to {url}"
                ),
                None => eprintln!(
                    "bot{who} registered for tenant {tenant:?}; its webhook URL is https://<your host>/telegram/webhook/{}",
                    bot.webhook_id
                ),
            }
            Ok(())
        }
        Command::Bot(BotCommand::SetToken {
            webhook,
            bot: token_args,
            db,
        }) => {
            let store = db.open_existing()?;
            let bot = store.bot(&webhook)?.ok_or_else(|| {
                CliError(format!(
                    "no bot has the webhook ID {webhook:?}; `telegram-relay bot list --tenant NAME` shows them"
                ))
            })?;
            let token = token_args.token()?.ok_or_else(|| {
                CliError("give the token with --token-env VAR (the variable holding it)".into())
            })?;
            let (username, sealed) = token_args.check(bot.tenant_id, token, None)?;
            store.set_bot_token(&webhook, sealed, username.clone())?;
            eprintln!(
                "the token of @{username} is stored (sealed); the relay can send its replies"
            );
            Ok(())
        }
        Command::Migrate { from, to, tenant } => {
            let source = DbArg { db: from }.open_existing()?;
            let tenant = tenant.map(|name| tenant_id(&source, &name)).transpose()?;
            let destination = DbArg { db: to }.open()?;
            let report = source.copy_to(&destination, tenant)?;
            println!("{:<22} {:>10}  checksum", "table", "rows");
            for t in &report {
                println!("{:<22} {:>10}  {:032x}", t.table, t.rows, t.checksum);
            }
            let rows: u64 = report.iter().map(|t| t.rows).sum();
            eprintln!(
                "copied {rows} rows in {} tables; each table's rows and checksum read back from \
                 the destination equal the source's, and the copy is committed",
                report.len()
            );
            Ok(())
        }
        Command::ImportDesktop { tenant, db, file } => {
            let store = db.open_existing()?;
            let tenant_id = tenant_id(&store, &tenant)?;
            let report = import_file(&store, tenant_id, &file)?;
            eprintln!(
                "imported {}: {} personal chats ({} other chats skipped), {} contacts, {} messages ({} new)",
                file.display(),
                report.chats,
                report.chats_skipped,
                report.contacts,
                report.messages,
                report.messages_new
            );
            Ok(())
        }
        Command::Quarantine(QuarantineCommand::List { tenant, db }) => {
            let store = db.open_existing()?;
            let tenant_id = tenant
                .as_deref()
                .map(|t| tenant_id(&store, t))
                .transpose()?;
            let items = store.quarantine(tenant_id)?;
            for q in &items {
                let update = q.update_id.map_or("-".to_owned(), |u| u.to_string());
                println!(
                    "#{} tenant={} webhook={} update_id={} received_at={}\n  reason: {}\n  body: {}",
                    q.id, q.tenant, q.webhook_id, update, q.received_at, q.reason, q.body
                );
            }
            eprintln!("{} quarantined update(s)", items.len());
            Ok(())
        }
        Command::Demo(args) => {
            init_logs(args.log_format);
            let config = Config {
                allowed_origins: origins(&args.allow_origins)?,
                ..Config::default()
            };
            let DbAddress::Sqlite(path) = db_address(&args.db)? else {
                return Err(CliError(
                    "the demo runs on a SQLite file it recreates: give --db a path".into(),
                ));
            };
            let store = crate::demo::create(path, now())?;
            tracing::info!(db = %args.db.display(), token = "demo-install-token", "demo tenant ready (demo-only public token)");
            // The demo's key lives only in this process: its database is recreated every run.
            let key =
                secret::Key::from_hex(&secret::generate(), "the demo key").map_err(CliError)?;
            if let Some(url) = &args.zendesk_url {
                crate::demo::connect_zendesk(&store, &key, url)?;
                tracing::info!(zendesk = %url, "demo tenant connected to the Zendesk double");
            }
            if args.telegram_api_url.is_some() {
                crate::demo::give_bot_token(&store, &key)?;
            }
            serve(
                Arc::new(store),
                config,
                args.listen,
                server::Limits::default(),
                Some(key),
                crm::sync::Options::default(),
                args.telegram_api_url
                    .unwrap_or_else(|| crate::telegram::client::TELEGRAM_API.to_owned()),
            )
        }
    }
}

/// Reads and imports an export file; nothing is stored when the file is not a valid export.
/// Events stored per transaction by an import: small enough that a webhook waits at most one
/// chunk's commit (a few milliseconds) behind the import.
pub const IMPORT_CHUNK: usize = 500;

/// Imports a Telegram Desktop export without holding it in memory: a first pass reads and checks
/// the whole file (a bad file stores nothing), a second stores its events in transactions of
/// [`IMPORT_CHUNK`]. An import cut short (a crash, a full disk) keeps what it committed, and
/// running it again finishes it without storing anything twice.
pub fn import_file(
    store: &dyn Storage,
    tenant: TenantId,
    file: &Path,
) -> Result<crate::store::ImportReport, CliError> {
    let open = || {
        std::fs::File::open(file).map_err(|e| {
            CliError(format!(
                "cannot read {}: {e}; pass the path of the export's result.json; nothing was \
                 imported",
                file.display()
            ))
        })
    };
    let (_, plan) = desktop::stream_export(open()?, &desktop::Plan::default(), &mut |_| Ok(()))
        .map_err(|e| CliError(format!("{}: {e}; nothing was imported", file.display())))?;
    let now = now();
    let mut chunk = Vec::with_capacity(IMPORT_CHUNK);
    let mut messages_new = 0;
    let mut stored_messages = 0;
    let mut failure: Option<StoreError> = None;
    let mut flush = |chunk: &mut Vec<crate::telegram::Event>| -> Result<(), StoreError> {
        let messages = chunk
            .iter()
            .filter(|e| matches!(e, crate::telegram::Event::Message(_)))
            .count();
        let started = std::time::Instant::now();
        messages_new += store.import_events(tenant, std::mem::take(chunk), now)?;
        stored_messages += messages;
        // The import usually runs beside a serving relay, another process waiting for the same
        // database lock: leave it as long as the chunk took, so its webhooks get their turn
        // (SQLite's lock is not fair, and a writer that commits back to back starves the other).
        std::thread::sleep(started.elapsed().min(Duration::from_millis(50)));
        Ok(())
    };
    let read = desktop::stream_export(open()?, &plan, &mut |event| {
        chunk.push(event);
        if chunk.len() >= IMPORT_CHUNK {
            flush(&mut chunk).map_err(|e| failure = Some(e))?;
        }
        Ok(())
    });
    let counts = match (read, failure) {
        (Ok((counts, _)), None) => {
            if let Err(e) = flush(&mut chunk) {
                return Err(cut_short(file, stored_messages, e));
            }
            counts
        }
        (_, Some(e)) => return Err(cut_short(file, stored_messages, e)),
        // The file changed between the passes.
        (Err(e), None) => {
            return Err(CliError(format!(
                "{}: {e}; it changed while it was being imported ({stored_messages} messages \
                 were stored): run the same import again on a copy that does not change",
                file.display()
            )));
        }
    };
    Ok(crate::store::ImportReport {
        chats: counts.chats,
        chats_skipped: counts.chats_skipped,
        contacts: counts.contacts,
        messages: counts.messages,
        messages_new,
    })
}

fn cut_short(file: &Path, stored: usize, e: StoreError) -> CliError {
    CliError(format!(
        "{}: the import stopped after storing {stored} messages ({e}); run the same import \
         again to finish it: nothing already stored is stored twice",
        file.display()
    ))
}

fn tenant_id(store: &dyn Storage, name: &str) -> Result<TenantId, CliError> {
    store.tenant_by_name(name)?.ok_or_else(|| {
        CliError(format!(
            "no tenant named {name:?}; create it with `telegram-relay tenant create {name}`"
        ))
    })
}

fn origins(list: &[String]) -> Result<Vec<HeaderValue>, CliError> {
    list.iter()
        .filter(|o| !o.trim().is_empty())
        .map(|o| {
            let o = o.trim().trim_end_matches('/');
            let valid = (o.starts_with("http://") || o.starts_with("https://"))
                && !o["https://".len().min(o.len())..].contains('/');
            if !valid {
                return Err(CliError(format!(
                    "--allow-origin {o:?} is not an origin; write it as scheme://host[:port], e.g. http://localhost:8789"
                )));
            }
            HeaderValue::from_str(o).map_err(|_| CliError(format!("--allow-origin {o:?} has invalid characters")))
        })
        .collect()
}

fn init_logs(format: LogFormat) {
    use std::io::IsTerminal;
    // The PostgreSQL driver logs every statement's parameters (message texts, tokens' hashes) at
    // debug: it stays at info whatever RUST_LOG asks.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=warn"))
        .add_directive("tokio_postgres=info".parse().expect("a valid directive"))
        .add_directive("postgres=info".parse().expect("a valid directive"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// The key `serve` syncs with: required when a tenant is connected to a CRM, and it must open
/// the stored credentials (a wrong key is named at start, not at the first message).
fn sync_key(store: &dyn Storage, file: Option<&Path>) -> Result<Option<secret::Key>, CliError> {
    let key = secret::Key::load(file).map_err(CliError)?;
    let connections = store.crm_connections()?;
    match &key {
        None if !connections.is_empty() => {
            return Err(CliError(format!(
                "{} tenant(s) are connected to a CRM, and syncing their credentials needs the \
                 relay's key; {}",
                connections.len(),
                secret::HOW
            )));
        }
        Some(key) => {
            for (c, _) in &connections {
                key.open(c.tenant, &c.sealed_token).map_err(CliError)?;
            }
        }
        None => tracing::info!("no key given (--key-file): CRM sync is off"),
    }
    Ok(key)
}

fn serve(
    store: Arc<dyn Storage>,
    config: Config,
    listen: SocketAddr,
    limits: server::Limits,
    key: Option<secret::Key>,
    sync: crm::sync::Options,
    telegram_api: String,
) -> Result<(), CliError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| {
            CliError(format!(
                "cannot listen on {listen}: {e}; is another relay running there? use --listen"
            ))
        })?;
        let addr = listener.local_addr().map_err(|e| CliError(e.to_string()))?;
        tracing::info!(%addr, "listening");
        let key = key.map(Arc::new);
        let mut state = AppState::new(store.clone(), config);
        if let Some(key) = &key {
            state = state.with_sending(key.clone(), telegram_api);
        }
        let stop = Arc::new(tokio::sync::Notify::new());
        let worker = key.map(|key| {
            let stop = stop.clone();
            tokio::spawn(crm::sync::run(
                store.clone(),
                key,
                state.sync_wake(),
                sync,
                async move { stop.notified().await },
            ))
        });
        server::serve(listener, app(state), limits, shutdown_signal()).await;
        stop.notify_one();
        if let Some(worker) = worker {
            // A job in flight finishes (its commit or its lease decides); at most one request.
            let _ = tokio::time::timeout(Duration::from_secs(25), worker).await;
        }
        Ok::<(), CliError>(())
    })?;
    drop(runtime);
    store.close();
    tracing::info!("stopped; every acknowledged update is committed");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutdown requested; finishing requests in flight");
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError(format!("cannot start the async runtime: {e}")))
}

fn crm_command(command: CrmCommand) -> Result<(), CliError> {
    match command {
        CrmCommand::Connect {
            kind: CrmKind::Zendesk,
            tenant,
            url,
            email,
            oauth,
            field,
            username_field,
            create,
            rate,
            key,
            db,
        } => {
            // Read from the environment only: a flag would show in `ps` and shell history.
            let token = std::env::var("TELEGRAM_RELAY_ZENDESK_TOKEN").ok();
            let auth = match (oauth, email) {
                (true, _) => crm::Auth::OAuth,
                (false, Some(email)) if email.contains('@') => crm::Auth::ApiToken { email },
                (false, Some(email)) => {
                    return Err(CliError(format!(
                        "--email {email:?} is not an email address; pass the sign-in email of \
                         the admin or agent whose API token this is"
                    )));
                }
                (false, None) => {
                    return Err(CliError(
                        "--email is needed with an API token (the admin or agent it belongs \
                         to); or pass --oauth when TELEGRAM_RELAY_ZENDESK_TOKEN holds an OAuth \
                         access token"
                            .into(),
                    ));
                }
            };
            let token = token.filter(|t| !t.trim().is_empty()).ok_or_else(|| {
                CliError(
                    "put the Zendesk API token in TELEGRAM_RELAY_ZENDESK_TOKEN (Admin Center → \
                     Apps and integrations → Zendesk API → Add API token)"
                        .into(),
                )
            })?;
            let token = secret::Secret::new(token.trim().to_owned());
            if rate == 0 {
                return Err(CliError(
                    "--rate must be at least 1 request per minute (Zendesk plans allow 200 to 2,500)"
                        .into(),
                ));
            }
            let key = secret::Key::require(key.key_file.as_deref(), "storing CRM credentials")
                .map_err(CliError)?;
            let store = db.open_existing()?;
            let tenant_id = tenant_id(&store, &tenant)?;
            let url = crm::zendesk::check_url(&url)
                .map_err(CliError)?
                .as_str()
                .trim_end_matches('/')
                .to_owned();
            let connection = crm::Connection {
                tenant: tenant_id,
                url,
                auth,
                sealed_token: key.seal(tenant_id, &token),
                sender_field: field,
                username_field,
                create: create == OnOff::On,
                rate,
            };
            let client = crm::zendesk::Client::new(&connection.url, &connection.auth, &token, rate)
                .map_err(CliError)?;
            let who = runtime()?
                .block_on(crm::admin::check(&client, &connection))
                .map_err(|e| CliError(format!("{e}; nothing was stored")))?;
            store.crm_connect(connection, now())?;
            eprintln!(
                "tenant {tenant:?} is connected as {who}; a running `serve` with the same key \
                 (--key-file) starts syncing at once. `telegram-relay crm status --tenant \
                 {tenant}` shows progress"
            );
            Ok(())
        }
        CrmCommand::Status { tenant, db } => {
            let store = db.open_existing()?;
            let tenant_id = tenant_id(&store, &tenant)?;
            let status = store
                .crm_status(tenant_id)?
                .ok_or_else(|| no_connection(&tenant))?;
            print!("{}", crm::admin::format_status(&tenant, &status, now()));
            Ok(())
        }
        CrmCommand::Retry { tenant, db } => {
            let store = db.open_existing()?;
            let tenant_id = tenant_id(&store, &tenant)?;
            store
                .crm_status(tenant_id)?
                .ok_or_else(|| no_connection(&tenant))?;
            let n = store.crm_retry(tenant_id, now() * 1000)?;
            eprintln!("{n} dead letter(s) of tenant {tenant:?} queued again");
            Ok(())
        }
        CrmCommand::Disconnect { tenant, db } => {
            let store = db.open_existing()?;
            let tenant_id = tenant_id(&store, &tenant)?;
            store.crm_set_state(tenant_id, crm::State::Disconnected, None, now())?;
            eprintln!(
                "tenant {tenant:?} no longer syncs; nothing in the CRM was deleted. `crm \
                 connect` connects it again"
            );
            Ok(())
        }
        CrmCommand::Backfill {
            tenant,
            dry_run,
            key,
            db,
        } => {
            let store = db.open_existing()?;
            let tenant_id = tenant_id(&store, &tenant)?;
            let status = store
                .crm_status(tenant_id)?
                .ok_or_else(|| no_connection(&tenant))?;
            if status.state == crm::State::Disconnected {
                return Err(no_connection(&tenant));
            }
            let plan = store.crm_backfill_plan(tenant_id)?;
            let c = status.connection;
            // Two or three requests a sender (search, create), at the connection's rate.
            let minutes = |n: u64| (n * 2).div_ceil(u64::from(c.rate.max(1)));
            if !dry_run {
                let n = plan.candidates.len() as u64;
                let queued = store.crm_enqueue(tenant_id, plan.candidates, now())?;
                println!(
                    "queued {queued} sender(s) ({} were queued already); skipped {} already \
                     linked, {} unlinked by an agent, {} deleted accounts or business owners",
                    n - queued as u64,
                    plan.linked,
                    plan.unlinked,
                    plan.ineligible
                );
                eprintln!(
                    "`serve` syncs them at {} requests/min: about {} min; `crm status --tenant \
                     {tenant}` shows progress",
                    c.rate,
                    minutes(n)
                );
                return Ok(());
            }
            let key = secret::Key::require(key.key_file.as_deref(), "a dry run (it reads the CRM)")
                .map_err(CliError)?;
            let token = key.open(tenant_id, &c.sealed_token).map_err(CliError)?;
            let client =
                crm::zendesk::Client::new(&c.url, &c.auth, &token, c.rate).map_err(CliError)?;
            let counts = runtime()?
                .block_on(crm::admin::dry_run(&client, &c, &plan))
                .map_err(CliError)?;
            println!(
                "would link {} existing, create {}, skip {}",
                counts.link, counts.create, counts.skip
            );
            eprintln!(
                "skipped: {} already linked, {} unlinked by an agent, {} deleted accounts or \
                 business owners, {} that no contact holds (--create off). Nothing was written; \
                 the real run takes about {} min at {} requests/min",
                plan.linked,
                plan.unlinked,
                plan.ineligible,
                counts.not_found,
                minutes(counts.link + counts.create),
                c.rate
            );
            Ok(())
        }
    }
}

fn no_connection(tenant: &str) -> CliError {
    CliError(format!(
        "tenant {tenant:?} has no CRM connection; make one with `telegram-relay crm connect \
         zendesk --tenant {tenant} --url https://SUBDOMAIN.zendesk.com --email EMAIL`"
    ))
}
