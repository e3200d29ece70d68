//! The part of the engine the plugin links, exported without wasm-bindgen, to measure what the
//! engine costs in the plugin's wasm (`crate-type = ["cdylib"]`, profile `wasm-release`):
//! `SenderId::parse`, the CSV readers and writer, ranking one contact and the bulk assignment.
//! Strings go in and out as UTF-8 in linear memory: `alloc(len)` reserves input space, each
//! function reads `(ptr, len)` and leaves its JSON result for `result_ptr()`/`result_len()`.
// `#[unsafe(no_mangle)]` and raw pointers are the only way to export without wasm-bindgen.
#![allow(unsafe_code)]

use std::sync::Mutex;

use telegram_identity::csv::{read_crm_contacts, read_telegram_contacts, write_telegram_contacts};
use telegram_identity::matching::{MatchOptions, assign, rank_contact};
use telegram_identity::{CrmContact, SenderId, TelegramPerson};

static RESULT: Mutex<String> = Mutex::new(String::new());

/// Reserves `len` bytes for input and returns their address.
#[unsafe(no_mangle)]
pub extern "C" fn alloc(len: usize) -> *mut u8 {
    let mut v = Vec::<u8>::with_capacity(len);
    let ptr = v.as_mut_ptr();
    std::mem::forget(v);
    ptr
}

fn input<'a>(ptr: *const u8, len: usize) -> &'a str {
    // SAFETY: the caller wrote `len` bytes of UTF-8 at `ptr`, obtained from `alloc`.
    let bytes = unsafe { std::slice::from_raw_parts(ptr, len) };
    std::str::from_utf8(bytes).unwrap_or("")
}

fn set(result: String) -> usize {
    let len = result.len();
    *RESULT.lock().expect("single-threaded") = result;
    len
}

/// Address of the last result.
#[unsafe(no_mangle)]
pub extern "C" fn result_ptr() -> *const u8 {
    RESULT.lock().expect("single-threaded").as_ptr()
}

/// `SenderId::parse`: the ID, or the error message.
#[unsafe(no_mangle)]
pub extern "C" fn parse_sender_id(ptr: *const u8, len: usize) -> usize {
    set(match SenderId::parse(input(ptr, len)) {
        Ok(id) => id.to_string(),
        Err(e) => e.to_string(),
    })
}

/// Reads a CRM CSV and returns it as JSON.
#[unsafe(no_mangle)]
pub extern "C" fn crm_csv(ptr: *const u8, len: usize) -> usize {
    set(serde_json::to_string(&read_crm_contacts(input(ptr, len))).unwrap_or_default())
}

/// Reads a Telegram CSV and writes it back.
#[unsafe(no_mangle)]
pub extern "C" fn telegram_csv(ptr: *const u8, len: usize) -> usize {
    set(read_telegram_contacts(input(ptr, len))
        .map(|r| write_telegram_contacts(&r.records))
        .unwrap_or_default())
}

/// `{"contact": CrmContact, "people": [TelegramPerson]}` → ranked proposals as JSON.
#[unsafe(no_mangle)]
pub extern "C" fn rank(ptr: *const u8, len: usize) -> usize {
    #[derive(serde::Deserialize)]
    struct Input {
        contact: CrmContact,
        people: Vec<TelegramPerson>,
        options: MatchOptions,
    }
    set(match serde_json::from_str::<Input>(input(ptr, len)) {
        Ok(i) => serde_json::to_string(&rank_contact(&i.contact, &i.people, &i.options, 10))
            .unwrap_or_default(),
        Err(e) => e.to_string(),
    })
}

/// `{"contacts": [...], "people": [...]}` → the assignment as JSON.
#[unsafe(no_mangle)]
pub extern "C" fn bulk(ptr: *const u8, len: usize) -> usize {
    #[derive(serde::Deserialize)]
    struct Input {
        contacts: Vec<CrmContact>,
        people: Vec<TelegramPerson>,
        options: MatchOptions,
    }
    set(match serde_json::from_str::<Input>(input(ptr, len)) {
        Ok(i) => {
            serde_json::to_string(&assign(&i.contacts, &i.people, &i.options)).unwrap_or_default()
        }
        Err(e) => e.to_string(),
    })
}
