//! Matching off the page's thread: the messages between the page and its Web Worker
//! (`match-worker.js`, which loads this same wasm bundle), and the worker's side of them.
//!
//! Matching 100,000 contacts holds a thread for seconds; in a worker the page stays responsive,
//! shows progress, and Cancel simply terminates the worker. Both sides exchange plain serde
//! values (structured-cloned by the browser) in chunks of [`CHUNK`], so that neither turning the
//! contacts into messages nor reading the rows back holds the page's thread for long.
//!
//! The page sends `Contacts` and `People` chunks, then `Match`; the worker answers with
//! `Progress` while it scores, `Rows` chunks (the review, in contact order), then `Done`.
//! The worker's state machine ([`MatchWorker`]) is plain Rust, tested natively.

use serde::{Deserialize, Serialize};
use telegram_identity::matching::{Directory, MatchOptions};
use telegram_identity::{CrmContact, TelegramPerson};

use crate::review::{Review, Row};

/// Items per message either way.
pub const CHUNK: usize = 500;

/// Other candidates offered for each row to decide.
pub const CHOICES: usize = 3;

/// From the page to the worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ToWorker {
    /// More CRM contacts, in order.
    Contacts {
        /// The contacts.
        items: Vec<CrmContact>,
    },
    /// More Telegram people.
    People {
        /// The people.
        items: Vec<TelegramPerson>,
    },
    /// Match everything received so far.
    Match {
        /// The engine's options (the default phone region).
        options: MatchOptions,
    },
}

/// From the worker to the page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FromWorker {
    /// Contacts scored so far.
    Progress {
        /// Scored.
        done: usize,
        /// Of.
        total: usize,
    },
    /// The next rows of the review, in contact order.
    Rows {
        /// The rows.
        items: Vec<Row>,
    },
    /// Every row has been sent.
    Done {
        /// How many rows were sent.
        rows: usize,
    },
    /// The worker could not match (posted by `match-worker.js` when the bundle fails to load or
    /// traps).
    Failed {
        /// What went wrong.
        message: String,
    },
}

/// The contacts and the people as the worker is sent them, in messages of [`CHUNK`]; a `Match`
/// follows them.
pub fn chunks<'a>(
    contacts: &'a [CrmContact],
    people: &'a [TelegramPerson],
) -> impl Iterator<Item = ToWorker> + 'a {
    let contacts = contacts
        .chunks(CHUNK)
        .map(|c| ToWorker::Contacts { items: c.to_vec() });
    let people = people
        .chunks(CHUNK)
        .map(|c| ToWorker::People { items: c.to_vec() });
    contacts.chain(people)
}

/// The worker's state: what the page has sent so far.
#[derive(Default)]
pub struct MatchWorker {
    contacts: Vec<CrmContact>,
    people: Vec<TelegramPerson>,
}

impl MatchWorker {
    /// Handles one message from the page, answering through `post`.
    pub fn handle(&mut self, message: ToWorker, post: &(dyn Fn(FromWorker) + Sync)) {
        match message {
            ToWorker::Contacts { items } => self.contacts.extend(items),
            ToWorker::People { items } => self.people.extend(items),
            ToWorker::Match { options } => {
                let contacts = std::mem::take(&mut self.contacts);
                let people = std::mem::take(&mut self.people);
                let total = contacts.len();
                post(FromWorker::Progress { done: 0, total });
                let directory = Directory::new(&people);
                let assignment = directory.assign_observed(&contacts, &options, 1, &|done| {
                    post(FromWorker::Progress { done, total })
                });
                let mut review = Review::build(&contacts, &assignment);
                review.offer_choices(&contacts, &directory, &options, CHOICES);
                let rows = review.rows.len();
                let mut rest = review.rows;
                while !rest.is_empty() {
                    let tail = rest.split_off(rest.len().min(CHUNK));
                    post(FromWorker::Rows { items: rest });
                    rest = tail;
                }
                post(FromWorker::Done { rows });
            }
        }
    }
}

