//! Checks of `manifest.json` and `translations/*.json` against the rules Zendesk documents for
//! Apps Framework 2.0 apps (manifest reference; "Making API requests from a Zendesk app" for
//! secure settings; "Create content" for the marketplace texts in `en.json`).
//!
//! Zendesk's own validator (`zcli apps:validate`) needs a Zendesk account, so the project keeps
//! its own: `cargo xtask package` refuses to build a zip that fails these checks, and the tests
//! below run them on the committed files.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use serde_json::Value;

/// Products and their iframe locations, as listed in Zendesk's location reference.
const LOCATIONS: &[(&str, &[&str])] = &[
    (
        "support",
        &[
            "background",
            "modal",
            "nav_bar",
            "new_ticket_sidebar",
            "organization_sidebar",
            "ticket_editor",
            "ticket_sidebar",
            "top_bar",
            "user_sidebar",
        ],
    ),
    ("chat", &["background", "chat_sidebar", "modal"]),
    (
        "sell",
        &[
            "background",
            "deal_card",
            "lead_card",
            "modal",
            "person_card",
            "top_bar",
        ],
    ),
];

/// Parameter types of the manifest reference.
const PARAMETER_TYPES: &[&str] = &[
    "text",
    "password",
    "checkbox",
    "url",
    "number",
    "multiline",
    "hidden",
    "oauth",
];

/// Where a secure setting may be substituted (`scopes`).
const SECURE_SCOPES: &[&str] = &["header"];

/// Marketplace texts every `en.json` must have ("Create content").
const MARKETPLACE_KEYS: &[&str] = &[
    "app.name",
    "app.short_description",
    "app.long_description",
    "app.installation_instructions",
];

/// The URL production pages must load the SDK from.
pub const ZAF_SDK_CDN: &str =
    "https://static.zdassets.com/zendesk_app_framework_sdk/2.0/zaf_sdk.min.js";

/// The app as it sits in a directory: manifest, translations by locale, and a way to ask
/// whether a file (relative to the app root) exists.
pub struct App<'a> {
    pub manifest: Value,
    pub translations: BTreeMap<String, Value>,
    pub has_file: &'a dyn Fn(&str) -> bool,
}

/// Reads `manifest.json` and `translations/*.json` under `root`.
pub fn load(root: &Path) -> Result<(Value, BTreeMap<String, Value>), String> {
    let read_json = |path: &Path| -> Result<Value, String> {
        let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: invalid JSON: {e}", path.display()))
    };
    let manifest = read_json(&root.join("manifest.json"))?;
    let mut translations = BTreeMap::new();
    let dir = root.join("translations");
    for entry in fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
        if let Some(locale) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".json"))
        {
            translations.insert(locale.to_string(), read_json(&path)?);
        }
    }
    Ok((manifest, translations))
}

/// Every rule the app breaks, each naming the field and what would fix it. Empty means valid.
pub fn check(app: &App<'_>) -> Vec<String> {
    let mut problems = Vec::new();
    let m = &app.manifest;
    let mut need_string = |key: &str| match m.pointer(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => {}
        _ => problems.push(format!(
            "manifest `{key}` is required and must be a non-empty string"
        )),
    };
    for key in [
        "/name",
        "/author/name",
        "/author/email",
        "/defaultLocale",
        "/version",
        "/frameworkVersion",
    ] {
        need_string(key);
    }
    if let Some(fw) = m.get("frameworkVersion").and_then(Value::as_str)
        && fw != "2.0"
    {
        problems.push(format!(
            "manifest `frameworkVersion` is {fw:?}; this app is built for \"2.0\""
        ));
    }
    check_locations(app, &mut problems);
    check_parameters(m, &mut problems);
    check_translations(app, &mut problems);
    problems
}

fn check_locations(app: &App<'_>, problems: &mut Vec<String>) {
    let Some(products) = app.manifest.get("location").and_then(Value::as_object) else {
        problems.push(
            "manifest `location` is required: an object of products and their locations".into(),
        );
        return;
    };
    for (product, locations) in products {
        let Some((_, known)) = LOCATIONS.iter().find(|(p, _)| p == product) else {
            problems.push(format!(
                "location: unknown product `{product}` (known: support, chat, sell)"
            ));
            continue;
        };
        let Some(locations) = locations.as_object() else {
            problems.push(format!("location.{product} must be an object of locations"));
            continue;
        };
        for (location, target) in locations {
            if !known.contains(&location.as_str()) {
                problems.push(format!(
                    "location.{product}.{location}: unknown location (known: {})",
                    known.join(", ")
                ));
            }
            let url = match target {
                Value::String(url) => Some(url.as_str()),
                Value::Object(o) => o.get("url").and_then(Value::as_str),
                _ => None,
            };
            match url {
                None => problems.push(format!("location.{product}.{location}: give a page path, or an object with `url`")),
                Some(url) if url.starts_with("https://") => {}
                Some(url) if url.starts_with("assets/") && (app.has_file)(url) => {}
                Some(url) => problems.push(format!(
                    "location.{product}.{location}: `{url}` is neither an https URL nor a file under assets/"
                )),
            }
        }
    }
}

