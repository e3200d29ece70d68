//! From the engine's one-to-one assignment to what the agent reviews and what Apply would write.
//!
//! Every contact lands in exactly one category. Bulk linking never overwrites a value: contacts
//! that already hold a senderId are either linked already or in conflict, and only empty fields
//! are ever planned for a write. No IO, no clock.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use telegram_identity::matching::{Assignment, Directory, MatchOptions, Proposal, Reason, Tier};
use telegram_identity::{CrmContact, SenderId, TelegramPerson};

/// Where a contact stands after matching.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Category {
    /// The engine is confident (`auto`): accepted unless the agent rejects it.
    Confident,
    /// Plausible (`review`): written only if the agent accepts it.
    Review,
    /// The contact holds a senderId another contact holds too: left as it is.
    Conflict,
    /// The contact already holds a senderId of its own: left as it is.
    Linked,
    /// No Telegram person matched.
    Unmatched,
}

impl Category {
    /// Every category, in the order the page lists them.
    pub const ALL: [Category; 5] = [
        Category::Confident,
        Category::Review,
        Category::Conflict,
        Category::Linked,
        Category::Unmatched,
    ];
}

/// One contact in the review.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// Position in the contacts given to [`Review::build`].
    pub contact: usize,
    /// Its category.
    pub category: Category,
    /// The proposed person (Confident and Review).
    pub sender_id: Option<SenderId>,
    /// The proposal's score.
    pub score: f64,
    /// Why, strongest first.
    pub reasons: Vec<Reason>,
    /// For conflicts: the other contacts holding the same senderId (their CRM IDs).
    pub shared_with: Vec<String>,
    /// Whether Apply writes this row.
    pub accepted: bool,
    /// The proposed person's name and username, as the agent reads them ("Ana Ruiz (@ana)").
    #[serde(default)]
    pub person: String,
    /// Other people the agent can pick instead (rows to decide only), best first.
    #[serde(default)]
    pub choices: Vec<Choice>,
}

/// Another candidate for a row to decide.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    /// The Telegram person.
    pub sender_id: SenderId,
    /// Their name and username.
    pub person: String,
    /// The engine's score.
    pub score: f64,
    /// Why, strongest first.
    pub reasons: Vec<Reason>,
}

/// The name and username of a Telegram person as rows show them.
pub fn person_label(p: &TelegramPerson) -> String {
    let mut name = format!("{} {}", p.first_name, p.last_name)
        .trim()
        .to_owned();
    if let Some(u) = &p.username {
        if !name.is_empty() {
            name.push(' ');
        }
        name.push_str(&format!("(@{u})"));
    }
    name
}

/// The review of one matching run.
#[derive(Clone, Debug, PartialEq)]
pub struct Review {
    /// One row per contact, in the contacts' order.
    pub rows: Vec<Row>,
}

/// One write Apply would make, or an undo would.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanItem {
    /// The CRM's ID of the contact.
    pub contact_id: String,
    /// Its name, for lists and the CSV.
    pub name: String,
    /// What the field must hold for the write to go ahead (`None`: empty).
    pub expect: Option<String>,
    /// What is written (`None`: clears the field).
    pub write: Option<String>,
    /// Why, for the journal ("phone equal; name close").
    pub reason: String,
}

/// What Apply would do: the writes, and what it leaves alone.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// The writes, in contact order.
    pub items: Vec<PlanItem>,
    /// Proposals the agent rejected or has not accepted.
    pub skipped: usize,
    /// Conflicts left as they are.
    pub conflicts: usize,
}

