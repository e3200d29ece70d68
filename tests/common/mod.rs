//! Test doubles for the component tests: a fake CRM host (in-memory field, recorded writes, a
//! conflict directory) whose `relay` is a fake relay answering from a route table with bodies built
//! from `telegram-relay-api` types, exactly as the real relay serialises them. No network.
#![allow(dead_code)]

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use js_sys::Promise;
use telegram_relay_api::{ErrorBody, ErrorCode, ErrorDetail, Person};
use telegram_sidebar::host::{
    Contact, ContactRef, CrmHost, HostContext, HostError, HostFuture, Location, Method, RelayReply,
    RelayRequest, Unreachable,
};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Element, HtmlElement, HtmlInputElement};

/// A relay answer: status and JSON body, or unreachable.
#[derive(Clone)]
pub enum Answer {
    Json(u16, String),
    Down,
}

/// Shared, inspectable state of the fake host.
#[derive(Default)]
pub struct FakeState {
    pub field: Option<String>,
    pub field_missing: bool,
    pub writes: Vec<Option<String>>,
    pub holders: HashMap<String, Vec<ContactRef>>,
    /// Exact path (with query) → answer; a path without `?` also matches requests with a query.
    pub routes: HashMap<String, Answer>,
    pub requests: Vec<RelayRequest>,
    pub resizes: Vec<u32>,
    pub link_events: u32,
    /// Field-change listeners; every write is echoed to them, as Zendesk does.
    pub listeners: Vec<Rc<dyn Fn(Option<String>)>>,
}

#[derive(Clone)]
pub struct FakeHost {
    pub ctx: HostContext,
    pub state: Rc<RefCell<FakeState>>,
}

impl FakeHost {
    pub fn new(field: Option<&str>) -> FakeHost {
        let ctx = HostContext {
            location: Location::UserSidebar,
            locale: Some("en-US".into()),
            contact: Some(Contact {
                id: "501".into(),
                name: "Jon Perk".into(),
                email: Some("jon@example.com".into()),
                phone: Some("+44 7700 900123".into()),
            }),
            field_key: "senderId".into(),
            agent: "agent 7 Ann".into(),
            agent_name: "Ann".into(),
            phone_region: Some("GB".into()),
        };
        let state = FakeState {
            field: field.map(String::from),
            ..FakeState::default()
        };
        FakeHost {
            ctx,
            state: Rc::new(RefCell::new(state)),
        }
    }

    pub fn locale(mut self, tag: &str) -> FakeHost {
        self.ctx.locale = Some(tag.into());
        self
    }

    pub fn route(&self, path: &str, answer: Answer) -> &FakeHost {
        self.state.borrow_mut().routes.insert(path.into(), answer);
        self
    }

    pub fn person(&self, p: &Person) -> &FakeHost {
        self.route(
            &format!("/v1/people/{}", p.sender_id),
            Answer::Json(200, serde_json::to_string(p).unwrap()),
        )
    }

    pub fn posts(&self) -> Vec<serde_json::Value> {
        self.state
            .borrow()
            .requests
            .iter()
            .filter(|r| r.method == Method::Post)
            .map(|r| serde_json::from_str(r.body.as_deref().unwrap_or("null")).unwrap())
            .collect()
    }
}

pub fn error_body(code: ErrorCode, message: &str) -> String {
    serde_json::to_string(&ErrorBody {
        error: ErrorDetail {
            code,
            message: message.into(),
        },
    })
    .unwrap()
}

impl CrmHost for FakeHost {
    fn context(&self) -> HostContext {
        self.ctx.clone()
    }

    fn read_sender_field(&self) -> HostFuture<Result<Option<String>, HostError>> {
        let s = self.state.borrow();
        let r = if s.field_missing {
            Err(HostError::FieldMissing {
                key: "senderId".into(),
            })
        } else {
            Ok(s.field.clone())
        };
        Box::pin(async move { r })
    }

    fn write_sender_field(&self, value: Option<String>) -> HostFuture<Result<(), HostError>> {
        let listeners = {
            let mut s = self.state.borrow_mut();
            s.writes.push(value.clone());
            s.field = value.clone();
            s.listeners.clone()
        };
        for listener in listeners {
            listener(value.clone());
        }
        Box::pin(async { Ok(()) })
    }

    fn on_sender_field_changed(&self, callback: Box<dyn Fn(Option<String>)>) {
        self.state.borrow_mut().listeners.push(callback.into());
    }