fn check_parameters(m: &Value, problems: &mut Vec<String>) {
    let params = match m.get("parameters") {
        None => return,
        Some(Value::Array(params)) => params,
        Some(_) => {
            problems.push("manifest `parameters` must be an array".into());
            return;
        }
    };
    let whitelist = m
        .get("domainWhitelist")
        .and_then(Value::as_array)
        .is_some_and(|d| !d.is_empty());
    let mut names = BTreeSet::new();
    for (i, p) in params.iter().enumerate() {
        let Some(name) = p.get("name").and_then(Value::as_str) else {
            problems.push(format!("parameters[{i}]: `name` is required"));
            continue;
        };
        if !names.insert(name) {
            problems.push(format!("parameter `{name}` is declared twice"));
        }
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            problems.push(format!("parameter `{name}`: use lowercase letters, digits and `_` (it is used as {{{{setting.{name}}}}})"));
        }
        match p.get("type").and_then(Value::as_str) {
            Some(t) if PARAMETER_TYPES.contains(&t) => {}
            Some(t) => problems.push(format!(
                "parameter `{name}`: unknown type `{t}` (known: {})",
                PARAMETER_TYPES.join(", ")
            )),
            None => problems.push(format!("parameter `{name}`: `type` is required")),
        }
        for flag in ["required", "secure"] {
            if p.get(flag).is_some_and(|v| !v.is_boolean()) {
                problems.push(format!(
                    "parameter `{name}`: `{flag}` must be true or false"
                ));
            }
        }
        let secure = p.get("secure").and_then(Value::as_bool).unwrap_or(false);
        if secure {
            let scopes: Vec<&str> = p
                .get("scopes")
                .and_then(Value::as_array)
                .map(|s| s.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if scopes.is_empty() && !whitelist {
                problems.push(format!(
                    "secure parameter `{name}`: give it `scopes` (e.g. [\"header\"]) or the app a `domainWhitelist`, \
                     so Zendesk knows where the secret may be sent"
                ));
            }
            for s in scopes.iter().filter(|s| !SECURE_SCOPES.contains(s)) {
                problems.push(format!(
                    "secure parameter `{name}`: unknown scope `{s}` (known: header)"
                ));
            }
            if p.get("default").is_some() {
                problems.push(format!(
                    "secure parameter `{name}` must not have a default: a default is not secret"
                ));
            }
        }
        if let Some(default) = p.get("default")
            && looks_secret(name, default)
        {
            problems.push(format!(
                "parameter `{name}`: default {default} looks like a secret; leave it out"
            ));
        }
    }
}

/// A default that belongs to a credential-like name, or that looks like a random token.
fn looks_secret(name: &str, default: &Value) -> bool {
    let Some(s) = default.as_str() else {
        return false;
    };
    let credential_name = ["token", "secret", "password", "apikey", "api_key", "key"]
        .iter()
        .any(|w| name.contains(w));
    let long_and_random = s.len() >= 20
        && !s.contains(' ')
        && s.bytes().any(|b| b.is_ascii_digit())
        && s.bytes().any(|b| b.is_ascii_alphabetic());
    (credential_name && !s.is_empty()) || long_and_random
}

