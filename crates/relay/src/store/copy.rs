//! Copying a relay's data from one database to another (`telegram-relay migrate`): every table,
//! or one tenant's rows, with their IDs, in one transaction of the destination read from one
//! snapshot of the source. Each table is verified after it is written: its row count and a
//! checksum of its rows read back from the destination must equal the source's, or nothing is
//! committed.
//!
//! The checksum of a table is the sum, modulo 2¹²⁸, of the first 128 bits of the SHA-256 of each
//! row's values (a flag counts as the integer 0 or 1, as SQLite stores it). A sum does not depend
//! on the order rows are read in, so the two databases' collations cannot disagree about it.

use sha2::{Digest, Sha256};

use super::sql::{Backend, Cell, Conn, Param, Row};
use super::{StoreError, TenantId};

/// How a column is typed.
#[derive(Clone, Copy)]
enum Kind {
    /// `INTEGER` / `BIGINT`.
    Int,
    /// A flag: `INTEGER` 0/1 on SQLite, `BOOLEAN` on PostgreSQL.
    Flag,
    /// `TEXT`.
    Text,
    /// `BLOB` / `BYTEA`.
    Bytes,
}

use Kind::{Bytes, Flag, Int, Text};

/// A table the copy carries, its columns, and which of its rows belong to tenant `?1`.
struct Table {
    name: &'static str,
    columns: &'static [(&'static str, Kind)],
    of_tenant: &'static str,
    /// Its `id` is an identity column (PostgreSQL's sequence must move past the copied IDs).
    identity: bool,
}

const TENANT_ID: &str = "tenant_id = ?1";

