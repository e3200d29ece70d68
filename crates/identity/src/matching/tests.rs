//! Matching tests on small hand-made cases; the generated-data quality test is in
//! `tests/quality.rs`.

use super::*;
use crate::people::person;

fn contact(id: &str, name: &str, phones: &[&str], emails: &[&str]) -> CrmContact {
    CrmContact {
        id: id.into(),
        name: name.into(),
        phones: phones.iter().map(|s| s.to_string()).collect(),
        emails: emails.iter().map(|s| s.to_string()).collect(),
        ..CrmContact::default()
    }
}

/// The demo people of the project (see `notes/common.md`), plus namesakes and family.
fn directory() -> Vec<TelegramPerson> {
    vec![
        person(
            7100000001,
            "Lucía",
            "Fernández García",
            Some("lucia_fg"),
            Some("+34 612 345 678"),
        ),
        person(7100000002, "Андрей", "Иванов", Some("andrey_iv"), None),
        person(7100000003, "Jon", "Perk", None, Some("+44 7700 900123")),
        person(7100000004, "María José", "Ruiz", None, None),
        person(7100000005, "Олена", "Коваленко", Some("olena_k"), None),
        person(7100000006, "", "", None, None),
        person(7100000007, "María José", "Ruiz", None, None),
        person(7100000008, "Pablo", "Fernández", None, Some("34612345678")),
    ]
}