impl Review {
    /// The review of `assignment` over `contacts` (the same slice the assignment was made from).
    pub fn build(contacts: &[CrmContact], assignment: &Assignment) -> Review {
        let mut shared: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for c in &assignment.conflicts {
            for id in &c.crm_ids {
                let others = c.crm_ids.iter().filter(|o| *o != id).cloned().collect();
                shared.insert(id.as_str(), others);
            }
        }
        let mut rows: Vec<Row> = contacts
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let category = match (&c.sender_id, shared.get(c.id.as_str())) {
                    (Some(_), Some(_)) => Category::Conflict,
                    (Some(_), None) => Category::Linked,
                    (None, _) => Category::Unmatched,
                };
                Row {
                    contact: i,
                    category,
                    sender_id: c.sender_id,
                    score: 0.0,
                    reasons: Vec::new(),
                    shared_with: shared.get(c.id.as_str()).cloned().unwrap_or_default(),
                    accepted: false,
                    person: String::new(),
                    choices: Vec::new(),
                }
            })
            .collect();
        for p in &assignment.proposals {
            let Some(row) = rows.get_mut(p.crm_index) else {
                continue;
            };
            if row.category != Category::Unmatched {
                continue; // the engine never proposes for a held field; stay safe if it did
            }
            *row = proposal_row(p);
        }
        Review { rows }
    }

    /// Names every row's person from `people` (the directory the assignment was made with), and
    /// offers each row to decide up to `limit` other candidates: people the directory ranks for
    /// its contact that no other row holds or is proposed (so a pick never links one person to
    /// two contacts).
    pub fn offer_choices(
        &mut self,
        contacts: &[CrmContact],
        directory: &Directory<'_>,
        options: &MatchOptions,
        limit: usize,
    ) {
        let people = directory.people();
        let labels: BTreeMap<SenderId, &TelegramPerson> =
            people.iter().map(|p| (p.sender_id, p)).collect();
        let label = |s: SenderId| labels.get(&s).map(|p| person_label(p)).unwrap_or_default();
        let held: std::collections::BTreeSet<SenderId> =
            self.rows.iter().filter_map(|r| r.sender_id).collect();
        for row in &mut self.rows {
            if let Some(s) = row.sender_id {
                row.person = label(s);
            }
            if row.category != Category::Review {
                continue;
            }
            row.choices = directory
                .rank(&contacts[row.contact], options, limit + 1)
                .into_iter()
                .filter(|p| !held.contains(&p.sender_id))
                .take(limit)
                .map(|p| Choice {
                    sender_id: p.sender_id,
                    person: label(p.sender_id),
                    score: p.score,
                    reasons: p.reasons,
                })
                .collect();
        }
    }

    /// Picks choice `choice` of row `index` instead of its proposal, and accepts the row. The
    /// proposal becomes a choice in its place. Refused (`false`) when another row now holds or is
    /// proposed that person.
    pub fn pick(&mut self, index: usize, choice: usize) -> bool {
        let Some(sender) = self
            .rows
            .get(index)
            .and_then(|r| r.choices.get(choice))
            .map(|c| c.sender_id)
        else {
            return false;
        };
        let taken = self
            .rows
            .iter()
            .enumerate()
            .any(|(i, r)| i != index && r.sender_id == Some(sender));
        if taken {
            return false;
        }
        let row = &mut self.rows[index];
        let picked = row.choices.remove(choice);
        if let Some(previous) = row.sender_id {
            row.choices.insert(
                choice,
                Choice {
                    sender_id: previous,
                    person: std::mem::take(&mut row.person),
                    score: row.score,
                    reasons: std::mem::take(&mut row.reasons),
                },
            );
        }
        row.sender_id = Some(picked.sender_id);
        row.person = picked.person;
        row.score = picked.score;
        row.reasons = picked.reasons;
        row.accepted = true;
        true
    }

    /// How many rows each category has.
    pub fn counts(&self) -> BTreeMap<Category, usize> {
        let mut counts: BTreeMap<Category, usize> = Category::ALL.iter().map(|&c| (c, 0)).collect();
        for r in &self.rows {
            *counts.entry(r.category).or_default() += 1;
        }
        counts
    }

    /// Accepts or rejects row `index`; only proposals can be accepted.
    pub fn set_accepted(&mut self, index: usize, accepted: bool) {
        if let Some(row) = self.rows.get_mut(index)
            && matches!(row.category, Category::Confident | Category::Review)
        {
            row.accepted = accepted;
        }
    }

    /// Accepts every row of `category` (proposals only).
    pub fn accept_all(&mut self, category: Category) {
        for i in 0..self.rows.len() {
            if self.rows[i].category == category {
                self.set_accepted(i, true);
            }
        }
    }

    /// What Apply would do with each row, in row order (a contact listed twice, as an uploaded
    /// file can, is written once, for its first accepted row).
    fn decisions<'a>(
        &'a self,
        contacts: &'a [CrmContact],
    ) -> impl Iterator<Item = (&'a Row, Decision)> + 'a {
        let mut planned = std::collections::BTreeSet::new();
        self.rows.iter().map(move |r| {
            let decision = match r.category {
                Category::Confident | Category::Review
                    if r.accepted && planned.insert(contacts[r.contact].id.as_str()) =>
                {
                    Decision::Write
                }
                Category::Confident | Category::Review => Decision::Skip,
                Category::Conflict => Decision::Conflict,
                Category::Linked | Category::Unmatched => Decision::Nothing,
            };
            (r, decision)
        })
    }

    /// The counts of [`Review::plan`] without building it: cheap enough for every decision.
    pub fn tally(&self, contacts: &[CrmContact]) -> Tally {
        let mut t = Tally::default();
        for (_, d) in self.decisions(contacts) {
            match d {
                Decision::Write => t.link += 1,
                Decision::Skip => t.skipped += 1,
                Decision::Conflict => t.conflicts += 1,
                Decision::Nothing => {}
            }
        }
        t
    }

    /// The writes Apply would make for the accepted rows, and what it leaves alone.
    pub fn plan(&self, contacts: &[CrmContact]) -> Plan {
        let mut items = Vec::new();
        let t = self.tally(contacts);
        for (r, d) in self.decisions(contacts) {
            if d == Decision::Write {
                let c = &contacts[r.contact];
                let sender = r.sender_id.expect("proposal rows have a sender ID");
                items.push(PlanItem {
                    contact_id: c.id.clone(),
                    name: c.name.clone(),
                    expect: None,
                    write: Some(sender.to_string()),
                    reason: Reason::describe_all(&r.reasons),
                });
            }
        }
        Plan {
            items,
            skipped: t.skipped,
            conflicts: t.conflicts,
        }
    }
}