    fn relay(&self, request: RelayRequest) -> HostFuture<Result<RelayReply, Unreachable>> {
        let mut s = self.state.borrow_mut();
        s.requests.push(request.clone());
        let answer = if request.method == Method::Post && request.path == "/v1/link-events" {
            s.link_events += 1;
            let mut event: serde_json::Value =
                serde_json::from_str(request.body.as_deref().unwrap()).unwrap();
            event["id"] = format!("ev-{}", s.link_events).into();
            event["recorded_at"] = 1_700_000_000.into();
            Answer::Json(201, event.to_string())
        } else {
            let base = request.path.split('?').next().unwrap_or("");
            // `POST <path>` routes answer posts; plain paths answer any method.
            let post = (request.method == Method::Post).then(|| format!("POST {}", request.path));
            post.and_then(|p| s.routes.get(&p))
                .or_else(|| s.routes.get(&request.path))
                .or_else(|| s.routes.get(base))
                .cloned()
                .unwrap_or_else(|| {
                    Answer::Json(404, error_body(ErrorCode::NotFound, "no such person"))
                })
        };
        Box::pin(async move {
            match answer {
                Answer::Json(status, body) => Ok(RelayReply { status, body }),
                Answer::Down => Err(Unreachable("TypeError: Failed to fetch".into())),
            }
        })
    }

    fn contacts_with_sender_id(
        &self,
        sender_id: String,
    ) -> HostFuture<Result<Vec<ContactRef>, HostError>> {
        let r = self
            .state
            .borrow()
            .holders
            .get(&sender_id)
            .cloned()
            .unwrap_or_default();
        Box::pin(async move { Ok(r) })
    }

    fn resize(&self, height_px: u32) {
        self.state.borrow_mut().resizes.push(height_px);
    }
}

/// A fresh root element in the test page (focus is taken from earlier tests' elements).
pub fn root() -> Element {
    let doc = web_sys::window().unwrap().document().unwrap();
    if let Some(el) = doc
        .active_element()
        .and_then(|e| e.dyn_into::<HtmlElement>().ok())
    {
        el.blur().unwrap();
    }
    let el = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&el).unwrap();
    el
}

/// The `data-testid` of the focused element (`None` when nothing in the page has focus).
pub fn focused() -> Option<String> {
    let doc = web_sys::window().unwrap().document().unwrap();
    doc.active_element()?.get_attribute("data-testid")
}

/// Mounts the sidebar for `host` and lets it settle.
pub async fn mount(host: &FakeHost) -> Element {
    let root = root();
    std::mem::forget(telegram_sidebar::mount(Rc::new(host.clone()), root.clone()));
    settle().await;
    root
}

/// Runs rendering and the spawned host/relay futures until nothing is pending. The fakes answer
/// at once, so a few rounds of (render, microtasks) are enough; no timers, no sleeps.
pub async fn settle() {
    for _ in 0..12 {
        yew::scheduler::flush().await;
        JsFuture::from(Promise::resolve(&wasm_bindgen::JsValue::NULL))
            .await
            .unwrap();
    }
}

pub fn find(root: &Element, testid: &str) -> Option<Element> {
    root.query_selector(&format!("[data-testid=\"{testid}\"]"))
        .unwrap()
}

pub fn get(root: &Element, testid: &str) -> Element {
    find(root, testid)
        .unwrap_or_else(|| panic!("no [data-testid={testid}] in {}", root.inner_html()))
}

pub fn all(root: &Element, selector: &str) -> Vec<Element> {
    let list = root.query_selector_all(selector).unwrap();
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into().ok())
        .collect()
}

pub fn text(root: &Element, testid: &str) -> String {
    get(root, testid).text_content().unwrap_or_default()
}

pub async fn click(root: &Element, testid: &str) {
    get(root, testid).unchecked_into::<HtmlElement>().click();
    settle().await;
}

/// Types into an input as a person would: sets the value and fires `input`.
pub async fn type_into(root: &Element, testid: &str, value: &str) {
    let input: HtmlInputElement = get(root, testid).unchecked_into();
    input.set_value(value);
    let event = web_sys::InputEvent::new("input").unwrap();
    input.dispatch_event(&event).unwrap();
    settle().await;
}

pub fn person(json: serde_json::Value) -> Person {
    serde_json::from_value(json).unwrap()
}

pub fn lucia() -> Person {
    person(serde_json::json!({
        "sender_id": "7100000001", "first_name": "Lucía", "last_name": "Fernández García",
        "username": "lucia_fg", "phone": "+34 612 345 678", "phone_source": "shared",
        "deleted": false, "first_seen": 1_746_000_000, "last_seen": 1_746_300_000, "message_count": 64,
        "last_message": {"id": "m64", "telegram_message_id": 64, "origin": "business", "direction": "in",
                          "sent_at": 1_746_300_000, "text": "¿Tenéis stock?"},
        "history": []
    }))
}
