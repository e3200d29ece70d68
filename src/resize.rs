//! Watching an element's size: the sidebar tells the host its height, and the conversation stays
//! at its newest message when the panel's width changes and its rows wrap again.

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

/// Calls `on_change` now and after every change of `el`'s size. Dropping the guard disconnects.
pub fn watch_size(el: &web_sys::Element, on_change: impl Fn() + 'static) -> Option<SizeWatch> {
    on_change();
    let callback = Closure::<dyn Fn()>::new(on_change);
    let observer = web_sys::ResizeObserver::new(callback.as_ref().unchecked_ref()).ok()?;
    observer.observe(el);
    Some(SizeWatch {
        observer,
        _callback: callback,
    })
}

/// Keeps a resize observer and its callback alive; disconnects on drop.
pub struct SizeWatch {
    observer: web_sys::ResizeObserver,
    _callback: Closure<dyn Fn()>,
}

impl Drop for SizeWatch {
    fn drop(&mut self) {
        self.observer.disconnect();
    }
}