fn check_translations(app: &App<'_>, problems: &mut Vec<String>) {
    let default = app
        .manifest
        .get("defaultLocale")
        .and_then(Value::as_str)
        .unwrap_or("");
    let Some(default_tr) = app.translations.get(default) else {
        problems.push(format!(
            "translations/{default}.json is required: it is the manifest's defaultLocale"
        ));
        return;
    };
    let reference = leaves(default_tr);
    for (locale, tr) in &app.translations {
        let ok_name = locale.len() == 2 && locale.bytes().all(|b| b.is_ascii_lowercase())
            || locale.len() == 5 && locale.as_bytes()[2] == b'-';
        if !ok_name {
            problems.push(format!(
                "translations/{locale}.json: name the file after a locale such as `es` or `pt-br`"
            ));
        }
        let keys = leaves(tr);
        for (key, value) in &keys {
            match value {
                Value::String(s) if !s.trim().is_empty() => {}
                _ => problems.push(format!(
                    "translations/{locale}.json: `{key}` must be a non-empty string"
                )),
            }
        }
        let have: BTreeSet<_> = keys.keys().collect();
        let want: BTreeSet<_> = reference.keys().collect();
        for missing in want.difference(&have) {
            problems.push(format!(
                "translations/{locale}.json: missing `{missing}` (present in {default}.json)"
            ));
        }
        for extra in have.difference(&want) {
            problems.push(format!(
                "translations/{locale}.json: `{extra}` is not in {default}.json"
            ));
        }
    }
    for key in MARKETPLACE_KEYS {
        if !reference.contains_key(*key) {
            problems.push(format!(
                "translations/{default}.json: marketplace text `{key}` is required"
            ));
        }
    }
    if let Some(Value::String(name)) = reference.get("app.name")
        && name.chars().count() > 40
    {
        problems.push(format!(
            "translations/{default}.json: `app.name` is longer than Zendesk's 40 characters"
        ));
    }
    let params = app
        .manifest
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    for name in params.filter_map(|p| p.get("name").and_then(Value::as_str)) {
        let key = format!("app.parameters.{name}.label");
        if !reference.contains_key(&key) {
            problems.push(format!(
                "translations/{default}.json: parameter `{name}` needs a label (`{key}`)"
            ));
        }
    }
}

