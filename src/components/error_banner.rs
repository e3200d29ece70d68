use yew::prelude::*;

use crate::context::AppEnv;
use crate::errors::AppError;
use crate::i18n::Text;

/// A failure in words that say what to do, announced to screen readers (`role="alert"`), with
/// Retry when `on_retry` is set and the failure is transient, and Dismiss when `on_dismiss` is.
/// A plain function, not a component: it has no state, and each component type costs the bundle
/// about a kilobyte.
pub fn error_banner(
    env: &AppEnv,
    error: &AppError,
    on_retry: Option<Callback<()>>,
    on_dismiss: Option<Callback<()>>,
) -> Html {
    let retry = on_retry.filter(|_| error.retryable()).map(|cb| {
        html! { <button type="button" data-testid="retry" onclick={move |_| cb.emit(())}>{ env.t(Text::Retry) }</button> }
    });
    let dismiss = on_dismiss.map(|cb| {
        html! { <button type="button" class="link" data-testid="dismiss" onclick={move |_| cb.emit(())}>{ env.t(Text::Dismiss) }</button> }
    });
    html! {
        <div class="banner error" role="alert" data-testid="error-banner" title={error.detail()}>
            <p>{ error.message(env.locale) }</p>
            if retry.is_some() || dismiss.is_some() {
                <div class="actions">{ for retry }{ for dismiss }</div>
            }
        </div>
    }
}
