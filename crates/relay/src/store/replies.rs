//! The SQL of replies from the sidebar (migration 7): bot tokens, the route of a reply, and the
//! `replies` rows that make sending idempotent and at most once (see `crate::reply`).

use rusqlite::{Connection, OptionalExtension, params};
use telegram_relay_api::{Direction, Message};

use super::{StoreError, TenantId, apply, read};
use crate::reply::{BUSINESS_WINDOW, Begin, Closed, Draft, Finish, Route};
use crate::telegram::{Event, NewMessage, Space};

/// Stores a bot's sealed token and its @username.
pub fn set_token(
    conn: &Connection,
    webhook_id: &str,
    sealed: &[u8],
    username: &str,
) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached("UPDATE bots SET token = ?2, username = ?3 WHERE webhook_id = ?1")?
        .execute(params![webhook_id, sealed, username])?
        > 0)
}

/// Where a reply to `draft.sender` goes now, or why it cannot.
fn route(
    conn: &Connection,
    tenant: TenantId,
    draft: &Draft,
    now: i64,
) -> Result<Result<Route, Closed>, StoreError> {
    let last: Option<(String, i64, i64)> = conn
        .prepare_cached(
            "SELECT space, chat_id, sent_at FROM messages
              WHERE tenant_id = ?1 AND person = ?2 AND direction = 'in'
                AND space NOT LIKE 'desktop:%'
              ORDER BY sent_at DESC, id DESC LIMIT 1",
        )?
        .query_row(params![tenant, draft.sender.get() as i64], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    let Some((space, chat_id, sent_at)) = last else {
        return Ok(Err(Closed::NoConversation));
    };
    let (space, webhook_id) = match space.split_once(':') {
        Some(("bc", id)) => {
            let connection: Option<(bool, Option<String>)> = conn
                .prepare_cached(
                    "SELECT enabled, webhook_id FROM business_connections
                      WHERE tenant_id = ?1 AND id = ?2",
                )?
                .query_row(params![tenant, id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            let Some((true, webhook)) = connection else {
                return Ok(Err(Closed::ConnectionDisabled));
            };
            if now - sent_at > BUSINESS_WINDOW {
                return Ok(Err(Closed::WindowClosed(sent_at)));
            }
            // A connection from before migration 7 does not say which bot received it: the
            // tenant's bot with a token, when there is exactly one.
            let webhook = match webhook {
                Some(w) => w,
                None => {
                    let with_token: Vec<String> = conn
                        .prepare_cached(
                            "SELECT webhook_id FROM bots WHERE tenant_id = ?1 AND token IS NOT NULL",
                        )?
                        .query_map([tenant], |r| r.get(0))?
                        .collect::<Result<_, _>>()?;
                    match <[String; 1]>::try_from(with_token) {
                        Ok([w]) => w,
                        Err(_) => return Ok(Err(Closed::ConnectionDisabled)),
                    }
                }
            };
            (Space::Business(id.to_owned()), webhook)
        }
        Some(("bot", webhook)) => (Space::Bot, webhook.to_owned()),
        _ => return Ok(Err(Closed::NoConversation)),
    };
    let token: Option<Option<Vec<u8>>> = conn
        .prepare_cached("SELECT token FROM bots WHERE webhook_id = ?1 AND tenant_id = ?2")?
        .query_row(params![webhook_id, tenant], |r| r.get(0))
        .optional()?;
    match token.flatten() {
        Some(sealed_token) => Ok(Ok(Route {
            webhook_id,
            sealed_token,
            space,
            chat_id,
        })),
        None => Ok(Err(Closed::NoToken(webhook_id))),
    }
}

/// Records a reply as `sending` and answers its route; or what was recorded before under its
/// client ID.
pub fn begin(
    conn: &Connection,
    tenant: TenantId,
    draft: &Draft,
    now: i64,
) -> Result<Begin, StoreError> {
    let existing: Option<(i64, String, String, Option<i64>)> = conn
        .prepare_cached(
            "SELECT sender_id, text, state, message_id FROM replies
              WHERE tenant_id = ?1 AND client_id = ?2",
        )?
        .query_row(params![tenant, draft.client_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    if let Some((sender, text, state, message)) = &existing {
        if *sender != draft.sender.get() as i64 || *text != draft.text {
            return Ok(Begin::Reused);
        }
        match (state.as_str(), message) {
            ("sent", Some(row)) => {
                if let Some(m) = read::message_by_row(conn, tenant, *row)? {
                    return Ok(Begin::Sent(Box::new(m)));
                }
                // The message was removed since (a tenant's data wiped): nothing to send again.
                return Ok(Begin::InFlight);
            }
            ("sending", _) | ("sent", None) => return Ok(Begin::InFlight),
            _ => {} // failed: nothing was sent, so it may be tried again
        }
    }
    let route = match route(conn, tenant, draft, now)? {
        Ok(route) => route,
        Err(closed) => return Ok(Begin::Closed(closed)),
    };
    conn.prepare_cached(
        "INSERT INTO replies (tenant_id, client_id, sender_id, text, reply_to, agent, state,
                              created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'sending', ?7, ?7)
         ON CONFLICT (tenant_id, client_id) DO UPDATE SET state = 'sending', error = NULL,
           agent = excluded.agent, updated_at = excluded.updated_at",
    )?
    .execute(params![
        tenant,
        draft.client_id,
        draft.sender.get() as i64,
        draft.text,
        draft.reply_to,
        draft.agent,
        now
    ])?;
    Ok(Begin::Send(route))
}

/// Records how a send ended; for a sent reply, stores it as an outgoing message (Telegram's
/// later echo of a business message finds it by its Telegram ID) and answers it.
pub fn finish(
    conn: &Connection,
    tenant: TenantId,
    draft: &Draft,
    outcome: Finish,
    now: i64,
) -> Result<Option<Message>, StoreError> {
    match outcome {
        Finish::Failed(error) => {
            conn.prepare_cached(
                "UPDATE replies SET state = 'failed', error = ?3, updated_at = ?4
                  WHERE tenant_id = ?1 AND client_id = ?2",
            )?
            .execute(params![tenant, draft.client_id, error, now])?;
            Ok(None)
        }
        Finish::Sent {
            route,
            telegram_id,
            date,
        } => {
            let message = NewMessage {
                space: route.space.clone(),
                chat_id: route.chat_id,
                message_id: telegram_id,
                person: Some(draft.sender),
                direction: Direction::Out,
                sent_at: date,
                text: draft.text.clone(),
                entities: Vec::new(),
                media: None,
                reply_to: draft.reply_to.map(|id| (id, None)),
                edited_at: None,
                from_bot: false,
            };
            apply::event(
                conn,
                tenant,
                Some(&route.webhook_id),
                &Event::Message(message),
                now,
            )?;
            let row: i64 = conn
                .prepare_cached(
                    "SELECT id FROM messages
                      WHERE tenant_id = ?1 AND space = ?2 AND chat_id = ?3 AND tg_id = ?4",
                )?
                .query_row(
                    params![
                        tenant,
                        apply::space_key(&route.space, Some(&route.webhook_id)),
                        route.chat_id,
                        telegram_id
                    ],
                    |r| r.get(0),
                )?;
            conn.prepare_cached(
                "UPDATE replies SET state = 'sent', message_id = ?3, updated_at = ?4
                  WHERE tenant_id = ?1 AND client_id = ?2",
            )?
            .execute(params![tenant, draft.client_id, row, now])?;
            read::message_by_row(conn, tenant, row)
        }
    }
}