/// Flattens nested objects to `a.b.c` keys.
fn leaves(v: &Value) -> BTreeMap<String, &Value> {
    fn walk<'v>(prefix: &str, v: &'v Value, out: &mut BTreeMap<String, &'v Value>) {
        match v {
            Value::Object(o) => {
                for (k, v) in o {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&key, v, out);
                }
            }
            _ => {
                out.insert(prefix.to_string(), v);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk("", v, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn problems_of(manifest: Value, translations: &[(&str, Value)]) -> Vec<String> {
        let has_file = |path: &str| path == "assets/index.html";
        let app = App {
            manifest,
            translations: translations
                .iter()
                .map(|(l, v)| (l.to_string(), v.clone()))
                .collect(),
            has_file: &has_file,
        };
        check(&app)
    }

    fn good_manifest() -> Value {
        json!({
            "name": "X", "author": {"name": "A", "email": "a@example.com"}, "defaultLocale": "en",
            "location": {"support": {"user_sidebar": "assets/index.html"}},
            "version": "1.0", "frameworkVersion": "2.0",
            "parameters": [{"name": "token", "type": "text", "secure": true, "scopes": ["header"]}]
        })
    }

    fn good_en() -> Value {
        json!({"app": {"name": "X", "short_description": "s", "long_description": "l",
            "installation_instructions": "i", "parameters": {"token": {"label": "Token"}}}})
    }

    /// Applies `edit` to the good manifest and expects exactly `expected` problems.
    fn check_manifest(edit: impl FnOnce(&mut Value), expected: &[&str]) {
        let mut m = good_manifest();
        edit(&mut m);
        assert_eq!(problems_of(m, &[("en", good_en())]), expected);
    }

    #[test]
    fn the_committed_app_follows_zendesks_rules() {
        let root = crate::root();
        let (manifest, translations) = load(&root).unwrap();
        let has_file = |path: &str| root.join(path).is_file();
        let problems = check(&App {
            manifest,
            translations,
            has_file: &has_file,
        });
        assert!(
            problems.is_empty(),
            "manifest problems:\n{}",
            problems.join("\n")
        );
    }

    #[test]
    fn the_committed_app_has_the_promised_locations_settings_and_locales() {
        let (m, translations) = load(&crate::root()).unwrap();
        for location in ["user_sidebar", "ticket_sidebar", "nav_bar"] {
            assert!(
                m["location"]["support"].get(location).is_some(),
                "{location}"
            );
        }
        let params: Vec<&str> = m["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            params,
            [
                "relay_url",
                "relay_token",
                "sender_id_field",
                "default_phone_region"
            ]
        );
        assert_eq!(
            m["parameters"][0]["required"], true,
            "relay URL is required"
        );
        assert_eq!(m["parameters"][1]["secure"], true, "relay token is secure");
        assert_eq!(m["parameters"][2]["default"], "senderId");
        assert_eq!(translations.keys().collect::<Vec<_>>(), ["en", "es", "ru"]);
        assert_eq!(
            m["version"],
            env!("CARGO_PKG_VERSION"),
            "manifest version follows the workspace version"
        );
    }

    #[test]
    fn a_good_manifest_has_no_problems() {
        check_manifest(|_| {}, &[]);
    }

    #[test]
    fn required_fields() {
        check_manifest(
            |m| {
                m.as_object_mut().unwrap().remove("author");
            },
            &[
                "manifest `/author/name` is required and must be a non-empty string",
                "manifest `/author/email` is required and must be a non-empty string",
            ],
        );
        check_manifest(
            |m| m["frameworkVersion"] = json!("1.0"),
            &["manifest `frameworkVersion` is \"1.0\"; this app is built for \"2.0\""],
        );
        check_manifest(
            |m| {
                m.as_object_mut().unwrap().remove("location");
            },
            &["manifest `location` is required: an object of products and their locations"],
        );
    }

    #[test]
    fn locations_must_be_known_and_point_at_files() {
        check_manifest(
            |m| m["location"]["support"]["contact_sidebar"] = json!("assets/index.html"),
            &[
                "location.support.contact_sidebar: unknown location (known: background, modal, nav_bar, new_ticket_sidebar, organization_sidebar, ticket_editor, ticket_sidebar, top_bar, user_sidebar)",
            ],
        );
        check_manifest(
            |m| m["location"]["support"]["user_sidebar"] = json!({"url": "assets/missing.html"}),
            &[
                "location.support.user_sidebar: `assets/missing.html` is neither an https URL nor a file under assets/",
            ],
        );
        check_manifest(
            |m| m["location"]["desk"] = json!({}),
            &["location: unknown product `desk` (known: support, chat, sell)"],
        );
    }

    #[test]
    fn parameter_types_must_be_known() {
        check_manifest(
            |m| m["parameters"][0]["type"] = json!("secret"),
            &[
                "parameter `token`: unknown type `secret` (known: text, password, checkbox, url, number, multiline, hidden, oauth)",
            ],
        );
    }

    #[test]
    fn secure_parameters_need_scopes_or_a_whitelist() {
        let no_scope = "secure parameter `token`: give it `scopes` (e.g. [\"header\"]) or the app a `domainWhitelist`, so Zendesk knows where the secret may be sent";
        check_manifest(
            |m| {
                m["parameters"][0].as_object_mut().unwrap().remove("scopes");
            },
            &[no_scope],
        );
        check_manifest(
            |m| {
                m["parameters"][0].as_object_mut().unwrap().remove("scopes");
                m["domainWhitelist"] = json!(["relay.example.com"]);
            },
            &[],
        );
        check_manifest(
            |m| m["parameters"][0]["scopes"] = json!(["query"]),
            &["secure parameter `token`: unknown scope `query` (known: header)"],
        );
    }

    #[test]
    fn no_secret_looking_defaults() {
        check_manifest(
            |m| m["parameters"][0]["default"] = json!("x"),
            &[
                "secure parameter `token` must not have a default: a default is not secret",
                "parameter `token`: default \"x\" looks like a secret; leave it out",
            ],
        );
        check_manifest(
            |m| m["parameters"] = json!([{"name": "region", "type": "text", "default": "sk_live_4eC39HqLyjWDarjtT1zdp7dc"}]),
            &[
                "parameter `region`: default \"sk_live_4eC39HqLyjWDarjtT1zdp7dc\" looks like a secret; leave it out",
                "translations/en.json: parameter `region` needs a label (`app.parameters.region.label`)",
            ],
        );
        check_manifest(
            |m| m["parameters"] = json!([{"name": "field", "type": "text", "default": "senderId"}]),
            &[
                "translations/en.json: parameter `field` needs a label (`app.parameters.field.label`)",
            ],
        );
    }

    #[test]
    fn translations_need_the_default_locale_and_the_same_keys() {
        assert_eq!(
            problems_of(good_manifest(), &[("es", good_en())]),
            ["translations/en.json is required: it is the manifest's defaultLocale"]
        );
        let mut es = good_en();
        es["app"]
            .as_object_mut()
            .unwrap()
            .remove("long_description");
        es["app"]["extra"] = json!("e");
        assert_eq!(
            problems_of(good_manifest(), &[("en", good_en()), ("es", es)]),
            [
                "translations/es.json: missing `app.long_description` (present in en.json)",
                "translations/es.json: `app.extra` is not in en.json",
            ]
        );
        let mut en = good_en();
        en["app"]["name"] = json!("A name far longer than the forty characters allowed");
        en["app"]["short_description"] = json!("");
        assert_eq!(
            problems_of(good_manifest(), &[("en", en)]),
            [
                "translations/en.json: `app.short_description` must be a non-empty string",
                "translations/en.json: `app.name` is longer than Zendesk's 40 characters",
            ]
        );
    }

    #[test]
    fn production_page_loads_the_sdk_from_zendesks_cdn() {
        for file in ["assets/index.html", "assets/bulk.html"] {
            let page = fs::read_to_string(crate::root().join(file)).unwrap();
            assert!(
                page.contains(&format!("<script src=\"{ZAF_SDK_CDN}\"></script>")),
                "{file}"
            );
            assert!(
                !page.contains("zaf_sdk.js"),
                "{file}: production page must not load the local SDK copy"
            );
        }
    }
}
