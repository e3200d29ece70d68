//! The SQL of replies from the sidebar (migration 7): bot tokens, the route of a reply, and the
//! `replies` rows that make sending idempotent and at most once (see `crate::reply`).

use telegram_relay_api::{Direction, Message};

use super::sql::Conn;
use super::{StoreError, TenantId, apply, read};
use crate::reply::{BUSINESS_WINDOW, Begin, Closed, Draft, Finish, Route};
use crate::telegram::{Event, NewMessage, Space};

/// Stores a bot's sealed token and its @username.
pub fn set_token(
    conn: &Conn<'_>,
    webhook_id: &str,
    sealed: &[u8],
    username: &str,
) -> Result<bool, StoreError> {
    let n = conn.execute(
        "UPDATE bots SET token = ?2, username = ?3 WHERE webhook_id = ?1",
        &[&webhook_id, &sealed, &username],
    )?;
    Ok(n > 0)
}

/// Where a reply to `draft.sender` goes now, or why it cannot.
fn route(
    conn: &Conn<'_>,
    tenant: TenantId,
    draft: &Draft,
    now: i64,
) -> Result<Result<Route, Closed>, StoreError> {
    let last: Option<(String, i64, i64)> = conn.query_opt(
        "SELECT space, chat_id, sent_at FROM messages
          WHERE tenant_id = ?1 AND person = ?2 AND direction = 'in'
            AND space NOT LIKE 'desktop:%'
          ORDER BY sent_at DESC, id DESC LIMIT 1",
        &[&tenant, &(draft.sender.get() as i64)],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let Some((space, chat_id, sent_at)) = last else {
        return Ok(Err(Closed::NoConversation));
    };
    let (space, webhook_id) = match space.split_once(':') {
        Some(("bc", id)) => {
            let connection: Option<(bool, Option<String>)> = conn.query_opt(
                "SELECT enabled, webhook_id FROM business_connections
                  WHERE tenant_id = ?1 AND id = ?2",
                &[&tenant, &id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
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
                    let with_token: Vec<String> = conn.query(
                        "SELECT webhook_id FROM bots WHERE tenant_id = ?1 AND token IS NOT NULL",
                        &[&tenant],
                        |r| r.get(0),
                    )?;
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
    let token: Option<Option<Vec<u8>>> = conn.query_opt(
        "SELECT token FROM bots WHERE webhook_id = ?1 AND tenant_id = ?2",
        &[&webhook_id, &tenant],
        |r| r.get(0),
    )?;
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
    conn: &Conn<'_>,
    tenant: TenantId,
    draft: &Draft,
    now: i64,
) -> Result<Begin, StoreError> {
    let existing: Option<(i64, String, String, Option<i64>)> = conn.query_opt(
        "SELECT sender_id, text, state, message_id FROM replies
          WHERE tenant_id = ?1 AND client_id = ?2",
        &[&tenant, &draft.client_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
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
    conn.execute(
        "INSERT INTO replies (tenant_id, client_id, sender_id, text, reply_to, agent, state,
                              created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'sending', ?7, ?7)
         ON CONFLICT (tenant_id, client_id) DO UPDATE SET state = 'sending', error = NULL,
           agent = excluded.agent, updated_at = excluded.updated_at",
        &[
            &tenant,
            &draft.client_id,
            &(draft.sender.get() as i64),
            &draft.text,
            &draft.reply_to,
            &draft.agent,
            &now,
        ],
    )?;
    Ok(Begin::Send(route))
}

/// Records how a send ended; for a sent reply, stores it as an outgoing message (Telegram's
/// later echo of a business message finds it by its Telegram ID) and answers it.
pub fn finish(
    conn: &Conn<'_>,
    tenant: TenantId,
    draft: &Draft,
    outcome: Finish,
    now: i64,
) -> Result<Option<Message>, StoreError> {
    match outcome {
        Finish::Failed(error) => {
            conn.execute(
                "UPDATE replies SET state = 'failed', error = ?3, updated_at = ?4
                  WHERE tenant_id = ?1 AND client_id = ?2",
                &[&tenant, &draft.client_id, &error, &now],
            )?;
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
            let row: i64 = conn.query_one(
                "SELECT id FROM messages
                  WHERE tenant_id = ?1 AND space = ?2 AND chat_id = ?3 AND tg_id = ?4",
                &[
                    &tenant,
                    &apply::space_key(&route.space, Some(&route.webhook_id)),
                    &route.chat_id,
                    &telegram_id,
                ],
                |r| r.get(0),
            )?;
            conn.execute(
                "UPDATE replies SET state = 'sent', message_id = ?3, updated_at = ?4
                  WHERE tenant_id = ?1 AND client_id = ?2",
                &[&tenant, &draft.client_id, &row, &now],
            )?;
            read::message_by_row(conn, tenant, row)
        }
    }
}
