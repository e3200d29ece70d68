//! Property tests: no input makes a parser or normaliser panic, and what we write we read back.

use proptest::prelude::*;
use telegram_identity::csv::{read_crm_contacts, read_telegram_contacts, write_telegram_contacts};
use telegram_identity::matching::{MatchOptions, assign, rank_contact};
use telegram_identity::normalize::{
    PhoneKey, REGIONS, Region, fold_name, normalize_username, phonetic_key,
};
use telegram_identity::{CrmContact, SenderId, TelegramPerson};

/// Text that exercises the interesting parts: CSV syntax, formula triggers, digits, scripts.
fn messy() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-zA-Z0-9 ,;\"'=+@\\-\t\r\n.()]{0,30}",
        "[\\p{Cyrillic}\\p{Greek}\\p{Latin} 'ʼ-]{0,20}",
        "(\\+|00|user|tg://user\\?id=|@|t\\.me/)?[0-9 ]{0,25}",
    ]
}

fn sender_id() -> impl Strategy<Value = SenderId> {
    (1..=SenderId::MAX).prop_map(|v| SenderId::new(v).unwrap())
}

fn optional_text() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        messy()
            .prop_filter("non-empty", |s| !s.is_empty())
            .prop_map(Some)
    ]
}

fn person() -> impl Strategy<Value = TelegramPerson> {
    (
        sender_id(),
        messy(),
        messy(),
        optional_text(),
        optional_text(),
    )
        .prop_map(
            |(sender_id, first_name, last_name, username, phone)| TelegramPerson {
                sender_id,
                first_name,
                last_name,
                username,
                phone,
            },
        )
}

fn contact() -> impl Strategy<Value = CrmContact> {
    (
        messy(),
        prop::collection::vec(messy(), 0..3),
        prop::collection::vec(messy(), 0..2),
        optional_text(),
    )
        .prop_map(|(name, phones, emails, username)| CrmContact {
            id: "x".into(),
            name,
            phones,
            emails,
            username,
            sender_id: None,
        })
}

proptest! {
    #[test]
    fn sender_id_parse_never_panics(input in messy()) {
        let _ = SenderId::parse(&input);
    }

    #[test]
    fn sender_id_display_parse_round_trip(id in sender_id()) {
        prop_assert_eq!(SenderId::parse(&id.to_string()), Ok(id));
        prop_assert_eq!(SenderId::parse(&format!(" user{id} ")), Ok(id));
        prop_assert_eq!(SenderId::parse(&format!("tg://user?id={id}")), Ok(id));
        let json = serde_json::to_string(&id).unwrap();
        prop_assert_eq!(serde_json::from_str::<SenderId>(&json).unwrap(), id);
        prop_assert_eq!(serde_json::from_str::<SenderId>(&id.get().to_string()).unwrap(), id);
    }

    #[test]
    fn sender_id_accepts_any_digit_grouping(id in sender_id(), cut in 1usize..4) {
        let digits = id.to_string();
        let grouped: Vec<String> = digits.as_bytes().chunks(cut).map(|c| String::from_utf8(c.to_vec()).unwrap()).collect();
        prop_assert_eq!(SenderId::parse(&grouped.join(" ")), Ok(id));
    }

    #[test]
    fn normalisers_never_panic(input in messy(), region in 0..REGIONS.len() + 1) {
        let tokens = fold_name(&input);
        for t in &tokens {
            prop_assert!(!t.is_empty());
            // Lowercase wherever a lowercase exists.
            prop_assert!(t.chars().all(|c| c.is_alphabetic() && c.to_lowercase().eq([c])), "{:?}", t);
            let _ = phonetic_key(t);
        }
        let _ = phonetic_key(&input);
        if let Ok(u) = normalize_username(&input) {
            prop_assert!((5..=32).contains(&u.len()));
            prop_assert!(u.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'));
        }
        let region = REGIONS.get(region).copied();
        if let Some(key) = PhoneKey::parse(&input, region) {
            prop_assert!(key.to_string().len() >= 6);
        }
        let _ = PhoneKey::parse_telegram(&input, None);
        let _ = Region::from_code(&input);
    }

    #[test]
    fn ascii_fast_path_folds_like_the_general_path(input in "[ -~]{0,30}") {
        // The emoji separates tokens and forces the non-ASCII path.
        prop_assert_eq!(fold_name(&input), fold_name(&format!("{input} 🙂")));
    }

    #[test]
    fn csv_readers_never_panic(input in messy()) {
        let _ = read_crm_contacts(&input);
        let _ = read_telegram_contacts(&input);
        let _ = read_crm_contacts(&format!("id,name,phone,email,senderId\n{input}"));
        let _ = read_telegram_contacts(&format!("First Name;Last Name;senderId\n{input}"));
    }

    #[test]
    fn telegram_csv_round_trips(people in prop::collection::vec(person(), 0..8)) {
        let text = write_telegram_contacts(&people);
        let read = read_telegram_contacts(&text).unwrap();
        prop_assert_eq!(read.errors, vec![]);
        prop_assert_eq!(read.records, people);
    }

    #[test]
    fn matching_never_panics(contacts in prop::collection::vec(contact(), 0..5), people in prop::collection::vec(person(), 0..5)) {
        let options = MatchOptions { region: Some("ES".into()) };
        let result = assign(&contacts, &people, &options);
        prop_assert!(result.proposals.len() <= contacts.len().min(people.len()));
        for p in &result.proposals {
            prop_assert!((0.0..=1.0).contains(&p.score));
        }
        for c in &contacts {
            for p in rank_contact(c, &people, &options, 3) {
                prop_assert!((0.0..=1.0).contains(&p.score));
            }
        }
    }
}