/// What Apply would do with one row.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Decision {
    Write,
    Skip,
    Conflict,
    Nothing,
}

/// How many contacts Apply would link, skip, and leave in conflict.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Contacts written.
    pub link: usize,
    /// Proposals not accepted (or a contact's second row).
    pub skipped: usize,
    /// Conflicts left as they are.
    pub conflicts: usize,
}

fn proposal_row(p: &Proposal) -> Row {
    let category = match p.tier {
        Tier::Auto => Category::Confident,
        Tier::Review => Category::Review,
    };
    Row {
        contact: p.crm_index,
        category,
        sender_id: Some(p.sender_id),
        score: p.score,
        reasons: p.reasons.clone(),
        shared_with: Vec::new(),
        // Confident proposals start accepted ("accept all confident" is the default); review
        // proposals wait for a person.
        accepted: p.tier == Tier::Auto,
        person: String::new(),
        choices: Vec::new(),
    }
}

impl Plan {
    /// The plan as CSV (RFC 4180, formula-looking cells neutralised), for the dry run download.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("contact_id,name,current_value,new_value,reason\r\n");
        for i in &self.items {
            let cells = [
                i.contact_id.as_str(),
                i.name.as_str(),
                i.expect.as_deref().unwrap_or(""),
                i.write.as_deref().unwrap_or(""),
                i.reason.as_str(),
            ];
            let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
            out.push_str(&line.join(","));
            out.push_str("\r\n");
        }
        out
    }
}