/// The worker's entry point: `match-worker.js` passes every message here.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn worker_message(data: wasm_bindgen::JsValue) -> Result<(), wasm_bindgen::JsValue> {
    use std::cell::RefCell;
    thread_local! {
        static WORKER: RefCell<MatchWorker> = RefCell::new(MatchWorker::default());
    }
    let message: ToWorker = serde_wasm_bindgen::from_value(data).map_err(|e| {
        wasm_bindgen::JsValue::from_str(&format!("bad message to the matcher: {e}"))
    })?;
    WORKER.with(|w| w.borrow_mut().handle(message, &post_to_page));
    Ok(())
}

#[cfg(target_arch = "wasm32")]
fn post_to_page(message: FromWorker) {
    use wasm_bindgen::JsCast;
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    if let Ok(value) = to_js(&message) {
        let _ = scope.post_message(&value);
    }
}

/// A message as a JS value (plain objects and arrays, numbers for IDs), for `postMessage`.
pub fn to_js<T: Serialize>(value: &T) -> Result<wasm_bindgen::JsValue, String> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use telegram_identity::matching::assign;

    #[test]
    fn chunks_in_rows_out_equal_one_direct_review() {
        let data = telegram_identity::testdata::generate(4_500, 21);
        let options = MatchOptions {
            region: Some(data.region.into()),
        };
        let mut worker = MatchWorker::default();
        let out = Mutex::new(Vec::new());
        let post = |m: FromWorker| out.lock().unwrap().push(m);
        for message in chunks(&data.contacts, &data.people) {
            worker.handle(message, &post);
        }
        assert!(
            out.lock().unwrap().is_empty(),
            "nothing is answered before Match"
        );
        worker.handle(
            ToWorker::Match {
                options: options.clone(),
            },
            &post,
        );
        let out = out.into_inner().unwrap();

        let progress: Vec<usize> = out
            .iter()
            .filter_map(|m| match m {
                FromWorker::Progress { done, total } => {
                    assert_eq!(*total, data.contacts.len());
                    Some(*done)
                }
                _ => None,
            })
            .collect();
        assert_eq!(progress.first(), Some(&0));
        assert_eq!(progress.last(), Some(&data.contacts.len()));
        assert!(progress.len() > 10, "progress is reported as it goes");

        let rows: Vec<Row> = out
            .iter()
            .filter_map(|m| match m {
                FromWorker::Rows { items } => {
                    assert!(items.len() <= CHUNK);
                    Some(items.clone())
                }
                _ => None,
            })
            .flatten()
            .collect();
        assert_eq!(
            out.last(),
            Some(&FromWorker::Done {
                rows: data.contacts.len()
            })
        );
        let mut expected = Review::build(
            &data.contacts,
            &assign(&data.contacts, &data.people, &options),
        );
        let directory = Directory::new(&data.people);
        expected.offer_choices(&data.contacts, &directory, &options, CHOICES);
        assert_eq!(rows, expected.rows);
        assert!(
            rows.iter().any(|r| !r.choices.is_empty()),
            "some rows offer other candidates"
        );

        // The worker starts empty again: a second Match of nothing sends no rows.
        let again = Mutex::new(Vec::new());
        worker.handle(ToWorker::Match { options }, &|m| {
            again.lock().unwrap().push(m)
        });
        assert_eq!(
            again.into_inner().unwrap().last(),
            Some(&FromWorker::Done { rows: 0 })
        );
    }

    #[test]
    fn messages_have_the_documented_shape() {
        let m = ToWorker::Match {
            options: MatchOptions {
                region: Some("ES".into()),
            },
        };
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "match", "options": {"region": "ES"}})
        );
        let back: FromWorker =
            serde_json::from_value(serde_json::json!({"kind": "progress", "done": 3, "total": 9}))
                .unwrap();
        assert_eq!(back, FromWorker::Progress { done: 3, total: 9 });
    }
}
