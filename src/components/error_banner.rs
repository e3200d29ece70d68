use yew::prelude::*;

use crate::context::use_env;
use crate::errors::AppError;
use crate::i18n::Text;

/// Props of [`ErrorBanner`].
#[derive(Properties, PartialEq, Clone)]
pub struct ErrorBannerProps {
    /// What failed.
    pub error: AppError,
    /// Shows a Retry button when set and the failure is transient.
    #[prop_or_default]
    pub on_retry: Option<Callback<()>>,
    /// Shows a Dismiss button when set.
    #[prop_or_default]
    pub on_dismiss: Option<Callback<()>>,
}

/// A failure in words that say what to do. Announced to screen readers (`role="alert"`).
#[function_component]
pub fn ErrorBanner(props: &ErrorBannerProps) -> Html {
    let env = use_env();
    let retry = props.on_retry.clone().filter(|_| props.error.retryable()).map(|cb| {
        html! { <button type="button" data-testid="retry" onclick={move |_| cb.emit(())}>{ env.t(Text::Retry) }</button> }
    });
    let dismiss = props.on_dismiss.clone().map(|cb| {
        html! { <button type="button" class="link" data-testid="dismiss" onclick={move |_| cb.emit(())}>{ env.t(Text::Dismiss) }</button> }
    });
    html! {
        <div class="banner error" role="alert" data-testid="error-banner" title={props.error.detail()}>
            <p>{ props.error.message(env.locale) }</p>
            if retry.is_some() || dismiss.is_some() {
                <div class="actions">{ for retry }{ for dismiss }</div>
            }
        </div>
    }
}
