//! The demo tenant: a fresh database whose people and conversations arrive through the real ingest
//! code — Bot API updates replayed through [`crate::api::webhook::prepare`] and
//! [`Storage::ingest_update`], and a Telegram Desktop export through
//! [`crate::telegram::desktop::parse_export`] and [`Storage::import_desktop`], exactly as the webhook
//! and `import-desktop` do.
//!
//! The install token is the public, demo-only [`DEMO_TOKEN`]. The hand-made people and their sender
//! IDs are the demo contract shared with the plugin (7100000001 … 7100000006); beside them, the
//! generated crowd (`telegram_identity::testdata::demo_crowd`, about 2,000 people) whose CRM side
//! the Zendesk double holds, so bulk linking has real work. The demo is the one place that
//! reads the clock to place data: the conversations end shortly before `now`.

mod script;

use std::path::Path;

use crate::cli::CliError;
use crate::store::{Bot, Database, IngestOutcome, Storage};
use crate::{api, auth};

/// The demo tenant's install token. Public: never use the demo database for real data.
pub const DEMO_TOKEN: &str = "demo-install-token";

/// The demo tenant's name.
pub const DEMO_TENANT: &str = "demo";

/// The demo bot's webhook ID and secret token (for trying the webhook by hand).
pub const DEMO_WEBHOOK_ID: &str = "demo";
/// See [`DEMO_WEBHOOK_ID`].
pub const DEMO_WEBHOOK_SECRET: &str = "demo-webhook-secret";

/// Deletes `db` (and its WAL files), creates the demo tenant in a new database there and fills it.
/// Refuses to delete a file that is not a demo database, so that `demo --db` with a real
/// database's path loses nothing.
pub fn create(db: &Path, now: i64) -> Result<Database, CliError> {
    if db.exists() && !is_demo_database(db) {
        return Err(CliError::new(format!(
            "{} is not a demo database (it holds other tenants, or is not a relay database); the \
             demo deletes its --db on every run: pass another --db, or delete the file yourself",
            db.display()
        )));
    }
    for suffix in ["", "-wal", "-shm"] {
        let mut path = db.as_os_str().to_owned();
        path.push(suffix);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(CliError::new(format!(
                    "cannot remove the old demo database {}: {e}",
                    Path::new(&path).display()
                )));
            }
        }
    }
    let store = Database::open_sqlite(db)?;
    fill(&store, now)?;
    Ok(store)
}

/// Whether `db` is a database the demo made: its only tenant is the demo tenant with the demo token.
fn is_demo_database(db: &Path) -> bool {
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY;
    let Ok(conn) = rusqlite::Connection::open_with_flags(db, flags) else {
        return false;
    };
    conn.query_row(
        "SELECT count(*) = 1 AND sum(name = ?1 AND token_hash = ?2) = 1 FROM tenants",
        rusqlite::params![DEMO_TENANT, &auth::hash(DEMO_TOKEN.as_bytes())[..]],
        |r| r.get::<_, bool>(0),
    )
    .unwrap_or(false)
}

/// Creates the demo tenant in `store` and replays the demo data into it.
pub fn fill(store: &dyn Storage, now: i64) -> Result<(), CliError> {
    let tenant = store.create_tenant(DEMO_TENANT, auth::hash(DEMO_TOKEN.as_bytes()), now)?;
    let bot = Bot {
        webhook_id: DEMO_WEBHOOK_ID.into(),
        tenant_id: tenant,
        secret_hash: auth::hash(DEMO_WEBHOOK_SECRET.as_bytes()),
    };
    store.add_bot(&bot, now)?;
    for update in script::updates(now)
        .into_iter()
        .chain(script::crowd_updates(now))
    {
        let body = serde_json::to_vec(&update).expect("JSON values serialise");
        let parsed = api::webhook::prepare(&body)
            .map_err(|e| CliError::new(format!("demo update is not JSON: {e}")))?;
        match store.ingest_update(&bot, parsed, now)? {
            IngestOutcome::Stored => {}
            other => {
                return Err(CliError::new(format!(
                    "demo update {} was not stored ({other:?}); the demo script is wrong",
                    update["update_id"]
                )));
            }
        }
    }
    let export = serde_json::to_vec(&script::desktop_export(now)).expect("JSON values serialise");
    let export = crate::telegram::desktop::parse_export(&export)
        .map_err(|e| CliError::new(format!("the demo export is invalid: {e}")))?;
    store.import_desktop(tenant, export, now)?;
    Ok(())
}

/// The demo bot's token in the Telegram double (`telegram-double`'s demo bot; public, demo only).
pub const DEMO_BOT_TOKEN: &str = "7000000000:double-telegram_sidebar_demo_bot";

/// Gives the demo bot its token (the Telegram double's demo bot), sealed with this run's `key`,
/// so the agents' replies in the demo go to the double.
pub fn give_bot_token(store: &Database, key: &crate::crm::secret::Key) -> Result<(), CliError> {
    let tenant = store
        .tenant_by_name(DEMO_TENANT)?
        .ok_or_else(|| CliError::new("the demo tenant is missing"))?;
    let sealed = key.seal(
        tenant,
        &crate::crm::secret::Secret::new(DEMO_BOT_TOKEN.into()),
    );
    store.set_bot_token(DEMO_WEBHOOK_ID, sealed, "telegram_sidebar_demo_bot".into())?;
    Ok(())
}

/// The demo Zendesk account's admin and API token (public: `zendesk-double`'s demo seed).
pub const DEMO_ZENDESK_EMAIL: &str = "alex@example.com";
/// See [`DEMO_ZENDESK_EMAIL`].
pub const DEMO_ZENDESK_TOKEN: &str = "demo-zendesk-token";

/// Connects the demo tenant to the Zendesk double at `url` (its demo account and its
/// `senderId` field), sealed with this run's `key`. Not checked against the double
/// here: it may start after the relay; sync retries until it answers.
pub fn connect_zendesk(
    store: &Database,
    key: &crate::crm::secret::Key,
    url: &str,
) -> Result<(), CliError> {
    let url = crate::crm::zendesk::check_url(url).map_err(CliError::new)?;
    let tenant = store
        .tenant_by_name(DEMO_TENANT)?
        .ok_or_else(|| CliError::new("the demo tenant is missing"))?;
    let token = crate::crm::secret::Secret::new(DEMO_ZENDESK_TOKEN.into());
    store.crm_connect(
        crate::crm::Connection {
            tenant,
            url: url.as_str().trim_end_matches('/').to_owned(),
            auth: crate::crm::Auth::ApiToken {
                email: DEMO_ZENDESK_EMAIL.into(),
            },
            sealed_token: key.seal(tenant, &token),
            sender_field: "senderId".into(),
            username_field: Some("telegramUsername".into()),
            create: true,
            rate: 300,
        },
        crate::now(),
    )?;
    Ok(())
}