/// In the order foreign keys need.
const TABLES: &[Table] = &[
    Table {
        name: "tenants",
        columns: &[
            ("id", Int),
            ("name", Text),
            ("token_hash", Bytes),
            ("created_at", Int),
            ("revoked_at", Int),
        ],
        of_tenant: "id = ?1",
        identity: true,
    },
    Table {
        name: "bots",
        columns: &[
            ("webhook_id", Text),
            ("tenant_id", Int),
            ("secret_hash", Bytes),
            ("created_at", Int),
            ("token", Bytes),
            ("username", Text),
        ],
        of_tenant: TENANT_ID,
        identity: false,
    },
    Table {
        name: "seen_updates",
        columns: &[("webhook_id", Text), ("update_id", Int)],
        of_tenant: "webhook_id IN (SELECT webhook_id FROM bots WHERE tenant_id = ?1)",
        identity: false,
    },
    Table {
        name: "quarantine",
        columns: &[
            ("id", Int),
            ("tenant_id", Int),
            ("webhook_id", Text),
            ("update_id", Int),
            ("received_at", Int),
            ("reason", Text),
            ("body", Text),
        ],
        of_tenant: TENANT_ID,
        identity: true,
    },
    Table {
        name: "business_connections",
        columns: &[
            ("tenant_id", Int),
            ("id", Text),
            ("owner_id", Int),
            ("enabled", Flag),
            ("updated_at", Int),
            ("webhook_id", Text),
        ],
        of_tenant: TENANT_ID,
        identity: false,
    },
    Table {
        name: "people",
        columns: &[
            ("tenant_id", Int),
            ("sender_id", Int),
            ("first_name", Text),
            ("last_name", Text),
            ("username", Text),
            ("phone", Text),
            ("phone_source", Text),
            ("deleted", Flag),
            ("first_seen", Int),
            ("last_seen", Int),
            ("profile_at", Int),
            ("message_count", Int),
            ("rev", Int),
            ("search_key", Text),
        ],
        of_tenant: TENANT_ID,
        identity: false,
    },
    Table {
        name: "profile_changes",
        columns: &[
            ("id", Int),
            ("tenant_id", Int),
            ("sender_id", Int),
            ("field", Text),
            ("old_value", Text),
            ("new_value", Text),
            ("valid_until", Int),
        ],
        of_tenant: TENANT_ID,
        identity: true,
    },
    Table {
        name: "messages",
        columns: &[
            ("id", Int),
            ("tenant_id", Int),
            ("space", Text),
            ("chat_id", Int),
            ("tg_id", Int),
            ("person", Int),
            ("direction", Text),
            ("sent_at", Int),
            ("text", Text),
            ("entities", Text),
            ("media", Text),
            ("reply_to", Int),
            ("reply_text", Text),
            ("edited_at", Int),
            ("deleted_at", Int),
            ("rev", Int),
        ],
        of_tenant: TENANT_ID,
        identity: true,
    },
    Table {
        name: "message_versions",
        columns: &[("message_id", Int), ("text", Text), ("valid_until", Int)],
        of_tenant: "message_id IN (SELECT id FROM messages WHERE tenant_id = ?1)",
        identity: false,
    },
    Table {
        name: "pending_deletions",
        columns: &[
            ("tenant_id", Int),
            ("space", Text),
            ("chat_id", Int),
            ("tg_id", Int),
            ("deleted_at", Int),
        ],
        of_tenant: TENANT_ID,
        identity: false,
    },
    Table {
        name: "link_events",
        columns: &[
            ("id", Int),
            ("tenant_id", Int),
            ("recorded_at", Int),
            ("action", Text),
            ("contact_id", Text),
            ("old_value", Text),
            ("new_value", Text),
            ("old_sender", Int),
            ("new_sender", Int),
            ("actor", Text),
            ("batch_id", Text),
            ("undoes", Text),
            ("reason", Text),
        ],
        of_tenant: TENANT_ID,
        identity: true,
    },
    Table {
        name: "plugin_documents",
        columns: &[
            ("tenant_id", Int),
            ("key", Text),
            ("body", Text),
            ("updated_at", Int),
        ],
        of_tenant: TENANT_ID,
        identity: false,
    },
    Table {
        name: "crm_connections",
        columns: &[
            ("tenant_id", Int),
            ("kind", Text),
            ("url", Text),
            ("email", Text),
            ("secret", Bytes),
            ("sender_field", Text),
            ("username_field", Text),
            ("create_contacts", Flag),
            ("rate", Int),
            ("state", Text),
            ("last_error", Text),
            ("last_error_at", Int),
            ("connected_at", Int),
            ("created", Int),
            ("linked", Int),
            ("updated", Int),
            ("skipped", Int),
        ],
        of_tenant: TENANT_ID,
        identity: false,
    },
    Table {
        name: "crm_outbox",
        columns: &[
            ("tenant_id", Int),
            ("sender_id", Int),
            ("generation", Int),
            ("enqueued_at", Int),
            ("due_at", Int),
            ("lease_until", Int),
            ("claims", Int),
            ("failures", Int),
            ("last_error", Text),
            ("dead_at", Int),
            ("rejections", Int),
        ],
        of_tenant: TENANT_ID,
        identity: false,
    },
    Table {
        name: "crm_synced",
        columns: &[
            ("tenant_id", Int),
            ("sender_id", Int),
            ("contact_id", Text),
            ("username", Text),
            ("written_at", Int),
        ],
        of_tenant: TENANT_ID,
        identity: false,
    },
    Table {
        name: "replies",
        columns: &[
            ("tenant_id", Int),
            ("client_id", Text),
            ("sender_id", Int),
            ("text", Text),
            ("reply_to", Int),
            ("agent", Text),
            ("state", Text),
            ("message_id", Int),
            ("error", Text),
            ("created_at", Int),
            ("updated_at", Int),
        ],
        of_tenant: TENANT_ID,
        identity: false,
    },
];

fn read_row(table: &Table, r: &Row<'_>) -> Result<Vec<Cell>, StoreError> {
    table
        .columns
        .iter()
        .enumerate()
        .map(|(i, (_, kind))| {
            Ok(match kind {
                Int => Cell::Int(r.get(i)?),
                Flag => Cell::Flag(r.get(i)?),
                Text => Cell::Text(r.get(i)?),
                Bytes => Cell::Bytes(r.get(i)?),
            })
        })
        .collect()
}

/// The first 128 bits of the SHA-256 of a row's values, each tagged with its type and length.
fn row_hash(row: &[Cell]) -> u128 {
    let mut hash = Sha256::new();
    for cell in row {
        match cell {
            Cell::Int(None) | Cell::Flag(None) | Cell::Text(None) | Cell::Bytes(None) => {
                hash.update([0]);
            }
            Cell::Int(Some(v)) => {
                hash.update([1]);
                hash.update(v.to_le_bytes());
            }
            Cell::Flag(Some(v)) => {
                hash.update([1]);
                hash.update(i64::from(*v).to_le_bytes());
            }
            Cell::Text(Some(v)) => {
                hash.update([2]);
                hash.update((v.len() as u64).to_le_bytes());
                hash.update(v.as_bytes());
            }
            Cell::Bytes(Some(v)) => {
                hash.update([3]);
                hash.update((v.len() as u64).to_le_bytes());
                hash.update(v);
            }
        }
    }
    let digest = hash.finalize();
    u128::from_le_bytes(digest[..16].try_into().expect("SHA-256 has 32 bytes"))
}

