use telegram_identity::SenderId;
use telegram_relay_api::{Person, PhoneSource, ProfileChange, ProfileField};
use yew::prelude::*;

use crate::components::error_banner::error_banner;
use crate::context::{AppEnv, use_env};
use crate::entities::username_href;
use crate::hooks::{PersonLoad, use_person};
use crate::i18n::{Locale, Text, fill};
use crate::time;

/// Props of [`ProfileCard`].
#[derive(Properties, PartialEq, Clone)]
pub struct ProfileCardProps {
    /// Whose profile.
    pub id: SenderId,
    /// Told the load's failure (or `None`) whenever it changes, so the panels below do not show
    /// the same failure again.
    #[prop_or_default]
    pub on_error: Callback<Option<crate::errors::AppError>>,
    /// Called with the banner's Retry, besides loading the profile again.
    #[prop_or_default]
    pub on_retry: Callback<()>,
}

/// What the relay knows about a linked person.
#[function_component]
pub fn ProfileCard(props: &ProfileCardProps) -> Html {
    let env = use_env();
    let (load, retry) = use_person(props.id);
    {
        let failed = match &load {
            PersonLoad::Failed(err) => Some(err.clone()),
            _ => None,
        };
        let on_error = props.on_error.clone();
        use_effect_with(failed, move |failed| on_error.emit(failed.clone()));
    }
    let retry = {
        let also = props.on_retry.clone();
        Callback::from(move |()| {
            retry.emit(());
            also.emit(());
        })
    };
    match load {
        PersonLoad::Loading => html! {
            <section class="card profile" aria-busy="true"><p class="muted" role="status">{ env.t(Text::Loading) }</p></section>
        },
        PersonLoad::Failed(err) => error_banner(&env, &err, Some(retry), None),
        PersonLoad::Ready(person) => person_view(&env, &person, false),
    }
}

/// Display name, @username (a t.me link), phone or why it is hidden, change history (not in the
/// `compact` form of the preview), deleted state.
pub fn person_view(env: &AppEnv, p: &Person, compact: bool) -> Html {
    let name = display_name(p);
    let username = match &p.username {
        Some(u) => match username_href(u) {
            Some(href) => html! {
                <a data-testid="profile-username" href={href} target="_blank" rel="noopener noreferrer">{ format!("@{u}") }</a>
            },
            None => html! { <span data-testid="profile-username">{ format!("@{u}") }</span> },
        },
        None => {
            html! { <span class="muted" data-testid="profile-username">{ env.t(Text::NoUsername) }</span> }
        }
    };
    let phone = match (&p.phone, p.phone_source) {
        (Some(phone), Some(PhoneSource::ContactList)) => html! {
            <span data-testid="profile-phone"><bdi>{ phone.clone() }</bdi>{ " " }<span class="muted small">{ format!("({})", env.t(Text::PhoneFromContacts)) }</span></span>
        },
        (Some(phone), _) => {
            html! { <span data-testid="profile-phone"><bdi>{ phone.clone() }</bdi></span> }
        }
        (None, _) if p.deleted => {
            html! { <span class="muted" data-testid="profile-phone">{ env.t(Text::PhoneGone) }</span> }
        }
        (None, _) => {
            html! { <span class="muted" data-testid="profile-phone">{ env.t(Text::PhoneHidden) }</span> }
        }
    };
    // The newest change is in view (a new username is the usual reason a search fails); older
    // ones behind "Changes".
    let history = (!compact)
        .then(|| p.history.split_first())
        .flatten()
        .map(|(latest, older)| {
            let row = |c: &ProfileChange| html! { <li data-testid="profile-change">{ change_text(c, env.locale) }</li> };
            html! {
                <>
                    <ul class="history small">{ row(latest) }</ul>
                    if !older.is_empty() {
                        <details class="history">
                            <summary>{ env.t(Text::ChangeHistory) }{ format!(" ({})", older.len()) }</summary>
                            <ul>{ for older.iter().map(row) }</ul>
                        </details>
                    }
                </>
            }
        });
    let last_seen = p
        .last_seen
        .map(|t| fill(env.t(Text::LastSeen), &[&time::short_day(t, env.locale)]));
    html! {
        <section class={classes!("card", "profile", p.deleted.then_some("deleted"))} data-testid="profile" aria-label={name.clone()}>
            <div class="who">
                <span class="avatar" aria-hidden="true" data-testid="profile-initials">{ initials(&name) }</span>
                <h2 class="name"><bdi data-testid="profile-name">{ name.clone() }</bdi></h2>
            </div>
            if p.deleted {
                <p class="badge warn" data-testid="profile-deleted">{ env.t(Text::DeletedAccount) }</p>
            }
            <dl>
                <dt>{ env.t(Text::Username) }</dt><dd>{ username }</dd>
                <dt>{ env.t(Text::Phone) }</dt><dd>{ phone }</dd>
            </dl>
            <p class="muted small">
                { crate::i18n::message_count(p.message_count, env.locale) }
                if let Some(seen) = last_seen { { " · " }{ seen } }
            </p>
            { for history }
        </section>
    }
}

/// Up to two initials of a display name ("LF" for Lucía Fernández García, "АИ" for Андрей
/// Иванов): the first letter of each word, so emoji and symbols in a Telegram name are skipped.
/// The stylesheet upper-cases them (`char::to_uppercase` would link Unicode case tables, about
/// 7 KB gzipped).
pub fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().find(|c| c.is_alphabetic()))
        .take(2)
        .collect()
}

/// "Lucía Fernández García"; a deleted account without a name shows as "Deleted account".
pub fn display_name(p: &Person) -> String {
    let name = [Some(p.first_name.as_str()), p.last_name.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if name.is_empty() {
        format!("#{}", p.sender_id)
    } else {
        name
    }
}

/// "username was @old until 3 May".
fn change_text(c: &ProfileChange, locale: Locale) -> String {
    let field = match c.field {
        ProfileField::FirstName => Text::FieldFirstName,
        ProfileField::LastName => Text::FieldLastName,
        ProfileField::Username => Text::FieldUsername,
        ProfileField::Phone => Text::FieldPhone,
    }
    .get(locale);
    let until = time::short_day(c.valid_until, locale);
    match c.old_value.as_deref().filter(|v| !v.is_empty()) {
        Some(old) if c.field == ProfileField::Username => fill(
            Text::WasUntil.get(locale),
            &[field, &format!("@{old}"), &until],
        ),
        Some(old) => fill(Text::WasUntil.get(locale), &[field, old, &until]),
        None => fill(Text::WasEmptyUntil.get(locale), &[field, &until]),
    }
}

#[cfg(test)]
mod initials_tests {
    use super::initials;

    #[test]
    fn initials_are_the_first_letters_of_two_words() {
        for (name, expected) in [
            ("Lucía Fernández García", "LF"),
            ("Андрей Иванов", "АИ"),
            ("🚀 Jon Perk", "JP"),
            ("olena", "o"),
            ("𝐉𝐨𝐧 Perk", "𝐉P"),
            ("", ""),
            ("🙂", ""),
        ] {
            assert_eq!(initials(name), expected, "{name:?}");
        }
    }
}