/// Renders a ranking as `sender score tier: reasons`, one per line.
fn render(proposals: &[Proposal]) -> String {
    proposals
        .iter()
        .map(|p| {
            format!(
                "{} {:.2} {}: {}",
                p.sender_id,
                p.score,
                p.tier,
                Reason::describe_all(&p.reasons)
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn check_rank(c: CrmContact, expected: &str) {
    let people = directory();
    let options = MatchOptions {
        region: Some("ES".into()),
    };
    let got = render(&rank_contact(&c, &people, &options, 5));
    assert_eq!(got, expected, "contact: {c:?}");
}

#[test]
fn ranks_one_contact() {
    check_rank(
        contact("1", "Lucia Fernandez", &["612 345 678"], &[]),
        // The phone is shared by two people: the name decides the order, and nothing is auto.
        "7100000001 0.98 review: phone equal; name close: Lucia Fernandez ~ Lucía Fernández García\n\
         7100000008 0.68 review: phone equal; name partly equal: Lucia Fernandez ~ Pablo Fernández",
    );
    check_rank(
        contact("2", "Andrei Ivanov", &[], &[]),
        "7100000002 0.76 review: name close: Andrei Ivanov ~ Андрей Иванов",
    );
    check_rank(
        contact("3", "John Perk", &["+44 7700 900123"], &[]),
        "7100000003 0.98 auto: phone equal; name close: John Perk ~ Jon Perk",
    );
    check_rank(
        contact("4", "Perk, J.", &[], &[]),
        "7100000003 0.72 review: name close: Perk, J. ~ Jon Perk",
    );
    check_rank(
        CrmContact {
            username: Some("@Andrey_IV".into()),
            ..contact("5", "A. Ivanov", &[], &[])
        },
        "7100000002 0.98 auto: username equal: @andrey_iv; name close: A. Ivanov ~ Андрей Иванов",
    );
    check_rank(
        contact("6", "Olena Kovalenko", &[], &["olena.k@example.com"]),
        // A handle made of the names only breaks ties: still a review.
        "7100000005 0.84 review: email matches username: olena.k@example.com ~ @olena_k; name equal: Olena Kovalenko ~ Олена Коваленко",
    );
    check_rank(
        contact("7", "Maria Jose Ruiz", &[], &[]),
        "7100000004 0.80 review: name equal: Maria Jose Ruiz ~ María José Ruiz\n\
         7100000007 0.80 review: name equal: Maria Jose Ruiz ~ María José Ruiz",
    );
    check_rank(contact("8", "Nobody Known", &["+1 555 010 9999"], &[]), "");
    check_rank(contact("9", "", &[], &[]), "");
}

#[test]
fn never_auto_on_names_alone() {
    let people = vec![person(1, "Jon", "Perk", Some("jonperk"), None)];
    let ranked = rank_contact(
        &contact("1", "Jon Perk", &[], &[]),
        &people,
        &MatchOptions::default(),
        5,
    );
    assert_eq!(ranked.len(), 1);
    assert_eq!(ranked[0].tier, Tier::Review);
}

#[test]
fn family_phone_is_not_auto() {
    // Same phone, same surname, another given name: a family member's number.
    let people = vec![person(1, "Carlos", "Durand", None, Some("33636282641"))];
    let ranked = rank_contact(
        &contact("1", "Stéphane Durand", &["06 36 28 26 41"], &[]),
        &people,
        &MatchOptions {
            region: Some("FR".into()),
        },
        5,
    );
    assert_eq!(
        render(&ranked),
        "1 0.68 review: phone equal; name partly equal: Stéphane Durand ~ Carlos Durand"
    );
}

#[test]
fn assignment_is_one_to_one_with_existing_links_and_conflicts() {
    let people = directory();
    let mut contacts = vec![
        contact("a", "Lucia Fernandez", &["612 345 678"], &[]),
        contact("b", "Pablo Fernández", &["+34 612 345 678"], &[]),
        contact("c", "John Perk", &["07700 900123"], &[]),
        contact("d", "Andrey Ivanov", &[], &[]),
        contact("e", "Olena", &[], &[]),
        contact("f", "María José Ruiz", &[], &[]),
    ];
    contacts.push(CrmContact {
        sender_id: SenderId::new(7100000005).ok(),
        ..contact("g", "Olena K", &[], &[])
    });
    contacts.push(CrmContact {
        sender_id: SenderId::new(7100000005).ok(),
        ..contact("h", "Olena Kovalenko", &[], &[])
    });
    contacts.push(CrmContact {
        sender_id: SenderId::new(999).ok(),
        ..contact("i", "Ghost", &[], &[])
    });
    let result = assign(
        &contacts,
        &people,
        &MatchOptions {
            region: Some("GB".into()),
        },
    );
    let got: Vec<String> = result
        .proposals
        .iter()
        .map(|p| format!("{} {} {:.2} {}", p.crm_id, p.sender_id, p.score, p.tier))
        .collect();
    // a's national number does not resolve in region GB: only its last digits agree. b's phone
    // is shared by two people: b takes the one whose name agrees, not auto. f's two namesakes
    // tie: no proposal. d is a transliteration.
    assert_eq!(
        got,
        [
            "a 7100000001 0.96 review",
            "b 7100000008 0.98 review",
            "c 7100000003 0.98 auto",
            "d 7100000002 0.80 review",
        ]
    );
    let existing: Vec<String> = result
        .existing
        .iter()
        .map(|e| format!("{} {} {}", e.crm_id, e.sender_id, e.known))
        .collect();
    assert_eq!(
        existing,
        ["g 7100000005 true", "h 7100000005 true", "i 999 false"]
    );
    assert_eq!(
        result.conflicts,
        [Conflict {
            sender_id: SenderId::new(7100000005).unwrap(),
            crm_ids: vec!["g".into(), "h".into()]
        }]
    );
    assert_eq!(result.unmatched_contacts, 2);
    assert_eq!(result.count(Tier::Auto), 1);
}

#[test]
fn output_does_not_depend_on_input_order() {
    let data = crate::testdata::generate(600, 3);
    let options = MatchOptions {
        region: Some(data.region.into()),
    };
    let forward = assign(&data.contacts, &data.people, &options);
    let mut people = data.people.clone();
    people.reverse();
    let backward = assign(&data.contacts, &people, &options);
    let key = |a: &Assignment| -> Vec<(usize, SenderId, Tier)> {
        a.proposals
            .iter()
            .map(|p| (p.crm_index, p.sender_id, p.tier))
            .collect()
    };
    assert_eq!(key(&forward), key(&backward));
    assert_eq!(assign(&data.contacts, &data.people, &options), forward);
}

#[test]
fn reasons_serialise_as_plain_json() {
    let r = Reason {
        field: EvidenceField::Name,
        strength: Strength::Close,
        crm: "Jon Perk".into(),
        telegram: "John Perk".into(),
    };
    assert_eq!(
        serde_json::to_string(&r).unwrap(),
        r#"{"field":"name","strength":"close","crm":"Jon Perk","telegram":"John Perk"}"#
    );
    assert_eq!(r.describe(), "name close: Jon Perk ~ John Perk");
    let p = Reason {
        field: EvidenceField::Phone,
        strength: Strength::Equal,
        crm: "+34612345678".into(),
        telegram: "+34612345678".into(),
    };
    assert_eq!(p.describe(), "phone equal");
}

#[test]
fn threads_do_not_change_the_result() {
    let data = crate::testdata::generate(6_000, 11);
    let options = MatchOptions {
        region: Some(data.region.into()),
    };
    let one = assign_with_threads(&data.contacts, &data.people, &options, 1);
    let four = assign_with_threads(&data.contacts, &data.people, &options, 4);
    assert!(one.proposals.len() > 3_000);
    assert_eq!(one, four);
}

#[test]
fn progress_counts_every_contact_once_and_only_grows() {
    let data = crate::testdata::generate(5_000, 12);
    let options = MatchOptions {
        region: Some(data.region.into()),
    };
    let directory = Directory::with_threads(&data.people, 3);
    for threads in [1, 3] {
        let seen = std::sync::Mutex::new(Vec::new());
        let observed = directory.assign_observed(&data.contacts, &options, threads, &|done| {
            seen.lock().unwrap().push(done);
        });
        let seen = seen.into_inner().unwrap();
        // Threads report in any order; the counter itself only grows.
        assert_eq!(
            seen.iter().max(),
            Some(&data.contacts.len()),
            "{threads} threads"
        );
        if threads == 1 {
            assert!(seen.windows(2).all(|w| w[0] <= w[1]));
            assert_eq!(seen.last(), Some(&data.contacts.len()));
        }
        assert!(
            seen.len() >= data.contacts.len() / PROGRESS_STEP,
            "{threads} threads"
        );
        assert_eq!(
            observed,
            directory.assign_with_threads(&data.contacts, &options, 1)
        );
    }
}

#[test]
fn an_initial_is_not_a_particle() {
    // Regression: "I." was taken for the Catalan conjunction "i" and ignored.
    let people = vec![person(1, "Irina", "Kravchuk", None, None)];
    let ranked = rank_contact(
        &contact("1", "I. Krawchuk", &[], &[]),
        &people,
        &MatchOptions::default(),
        3,
    );
    assert_eq!(
        render(&ranked),
        "1 0.68 review: name close: I. Krawchuk ~ Irina Kravchuk"
    );
}

#[test]
fn a_namesake_linked_by_phone_is_no_longer_a_competitor() {
    // Two Mateo Taylors on each side; one pair shares a phone. Once that pair is linked, the
    // other two have no one else left: a name-only link by elimination, not a coin toss.
    let people = vec![
        person(41, "Mateo", "Taylor", None, Some("+1 646 345 4114")),
        person(42, "Mateo", "Taylor", None, None),
    ];
    let contacts = vec![
        contact("phone", "Mateo Taylor", &["+1-646-345-4114"], &[]),
        contact("name", "Mateo Taylor", &[], &[]),
    ];
    let result = assign(&contacts, &people, &MatchOptions::default());
    assert_eq!(render_bulk(&result), ["phone 41 auto", "name 42 review"]);

    // With a third Mateo Taylor on Telegram, the name-only contact is a coin toss again.
    let mut people = people;
    people.push(person(43, "Mateo", "Taylor", None, None));
    let result = assign(&contacts, &people, &MatchOptions::default());
    assert_eq!(render_bulk(&result), ["phone 41 auto"]);
}

fn render_bulk(result: &Assignment) -> Vec<String> {
    result
        .proposals
        .iter()
        .map(|p| format!("{} {} {}", p.crm_id, p.sender_id, p.tier))
        .collect()
}

#[test]
fn small_sort_is_stable_and_agrees_with_std() {
    let mut rng = crate::testdata::SplitMix64::new(7);
    for len in 0..40 {
        let v: Vec<(u8, usize)> = (0..len).map(|i| (rng.below(5) as u8, i)).collect();
        let mut ours = v.clone();
        sort_small_by(&mut ours, |a, b| a.0 < b.0);
        let mut std = v;
        std.sort_by_key(|x| x.0); // stable: equal keys keep their input order
        assert_eq!(ours, std, "length {len}");
    }
}

/// Ranks `c` against `people` in `region`, rendered like [`render`].
fn ranked(c: CrmContact, people: &[TelegramPerson], region: &str) -> String {
    let options = MatchOptions {
        region: Some(region.into()),
    };
    render(&rank_contact(&c, people, &options, 5))
}

#[test]
fn evidence_classes_that_used_to_be_missed() {
    let cases: &[(CrmContact, &[TelegramPerson], &str, &str)] = &[
        // A national number on the Telegram side takes the default region.
        (
            contact("1", "Grace Hopper", &["+61 409 239 102"], &[]),
            &[person(1, "Grace", "Hopper", None, Some("0409 239 102"))],
            "AU",
            "1 0.98 auto: phone equal; name equal: Grace Hopper ~ Grace Hopper",
        ),
        // Equal phone, names that share nothing: a review at the floor, never auto.
        (
            contact("2", "Lucía Fernández", &["612 000 111"], &[]),
            &[person(2, "Mom", "", None, Some("+34612000111"))],
            "ES",
            "2 0.60 review: phone equal; name different: Lucía Fernández ≠ Mom",
        ),
        // ... and below a person whose name agrees.
        (
            contact("3", "Lucía Fernández", &["612 000 111"], &[]),
            &[
                person(2, "Mom", "", None, Some("+34612000111")),
                person(3, "Lucia", "Fernandez", None, None),
            ],
            "ES",
            "3 0.80 review: name equal: Lucía Fernández ~ Lucia Fernandez\n\
             2 0.60 review: phone equal; name different: Lucía Fernández ≠ Mom",
        ),
        // One digit changed, or two swapped, with agreeing names: a review, not auto.
        (
            contact("4", "John Perk", &["+44 7700 900132"], &[]),
            &[person(4, "Jon", "Perk", None, Some("+447700900123"))],
            "GB",
            "4 0.91 review: phone one typo apart: +447700900132 ~ +447700900123; name close: John Perk ~ Jon Perk",
        ),
        (
            contact("5", "John Perk", &["+44 7700 900124"], &[]),
            &[person(5, "Jon", "Perk", None, Some("+447700900123"))],
            "GB",
            "5 0.91 review: phone one typo apart: +447700900124 ~ +447700900123; name close: John Perk ~ Jon Perk",
        ),
        // A near phone does not make names that disagree a proposal.
        (
            contact("6", "Maria Ruiz", &["+44 7700 900124"], &[]),
            &[person(6, "Jon", "Perk", None, Some("+447700900123"))],
            "GB",
            "",
        ),
        // A name split by a space agrees with the joined one.
        (
            contact("7", "Caitlin Nyg Aard", &[], &[]),
            &[person(7, "Caitlin", "Nygaard", None, None)],
            "GB",
            "7 0.80 review: name equal: Caitlin Nyg Aard ~ Caitlin Nygaard",
        ),
        (
            contact("8", "Caitlin Moran", &["+44 7700 900123"], &[]),
            &[person(8, "Cait Lin", "Moran", None, Some("447700900123"))],
            "GB",
            "8 0.98 auto: phone equal; name equal: Caitlin Moran ~ Cait Lin Moran",
        ),
    ];
    for (c, people, region, expected) in cases {
        assert_eq!(ranked(c.clone(), people, region), *expected, "{c:?}");
    }
}

#[test]
fn relatives_sharing_a_phone_are_never_auto() {
    // Same phone, same surname, other given names on both sides: the family rule holds for every
    // evidence class.
    let people = [person(1, "Carlos", "Durand", None, Some("0636282641"))];
    let got = ranked(
        contact("1", "Stéphane Durand", &["+33 6 36 28 26 41"], &[]),
        &people,
        "FR",
    );
    assert_eq!(
        got,
        "1 0.68 review: phone equal; name partly equal: Stéphane Durand ~ Carlos Durand"
    );
}