/// One CSV cell: quoted when it holds a comma, quote or line break; prefixed with `'` when a
/// spreadsheet would run it as a formula (OWASP's CSV injection advice).
fn csv_cell(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use telegram_identity::matching::{Conflict, ExistingLink};

    fn contact(id: &str, sender: Option<u64>) -> CrmContact {
        CrmContact {
            id: id.into(),
            name: format!("Name {id}"),
            sender_id: sender.map(|s| SenderId::new(s).unwrap()),
            ..CrmContact::default()
        }
    }

    fn proposal(index: usize, id: &str, sender: u64, tier: Tier) -> Proposal {
        Proposal {
            crm_id: id.into(),
            crm_index: index,
            sender_id: SenderId::new(sender).unwrap(),
            score: 0.9,
            tier,
            reasons: Vec::new(),
        }
    }

    /// Contacts: 0 confident, 1 review, 2 linked, 3 and 4 share an ID, 5 unmatched.
    fn sample() -> (Vec<CrmContact>, Assignment) {
        let contacts = vec![
            contact("1", None),
            contact("2", None),
            contact("3", Some(7100000009)),
            contact("4", Some(7100000004)),
            contact("5", Some(7100000004)),
            contact("6", None),
        ];
        let sid = |s| SenderId::new(s).unwrap();
        let assignment = Assignment {
            proposals: vec![
                proposal(0, "1", 7100000001, Tier::Auto),
                proposal(1, "2", 7100000002, Tier::Review),
            ],
            existing: vec![
                ExistingLink {
                    crm_id: "3".into(),
                    sender_id: sid(7100000009),
                    known: true,
                },
                ExistingLink {
                    crm_id: "4".into(),
                    sender_id: sid(7100000004),
                    known: true,
                },
                ExistingLink {
                    crm_id: "5".into(),
                    sender_id: sid(7100000004),
                    known: true,
                },
            ],
            conflicts: vec![Conflict {
                sender_id: sid(7100000004),
                crm_ids: vec!["4".into(), "5".into()],
            }],
            unmatched_contacts: 1,
        };
        (contacts, assignment)
    }

    #[test]
    fn every_contact_lands_in_one_category() {
        let (contacts, assignment) = sample();
        let review = Review::build(&contacts, &assignment);
        let categories: Vec<Category> = review.rows.iter().map(|r| r.category).collect();
        use Category::{Confident, Conflict, Linked, Unmatched};
        assert_eq!(
            categories,
            [
                Confident,
                Category::Review,
                Linked,
                Conflict,
                Conflict,
                Unmatched
            ]
        );
        assert_eq!(review.rows[3].shared_with, ["5"]);
        let counts = review.counts();
        assert_eq!(counts.values().sum::<usize>(), contacts.len());
        assert_eq!(
            (
                counts[&Confident],
                counts[&Category::Review],
                counts[&Conflict]
            ),
            (1, 1, 2)
        );
    }

    #[test]
    fn the_plan_writes_accepted_proposals_into_empty_fields_only() {
        let (contacts, assignment) = sample();
        let mut review = Review::build(&contacts, &assignment);
        // Confident starts accepted, review does not.
        let plan = review.plan(&contacts);
        assert_eq!((plan.items.len(), plan.skipped, plan.conflicts), (1, 1, 2));
        let tally = review.tally(&contacts);
        assert_eq!((tally.link, tally.skipped, tally.conflicts), (1, 1, 2));
        assert_eq!(
            plan.items[0],
            PlanItem {
                contact_id: "1".into(),
                name: "Name 1".into(),
                expect: None,
                write: Some("7100000001".into()),
                reason: String::new(),
            }
        );
        review.set_accepted(1, true);
        review.set_accepted(2, true); // a linked row cannot be accepted
        review.set_accepted(0, false);
        let plan = review.plan(&contacts);
        let written: Vec<&str> = plan.items.iter().map(|i| i.contact_id.as_str()).collect();
        assert_eq!((written, plan.skipped), (vec!["2"], 1));
        review.accept_all(Category::Confident);
        assert_eq!(review.plan(&contacts).items.len(), 2);
    }

    #[test]
    fn a_contact_listed_twice_is_planned_once() {
        let contacts = vec![contact("7", None), contact("7", None)];
        let assignment = Assignment {
            proposals: vec![
                proposal(0, "7", 7100000001, Tier::Auto),
                proposal(1, "7", 7100000002, Tier::Auto),
            ],
            ..Assignment::default()
        };
        let review = Review::build(&contacts, &assignment);
        let plan = review.plan(&contacts);
        assert_eq!((plan.items.len(), plan.skipped), (1, 1));
        assert_eq!(
            review.tally(&contacts),
            Tally {
                link: 1,
                skipped: 1,
                conflicts: 0
            }
        );
        assert_eq!(plan.items[0].write.as_deref(), Some("7100000001"));
    }

    fn telegram(sender: u64, first: &str, last: &str, username: Option<&str>) -> TelegramPerson {
        TelegramPerson {
            sender_id: SenderId::new(sender).unwrap(),
            first_name: first.into(),
            last_name: last.into(),
            username: username.map(Into::into),
            phone: None,
        }
    }

    #[test]
    fn a_row_to_decide_offers_free_namesakes_and_a_pick_never_doubles_a_person() {
        // Three namesakes; the first is already held by contact "9".
        let people = vec![
            telegram(7100000011, "María José", "Ruiz", Some("mj_one")),
            telegram(7100000012, "María José", "Ruiz", None),
            telegram(7100000013, "María José", "Ruiz", Some("mjr")),
        ];
        let mut contacts = vec![
            CrmContact {
                id: "8".into(),
                name: "María José Ruiz".into(),
                ..CrmContact::default()
            },
            contact("9", Some(7100000011)),
        ];
        contacts[1].name = "Someone Else".into();
        let options = MatchOptions::default();
        let directory = Directory::new(&people);
        // The bulk assignment leaves a coin toss unproposed; the review still has the row to
        // decide when the engine proposes one, as here.
        let assignment = Assignment {
            proposals: vec![proposal(0, "8", 7100000012, Tier::Review)],
            ..Assignment::default()
        };
        let mut review = Review::build(&contacts, &assignment);
        review.offer_choices(&contacts, &directory, &options, 3);
        let row = &review.rows[0];
        assert_eq!(row.person, "María José Ruiz");
        let offered: Vec<u64> = row.choices.iter().map(|c| c.sender_id.get()).collect();
        assert_eq!(
            offered,
            [7100000013],
            "not the proposal, not the person contact 9 holds"
        );
        assert_eq!(row.choices[0].person, "María José Ruiz (@mjr)");
        assert!(!row.choices[0].reasons.is_empty());
        assert_eq!(
            review.rows[1].person, "María José Ruiz (@mj_one)",
            "held people are named too"
        );

        assert!(review.pick(0, 0));
        let row = &review.rows[0];
        assert_eq!(row.sender_id.map(|s| s.get()), Some(7100000013));
        assert!(row.accepted, "picking accepts");
        assert_eq!(
            row.choices[0].sender_id.get(),
            7100000012,
            "the old proposal can be picked back"
        );
        let plan = review.plan(&contacts);
        assert_eq!(plan.items[0].write.as_deref(), Some("7100000013"));

        // A person another row is now proposed is refused.
        review.rows[1].sender_id = Some(SenderId::new(7100000012).unwrap());
        assert!(!review.pick(0, 0));
        assert_eq!(review.rows[0].sender_id.map(|s| s.get()), Some(7100000013));
        assert!(!review.pick(0, 5), "no such choice");
    }

    #[test]
    fn the_plan_csv_quotes_and_neutralises_cells() {
        let plan = Plan {
            items: vec![PlanItem {
                contact_id: "20001".into(),
                name: "=HYPERLINK(\"x\"), Bob".into(),
                expect: None,
                write: Some("7100000001".into()),
                reason: "phone equal".into(),
            }],
            skipped: 0,
            conflicts: 0,
        };
        assert_eq!(
            plan.to_csv(),
            "contact_id,name,current_value,new_value,reason\r\n20001,\"'=HYPERLINK(\"\"x\"\"), Bob\",,7100000001,phone equal\r\n"
        );
    }
}
