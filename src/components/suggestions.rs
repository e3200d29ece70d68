use telegram_identity::SenderId;
use yew::prelude::*;

/// Props of [`Suggestions`].
#[derive(Properties, PartialEq, Clone)]
pub struct SuggestionsProps {
    /// Called with the chosen person's ID; goes through the field's own save path.
    pub on_link: Callback<SenderId>,
}

/// Ranked Telegram people for an unlinked contact (waits for the identity engine's matcher).
#[function_component]
pub fn Suggestions(_props: &SuggestionsProps) -> Html {
    html! {}
}
