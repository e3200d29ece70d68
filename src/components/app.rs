use telegram_identity::SenderId;
use yew::prelude::*;

use crate::components::conversation_panel::ConversationPanel;
use crate::components::error_banner::error_banner;
use crate::components::nav_placeholder::nav_placeholder;
use crate::components::profile_card::ProfileCard;
use crate::components::sender_id_field::SenderIdField;
use crate::components::suggestions::Suggestions;
use crate::context::AppEnv;
use crate::errors::AppError;
use crate::hooks::use_sender_field;
use crate::host::{HostError, Location};
use crate::i18n::Text;
use crate::state::sender_field::{Action, Origin, Phase};

/// Props of [`App`].
#[derive(Properties, PartialEq, Clone)]
pub struct AppProps {
    /// Host, context and locale.
    pub env: AppEnv,
}

/// The root: provides [`AppEnv`] and picks the page for the host's location.
#[function_component]
pub fn App(props: &AppProps) -> Html {
    let env = props.env.clone();
    let page = match env.ctx.location {
        Location::NavBar => nav_placeholder(&env),
        _ if env.ctx.contact.is_none() => {
            error_banner(&env, &AppError::Host(HostError::NoContact), None, None)
        }
        _ => html! { <Sidebar /> },
    };
    // Tell the host how tall we are whenever the content's size changes (Zendesk sizes the iframe).
    {
        let host = env.host.clone();
        use_effect_with((), move |_| {
            let observer = watch_height(move |h| host.resize(h));
            move || drop(observer)
        });
    }
    html! {
        <ContextProvider<AppEnv> context={env.clone()}>
            <main class="ts-app" lang={env.locale.tag()}>{ page }</main>
        </ContextProvider<AppEnv>>
    }
}

/// The contact sidebar: the field, then the profile and conversation of a linked person, or
/// suggestions for an unlinked contact.
#[function_component]
fn Sidebar() -> Html {
    let field = use_sender_field();
    let linked: Option<SenderId> = field.linked_id();
    let unlinked = linked.is_none()
        && field.current.is_none()
        && !field.unavailable()
        && field.phase != Phase::Loading;
    // Kept mounted, hidden, while a chosen ID is checked or saved: Cancel shows the same
    // suggestions again without downloading the directory or asking the CRM again.
    let suggestions_hidden = !matches!(
        field.phase,
        Phase::Idle | Phase::Editing { .. } | Phase::Done { .. }
    );
    let on_link = {
        let field = field.clone();
        Callback::from(move |(id, confident): (SenderId, bool)| {
            field.dispatch(Action::Propose(id, Origin::Suggestion { confident }))
        })
    };
    // One banner per cause: a relay failure the profile shows is not repeated by the conversation,
    // and the profile's Retry loads both again.
    let profile_error = use_state(|| None::<AppError>);
    let retry_token = use_state(|| 0u32);
    let on_profile_error = {
        let profile_error = profile_error.clone();
        Callback::from(move |e: Option<AppError>| profile_error.set(e))
    };
    let on_profile_retry = {
        let retry_token = retry_token.clone();
        Callback::from(move |()| retry_token.set(retry_token.wrapping_add(1)))
    };
    // In a ticket, say whose identity this is: the requester, who can change under the agent.
    let env = crate::context::use_env();
    let requester = (env.ctx.location == Location::TicketSidebar)
        .then(|| env.ctx.contact.as_ref().map(|c| c.name.clone()))
        .flatten()
        .filter(|n| !n.trim().is_empty());
    html! {
        <>
            if let Some(name) = requester {
                <p class="muted small requester" data-testid="requester">{ env.t(Text::Requester) }{ " " }<bdi>{ name }</bdi></p>
            }
            <SenderIdField state={field.clone()} />
            if let Some(id) = linked {
                <ProfileCard key={format!("p{id}")} id={id} on_error={on_profile_error} on_retry={on_profile_retry} />
                <ConversationPanel key={format!("c{id}")} id={id} covered_by={(*profile_error).clone()} retry_token={*retry_token} />
            } else if unlinked {
                <div hidden={suggestions_hidden}><Suggestions on_link={on_link} /></div>
            }
        </>
    }
}

/// Calls `on_height` with the page's height now and after every change of `<body>`'s size.
fn watch_height(on_height: impl Fn(u32) + 'static) -> Option<crate::resize::SizeWatch> {
    let body = web_sys::window()?.document()?.body()?;
    let measured = body.clone();
    crate::resize::watch_size(&body, move || {
        on_height(measured.scroll_height().max(120) as u32)
    })
}