/// What was copied of one table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableCopy {
    /// The table.
    pub table: &'static str,
    /// Rows copied.
    pub rows: u64,
    /// The checksum both databases gave (see the module documentation).
    pub checksum: u128,
}

fn select(table: &Table, tenant: Option<TenantId>) -> String {
    let columns: Vec<&str> = table.columns.iter().map(|(c, _)| *c).collect();
    let filter = match tenant {
        Some(_) => format!(" WHERE {}", table.of_tenant),
        None => String::new(),
    };
    format!("SELECT {} FROM {}{filter}", columns.join(", "), table.name)
}

/// Rows and checksum of `table` (of `tenant`) in `conn`.
fn summarise(
    conn: &Conn<'_>,
    table: &Table,
    tenant: Option<TenantId>,
) -> Result<(u64, u128), StoreError> {
    let id = tenant.map(|t| t.0);
    let params: Vec<&dyn Param> = id.iter().map(|t| t as &dyn Param).collect();
    let (mut rows, mut sum) = (0u64, 0u128);
    conn.for_each(&select(table, tenant), &params, |r| {
        rows += 1;
        sum = sum.wrapping_add(row_hash(&read_row(table, r)?));
        Ok(())
    })?;
    Ok((rows, sum))
}

/// Copies every table (or `tenant`'s rows) from `from` to `to`, both inside transactions the
/// caller began, verifying each table; the caller commits `to` only on `Ok`. The destination must
/// hold no tenant yet: the rows keep their IDs.
pub(super) fn copy(
    from: &Conn<'_>,
    to: &Conn<'_>,
    tenant: Option<TenantId>,
) -> Result<Vec<TableCopy>, StoreError> {
    let source: i64 = from.query_one("SELECT count(*) FROM tenants", &[], |r| r.get(0))?;
    if source == 0 {
        return Err(StoreError::NotFound(
            "the source holds no tenant: nothing to copy (check --from)".into(),
        ));
    }
    let existing: i64 = to.query_one("SELECT count(*) FROM tenants", &[], |r| r.get(0))?;
    if existing > 0 {
        return Err(StoreError::Conflict(format!(
            "the destination already holds {existing} tenant(s); migrate into a new, empty \
             database (rows keep their IDs, so they cannot be merged into another relay's)"
        )));
    }
    let mut report = Vec::new();
    for table in TABLES {
        let columns: Vec<&str> = table.columns.iter().map(|(c, _)| *c).collect();
        let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
        let insert = format!(
            "INSERT INTO {} ({}) VALUES ({})",
            table.name,
            columns.join(", "),
            placeholders.join(", ")
        );
        let id = tenant.map(|t| t.0);
        let params: Vec<&dyn Param> = id.iter().map(|t| t as &dyn Param).collect();
        let (mut rows, mut sum) = (0u64, 0u128);
        from.for_each(&select(table, tenant), &params, |r| {
            let row = read_row(table, r)?;
            rows += 1;
            sum = sum.wrapping_add(row_hash(&row));
            let values: Vec<&dyn Param> = row.iter().map(|c| c as &dyn Param).collect();
            to.execute(&insert, &values)?;
            Ok(())
        })?;
        let written = summarise(to, table, tenant)?;
        if written != (rows, sum) {
            return Err(StoreError::Unusable(format!(
                "{}: the destination holds {} rows with checksum {:032x} after copying {rows} \
                 rows with checksum {sum:032x}; nothing was committed",
                table.name, written.0, written.1
            )));
        }
        if table.identity && to.backend() == Backend::Postgres {
            // The next row this database numbers itself comes after the copied ones.
            to.query_one(
                &format!(
                    "SELECT setval(pg_get_serial_sequence('{0}', 'id'), \
                     coalesce(max(id), 0) + 1, false) FROM {0}",
                    table.name
                ),
                &[],
                |_| Ok(()),
            )?;
        }
        report.push(TableCopy {
            table: table.name,
            rows,
            checksum: sum,
        });
    }
    // Revisions go on from the source's: a client's polling cursor stays valid.
    let rev: i64 = from.query_one("SELECT value FROM counters WHERE name = 'rev'", &[], |r| {
        r.get(0)
    })?;
    to.execute(
        "UPDATE counters SET value = max(value, ?1) WHERE name = 'rev'",
        &[&rev],
    )?;
    Ok(report)
}
