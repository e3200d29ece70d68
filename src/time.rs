//! Dates and times in the agent's locale and time zone, through the browser's `Intl`.

use js_sys::{Date, Object, Reflect};
use wasm_bindgen::JsValue;

use crate::i18n::Locale;

fn date(unix_seconds: i64) -> Date {
    Date::new(&JsValue::from_f64(unix_seconds as f64 * 1000.0))
}

fn options(pairs: &[(&str, &str)]) -> Object {
    let o = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&o, &(*k).into(), &(*v).into());
    }
    o
}

/// The local calendar day of a time, as a comparable key.
pub fn day_key(unix_seconds: i64) -> (u32, u32, u32) {
    let d = date(unix_seconds);
    (d.get_full_year(), d.get_month(), d.get_date())
}

/// "Sunday, 3 May 2026" (in the locale's own form).
pub fn long_day(unix_seconds: i64, locale: Locale) -> String {
    let o = options(&[
        ("weekday", "long"),
        ("day", "numeric"),
        ("month", "long"),
        ("year", "numeric"),
    ]);
    date(unix_seconds)
        .to_locale_date_string(locale.tag(), &o)
        .into()
}

/// "3 May" (in the locale's own form).
pub fn short_day(unix_seconds: i64, locale: Locale) -> String {
    let o = options(&[("day", "numeric"), ("month", "long"), ("year", "numeric")]);
    date(unix_seconds)
        .to_locale_date_string(locale.tag(), &o)
        .into()
}

/// "14:05".
pub fn clock(unix_seconds: i64, locale: Locale) -> String {
    let o = options(&[("hour", "2-digit"), ("minute", "2-digit")]);
    date(unix_seconds)
        .to_locale_time_string_with_options(locale.tag(), &o)
        .into()
}

/// "2 Dec, 10:41" (in the locale's own form): when a bulk run started.
pub fn day_and_clock(unix_seconds: i64, locale: Locale) -> String {
    let o = options(&[
        ("day", "numeric"),
        ("month", "short"),
        ("hour", "2-digit"),
        ("minute", "2-digit"),
    ]);
    date(unix_seconds).to_locale_string(locale.tag(), &o).into()
}

/// "Sunday, 29 November 2026, 10:08" in the locale's own form: a message time's tooltip.
pub fn full(unix_seconds: i64, locale: Locale) -> String {
    let o = options(&[
        ("weekday", "long"),
        ("day", "numeric"),
        ("month", "long"),
        ("year", "numeric"),
        ("hour", "2-digit"),
        ("minute", "2-digit"),
    ]);
    date(unix_seconds).to_locale_string(locale.tag(), &o).into()
}

/// ISO 8601 for `<time datetime>`.
pub fn iso(unix_seconds: i64) -> String {
    date(unix_seconds).to_iso_string().into()
}
