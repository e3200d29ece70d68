//! Matching CRM contacts to Telegram people.
//!
//! One scoring, used two ways:
//! * [`Directory::rank`]: candidates for one contact against a directory (the sidebar);
//! * [`assign`]: a one-to-one assignment over whole sets (bulk linking): at most one proposal per
//!   contact and per senderId.
//!
//! Candidates come from an index (equal phone key, phone suffix, username, and sound-alike name
//! keys), never from comparing all pairs, so the cost grows about linearly with the input. Results
//! are sorted and ties broken by input position and senderId: the same input gives the same output.
//!
//! A proposal is [`Tier::Auto`] only with a strong identifier (an equal phone key or an equal
//! username), no contradicting evidence (a different username, a different phone, a name that
//! disagrees) and no competitor within [`AUTO_MARGIN`]; names alone never reach it.

mod index;
mod score;
pub(crate) mod similarity;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

use crate::normalize::Region;
use crate::{CrmContact, SenderId, TelegramPerson};
use index::{Contact, Index, Person, Stage};
pub use score::{AUTO_MARGIN, AUTO_MIN, REVIEW_MIN};

/// Settings of a matching run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchOptions {
    /// Default region (ISO code such as `ES`) for CRM phone numbers written without a country code.
    #[serde(default)]
    pub region: Option<String>,
}

impl MatchOptions {
    fn region(&self) -> Option<&'static Region> {
        self.region.as_deref().and_then(Region::find)
    }
}

/// How far a proposal can be trusted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Safe to link without review.
    Auto,
    /// Plausible: a person should decide.
    Review,
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Tier::Auto => "auto",
            Tier::Review => "review",
        })
    }
}

/// Which evidence a reason is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceField {
    /// Phone numbers (compared as phone keys).
    Phone,
    /// The CRM's username field against the Telegram username.
    Username,
    /// The local part of a CRM email against the Telegram username.
    EmailUsername,
    /// A CRM name token found in the Telegram username.
    UsernameName,
    /// Names (folded, transliterated, any token order).
    Name,
}

/// How strongly a field agrees.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strength {
    /// The same value after normalisation.
    Equal,
    /// Nearly the same (a typo, a transliteration, a missing middle token).
    Close,
    /// Part agrees (one name token; the last eight digits of a phone).
    Partial,
    /// Both sides have a value and they disagree: evidence against.
    Different,
}

/// One piece of evidence behind a score: machine-readable, with the compared values for people.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    /// The field compared.
    pub field: EvidenceField,
    /// How strongly it agrees.
    pub strength: Strength,
    /// The CRM side's value as written.
    pub crm: String,
    /// The Telegram side's value as written.
    pub telegram: String,
}

impl Reason {
    /// A short English phrase, as the sidebar shows it: `phone equal`,
    /// `name close: Jon Perk ~ John Perk`.
    pub fn describe(&self) -> String {
        let field = match self.field {
            EvidenceField::Phone => "phone",
            EvidenceField::Username => "username",
            EvidenceField::EmailUsername => "email matches username",
            EvidenceField::Name => "name",
            EvidenceField::UsernameName => "username contains the name",
        };
        match (self.field, self.strength) {
            (EvidenceField::EmailUsername | EvidenceField::UsernameName, _) => {
                format!("{field}: {} ~ @{}", self.crm, self.telegram)
            }
            (EvidenceField::Phone, Strength::Equal) => "phone equal".to_string(),
            (EvidenceField::Phone, Strength::Close) => {
                format!("phone one typo apart: {} ~ {}", self.crm, self.telegram)
            }
            (EvidenceField::Phone, Strength::Partial) => {
                format!(
                    "phone partly equal (last 8 digits): {} ~ {}",
                    self.crm, self.telegram
                )
            }
            (EvidenceField::Username, Strength::Equal) => {
                format!("username equal: @{}", self.telegram)
            }
            (_, Strength::Equal) => format!("{field} equal: {} ~ {}", self.crm, self.telegram),
            (_, Strength::Close) => format!("{field} close: {} ~ {}", self.crm, self.telegram),
            (_, Strength::Partial) => {
                format!("{field} partly equal: {} ~ {}", self.crm, self.telegram)
            }
            (_, Strength::Different) => {
                format!("{field} different: {} ≠ {}", self.crm, self.telegram)
            }
        }
    }

    /// Reasons joined with `; `, for one-line displays and CSV cells.
    pub fn describe_all(reasons: &[Reason]) -> String {
        reasons
            .iter()
            .map(Reason::describe)
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// A proposed link between a CRM contact and a Telegram person.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    /// The contact's CRM id.
    pub crm_id: String,
    /// The contact's position in the input.
    pub crm_index: usize,
    /// The Telegram person.
    pub sender_id: SenderId,
    /// In [0, 1], rounded to three decimals.
    pub score: f64,
    /// Whether it is safe to link without review.
    pub tier: Tier,
    /// The evidence, strongest first.
    pub reasons: Vec<Reason>,
}

/// A contact that already holds a senderId.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExistingLink {
    /// The contact's CRM id.
    pub crm_id: String,
    /// The senderId it holds.
    pub sender_id: SenderId,
    /// Whether that senderId is among the Telegram people given.
    pub known: bool,
}

/// One senderId held by several contacts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    /// The shared senderId.
    pub sender_id: SenderId,
    /// The contacts holding it, in input order.
    pub crm_ids: Vec<String>,
}

/// The result of a bulk assignment.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Assignment {
    /// At most one per contact and per senderId, sorted by contact position.
    pub proposals: Vec<Proposal>,
    /// Contacts that already hold a senderId (not re-matched), in input order.
    pub existing: Vec<ExistingLink>,
    /// SenderIds held by more than one contact, sorted by senderId.
    pub conflicts: Vec<Conflict>,
    /// Contacts without a senderId that got no proposal.
    pub unmatched_contacts: usize,
}

impl Assignment {
    /// Number of proposals in a tier.
    pub fn count(&self, tier: Tier) -> usize {
        self.proposals.iter().filter(|p| p.tier == tier).count()
    }
}

/// Telegram people indexed for matching; build once, query many times.
pub struct Directory<'a> {
    people: &'a [TelegramPerson],
    /// The people prepared, in chunks of `chunk` as the threads made them (joining them would
    /// copy every record once more).
    prepared: Vec<Vec<Person>>,
    chunk: usize,
    index: Index,
}

impl<'a> Directory<'a> {
    /// Normalises and indexes the people (linear in their number).
    pub fn new(people: &'a [TelegramPerson]) -> Directory<'a> {
        Directory::with_threads(people, default_threads())
    }

    /// [`Directory::new`] preparing people on at most `threads` threads (natively).
    pub fn with_threads(people: &'a [TelegramPerson], threads: usize) -> Directory<'a> {
        let chunk = chunk_size(people.len(), threads);
        // Each thread prepares its people and indexes them; the parts are merged after.
        let (prepared, parts): (Vec<_>, Vec<_>) =
            parallel_chunks(people, threads, |first, chunk| {
                let prepared: Vec<Person> = chunk.iter().map(Person::new).collect();
                let part = Index::part(&prepared, first);
                (prepared, part)
            })
            .into_iter()
            .unzip();
        let index = Index::merge(parts);
        Directory {
            people,
            prepared,
            chunk,
            index,
        }
    }

    fn person(&self, i: u32) -> &Person {
        let i = i as usize;
        &self.prepared[i / self.chunk][i % self.chunk]
    }

    /// The people this directory was built from.
    pub fn people(&self) -> &'a [TelegramPerson] {
        self.people
    }

    /// Ranks the directory's people for one contact: every candidate scoring at least
    /// [`REVIEW_MIN`], best first (ties by senderId), at most `limit`. The best is `auto` only if
    /// it has a strong identifier, no contradiction, and the next is more than [`AUTO_MARGIN`]
    /// behind. The contact's own senderId, if any, is ignored: callers show existing links.
    pub fn rank(
        &self,
        contact: &CrmContact,
        options: &MatchOptions,
        limit: usize,
    ) -> Vec<Proposal> {
        let prepared = Contact::new(contact, options.region());
        let scored = self.candidates(&prepared);
        let best = scored.first().map_or(0.0, |s| s.score);
        let second = scored.get(1).map_or(0.0, |s| s.score);
        let shared = scored.iter().filter(|s| s.strong).count() > 1;
        scored
            .into_iter()
            .take(limit)
            .enumerate()
            .map(|(rank, s)| {
                // Only the best can be auto; the others compete with it.
                let competitor = if rank == 0 { second } else { best };
                self.proposal(contact, 0, &prepared, s, competitor, shared)
            })
            .collect()
    }

    /// Scored candidates at or above [`REVIEW_MIN`], best first.
    fn candidates(&self, contact: &Contact) -> Vec<score::Scored> {
        let mut scored = Vec::new();
        self.score_candidates(contact, &mut Scratch::default(), &mut scored, |_| true);
        // A contact's candidates are few (blocks are capped): the small sort is enough.
        sort_small_by(&mut scored, |a, b| {
            let sender = |s: &score::Scored| self.people[s.person as usize].sender_id;
            b.score
                .total_cmp(&a.score)
                .then_with(|| sender(a).cmp(&sender(b)))
                == std::cmp::Ordering::Less
        });
        scored
    }

    /// Looks up and scores a contact's candidates (those `allowed`), appending the ones at or
    /// above [`REVIEW_MIN`] to `scored`. The fallback keys are read only when the first stage
    /// found nothing above [`FALLBACK_BELOW`].
    fn score_candidates(
        &self,
        contact: &Contact,
        scratch: &mut Scratch,
        scored: &mut Vec<score::Scored>,
        allowed: impl Fn(u32) -> bool,
    ) {
        self.look_up(contact, scratch);
        self.score_looked_up(contact, scratch, scored, allowed);
    }

    /// The first stage of [`Directory::score_candidates`]: the contact's keys and the people they
    /// find, whose records are read into the cache. In bulk it runs one contact ahead of the
    /// scoring, so that the next contact's cache misses overlap with the work on this one.
    fn look_up(&self, contact: &Contact, scratch: &mut Scratch) {
        scratch.keys.clear();
        contact.keys(&mut scratch.keys);
        scratch.ids.clear();
        self.index
            .lookup(&scratch.keys, Stage::First, &mut scratch.ids);
        self.touch(&scratch.ids);
    }

    /// Reads every candidate's record once before scoring any, so that their cache misses overlap
    /// (scoring one is too long for the processor to reach the next one's reads).
    fn touch(&self, ids: &[u32]) {
        for &pi in ids {
            self.person(pi).touch();
        }
    }

    /// The rest of [`Directory::score_candidates`] after [`Directory::look_up`].
    fn score_looked_up(
        &self,
        contact: &Contact,
        scratch: &mut Scratch,
        scored: &mut Vec<score::Scored>,
        allowed: impl Fn(u32) -> bool,
    ) {
        let (ids, keys) = (&mut scratch.ids, &scratch.keys);
        let start = scored.len();
        let mut best = 0.0f64;
        for stage in [Stage::First, Stage::Fallback] {
            if stage == Stage::Fallback && best >= FALLBACK_BELOW {
                break;
            }
            let from = match stage {
                Stage::First => 0,
                Stage::Fallback => {
                    let from = ids.len();
                    self.index.lookup(keys, stage, ids);
                    self.touch(&ids[from..]);
                    from
                }
            };
            for &pi in &ids[from..] {
                if !allowed(pi) {
                    continue;
                }
                let Some(s) = score::score(contact, self.person(pi), pi) else {
                    continue;
                };
                best = best.max(s.score);
                if s.score >= REVIEW_MIN {
                    scored.push(s);
                }
            }
        }
        debug_assert!(scored[start..].iter().all(|s| s.score >= REVIEW_MIN));
    }

    fn proposal(
        &self,
        contact: &CrmContact,
        crm_index: usize,
        prepared: &Contact,
        s: score::Scored,
        competitor: f64,
        shared_identifier: bool,
    ) -> Proposal {
        let person = &self.people[s.person as usize];
        let tier = if s.auto_eligible
            && !shared_identifier
            && s.score >= AUTO_MIN
            && s.score - competitor >= AUTO_MARGIN
        {
            Tier::Auto
        } else {
            Tier::Review
        };
        Proposal {
            crm_id: contact.id.clone(),
            crm_index,
            sender_id: person.sender_id,
            score: (s.score * 1000.0).round() / 1000.0,
            tier,
            reasons: score::reasons(contact, prepared, person, self.person(s.person), &s),
        }
    }
}

/// Ranks `people` for one contact: a convenience for [`Directory::rank`] when the directory is used
/// once.
pub fn rank_contact(
    contact: &CrmContact,
    people: &[TelegramPerson],
    options: &MatchOptions,
    limit: usize,
) -> Vec<Proposal> {
    Directory::new(people).rank(contact, options, limit)
}

/// One-to-one assignment of contacts to Telegram people.
///
/// Contacts that hold a senderId are reported in [`Assignment::existing`] (and, when several hold
/// the same one, in [`Assignment::conflicts`]); they are not re-matched, and the people they hold
/// are not proposed to other contacts. The others are matched: every candidate pair scoring at least
/// [`REVIEW_MIN`] competes, pairs are taken best first (ties by contact position, then senderId)
/// while both sides are free; a pair backed by names alone is skipped when a competitor scores
/// within 0.02 of it (a coin toss is not a proposal). A pair is `auto` when eligible, no other
/// candidate of either side shares its strong identifier, and both its contact's and its
/// person's next-best candidates are more than [`AUTO_MARGIN`] behind.
pub fn assign(
    contacts: &[CrmContact],
    people: &[TelegramPerson],
    options: &MatchOptions,
) -> Assignment {
    let directory = Directory::new(people);
    directory.assign(contacts, options)
}

/// [`assign`] on at most `threads` threads natively (wasm uses one); the result is the same.
pub fn assign_with_threads(
    contacts: &[CrmContact],
    people: &[TelegramPerson],
    options: &MatchOptions,
    threads: usize,
) -> Assignment {
    Directory::with_threads(people, threads).assign_with_threads(contacts, options, threads)
}

impl Directory<'_> {
    /// [`assign`] against this directory.
    pub fn assign(&self, contacts: &[CrmContact], options: &MatchOptions) -> Assignment {
        self.assign_with_threads(contacts, options, default_threads())
    }

    /// [`Directory::assign`] on at most `threads` threads (natively; wasm always uses one). The
    /// result does not depend on the number of threads.
    pub fn assign_with_threads(
        &self,
        contacts: &[CrmContact],
        options: &MatchOptions,
        threads: usize,
    ) -> Assignment {
        self.assign_observed(contacts, options, threads, &|_| {})
    }

    /// [`Directory::assign_with_threads`] that reports how many contacts have been scored so far
    /// (every [`PROGRESS_STEP`] contacts, and once at the end), for a progress bar. Scoring is most
    /// of the work; the one-to-one pass after it takes a fraction of that.
    pub fn assign_observed(
        &self,
        contacts: &[CrmContact],
        options: &MatchOptions,
        threads: usize,
        progress: &(dyn Fn(usize) + Sync),
    ) -> Assignment {
        let scored_so_far = std::sync::atomic::AtomicUsize::new(0);
        let step = |n: usize| {
            let done = scored_so_far.fetch_add(n, std::sync::atomic::Ordering::Relaxed) + n;
            progress(done);
        };
        let region = options.region();
        let mut result = Assignment::default();

        // Existing links and conflicts.
        let mut holders: BTreeMap<SenderId, Vec<usize>> = BTreeMap::new();
        for (i, c) in contacts.iter().enumerate() {
            if let Some(id) = c.sender_id {
                holders.entry(id).or_default().push(i);
            }
        }
        // Plain integers, so the sort shares its code with the index's.
        let mut by_sender: Vec<(u64, u32)> = self
            .people
            .iter()
            .enumerate()
            .map(|(i, p)| (p.sender_id.get(), i as u32))
            .collect();
        by_sender.sort_unstable();
        let find = |id: SenderId| {
            by_sender
                .binary_search_by_key(&id.get(), |&(s, _)| s)
                .ok()
                .map(|pos| by_sender[pos].1)
        };
        let mut person_taken = vec![false; self.people.len()];
        for c in contacts {
            if let Some(id) = c.sender_id {
                let person = find(id);
                result.existing.push(ExistingLink {
                    crm_id: c.id.clone(),
                    sender_id: id,
                    known: person.is_some(),
                });
            }
        }
        for (id, list) in &holders {
            if let Some(p) = find(*id) {
                person_taken[p as usize] = true;
            }
            if list.len() > 1 {
                result.conflicts.push(Conflict {
                    sender_id: *id,
                    crm_ids: list.iter().map(|&i| contacts[i].id.clone()).collect(),
                });
            }
        }
        // A Telegram person may appear twice in the input; only the first copy is matched.
        for pair in by_sender.windows(2) {
            if pair[0].0 == pair[1].0 {
                person_taken[pair[1].1 as usize] = true;
            }
        }

        // Candidate edges, scored in parallel over contiguous chunks of contacts and concatenated
        // in order: the same edges in the same order whatever the number of threads.
        // Only what the one-to-one pass reads: the full evidence of the few pairs proposed is
        // scored again for their reasons, which keeps the edges small (24 bytes, not 88).
        struct Edge {
            contact: u32,
            person: u32,
            score: f64,
            /// [`score::Scored::strong`] and [`score::Scored::identifier`].
            strong: bool,
            identifier: bool,
        }
        let person_taken_ref = &person_taken;
        let chunks = parallel_chunks(contacts, threads, |offset, chunk| {
            let mut edges = Vec::new();
            let mut scored = Vec::new();
            let (mut scratch, mut ahead) = (Scratch::default(), Scratch::default());
            // The next contact to score, already looked up (one ahead: see `look_up`).
            let look_ahead = |k: usize, ahead: &mut Scratch| {
                chunk.get(k).filter(|c| c.sender_id.is_none()).map(|c| {
                    let prepared = Contact::new(c, region);
                    self.look_up(&prepared, ahead);
                    prepared
                })
            };
            let mut next = look_ahead(0, &mut ahead);
            for k in 0..chunk.len() {
                if k % PROGRESS_STEP == 0 && k > 0 {
                    step(PROGRESS_STEP);
                }
                let current = next.take();
                if current.is_some() {
                    std::mem::swap(&mut scratch, &mut ahead);
                }
                next = look_ahead(k + 1, &mut ahead);
                let Some(prepared) = current else {
                    continue;
                };
                scored.clear();
                self.score_looked_up(&prepared, &mut scratch, &mut scored, |pi| {
                    !person_taken_ref[pi as usize]
                });
                edges.extend(scored.iter().map(|s| Edge {
                    contact: (offset + k) as u32,
                    person: s.person,
                    score: s.score,
                    strong: s.strong,
                    identifier: s.identifier,
                }));
            }
            step(chunk.len() - chunk.len().saturating_sub(1) / PROGRESS_STEP * PROGRESS_STEP);
            edges
        });
        let mut edges: Vec<Edge> = Vec::with_capacity(chunks.iter().map(Vec::len).sum());
        for chunk_edges in chunks {
            edges.extend(chunk_edges);
        }
        let mut best_for_contact = vec![[0.0f64; 2]; contacts.len()];
        let mut best_for_person = vec![[0.0f64; 2]; self.people.len()];
        // How many candidates share a strong identifier, per contact and per person.
        let mut strong_for_contact = vec![0u8; contacts.len()];
        let mut strong_for_person = vec![0u8; self.people.len()];
        for e in &edges {
            let (ci, pi, s) = (e.contact as usize, e.person as usize, e);
            push_best(&mut best_for_contact[ci], s.score);
            push_best(&mut best_for_person[pi], s.score);
            if s.strong {
                strong_for_contact[ci] = strong_for_contact[ci].saturating_add(1);
                strong_for_person[pi] = strong_for_person[pi].saturating_add(1);
            }
        }

        // Each side's candidates, to find the competitors still free when a name-only pair
        // comes up: a namesake already linked by its phone is no longer a competitor.
        let contact_edges = Lists::build(
            contacts.len(),
            edges.iter().map(|e| (e.contact, (e.person, e.score))),
        );
        let person_edges = Lists::build(
            self.people.len(),
            edges.iter().map(|e| (e.person, (e.contact, e.score))),
        );

        // Greedy one-to-one, best first: score, then contact position and senderId, as plain
        // integers (no lookup of the person while sorting). The order is total (a contact meets a
        // person once), so an unstable sort gives one result. Each item carries what the pass
        // reads of its edge (the person, and whether more than names back it), so the pass reads
        // the items in order instead of the edges at random. Sorted in parts on the threads, then
        // merged.
        const IDENTIFIER: u32 = 1 << 31;
        assert!(
            self.people.len() < IDENTIFIER as usize,
            "at most 2^31 people"
        );
        let parts = parallel_chunks(&edges, threads, |_, chunk| {
            let mut part: Vec<(u64, u32, u64, u32)> = chunk
                .iter()
                .map(|e| {
                    // Scores are positive, so their bits sort like them; inverted for best first.
                    let score = u64::MAX - e.score.to_bits();
                    let sender = self.people[e.person as usize].sender_id.get();
                    let flag = if e.identifier { IDENTIFIER } else { 0 };
                    (score, e.contact, sender, e.person | flag)
                })
                .collect();
            part.sort_unstable();
            part
        });
        drop(edges);
        let order: Vec<(u64, u32, u64, u32)> = merged(&parts).collect();
        drop(parts);
        let mut contact_done = vec![false; contacts.len()];
        // At most one pick per contact (its person, competitor and shared identifier), kept in
        // contact order without sorting.
        let mut picked: Vec<Option<(u32, f64, bool)>> = vec![None; contacts.len()];
        for &(score, contact, _, person) in &order {
            let score = f64::from_bits(u64::MAX - score);
            let identifier = person & IDENTIFIER != 0;
            let (ci, pi) = (contact as usize, (person & !IDENTIFIER) as usize);
            if contact_done[ci] || person_taken[pi] {
                continue;
            }
            let competitor =
                second_of(&best_for_contact[ci], score).max(second_of(&best_for_person[pi], score));
            let free_competitor = || {
                let for_contact = contact_edges
                    .of(ci)
                    .iter()
                    .filter(|&&(p, _)| p as usize != pi && !person_taken[p as usize])
                    .map(|&(_, s)| s);
                let for_person = person_edges
                    .of(pi)
                    .iter()
                    .filter(|&&(c, _)| c as usize != ci && !contact_done[c as usize])
                    .map(|&(_, s)| s);
                for_contact.chain(for_person).fold(0.0f64, f64::max)
            };
            if !identifier && free_competitor() >= score - AMBIGUOUS {
                // Names alone and an equally good alternative: a coin toss, not a proposal.
                continue;
            }
            contact_done[ci] = true;
            person_taken[pi] = true;
            let shared = strong_for_contact[ci] > 1 || strong_for_person[pi] > 1;
            picked[ci] = Some((pi as u32, competitor, shared));
        }
        // The proposals with their reasons, in parallel: the reasons are most of this pass's work.
        // Each contact is prepared again for them, cheaper than keeping every contact's record.
        let picks: Vec<(usize, (u32, f64, bool))> = picked
            .iter()
            .enumerate()
            .filter_map(|(ci, pick)| pick.map(|p| (ci, p)))
            .collect();
        let proposals = parallel_chunks(&picks, threads, |_, chunk| {
            chunk
                .iter()
                .map(|&(ci, (person, competitor, shared))| {
                    let contact = &contacts[ci];
                    let prepared = Contact::new(contact, region);
                    let scored = score::score(&prepared, self.person(person), person)
                        .expect("a pair scores as it did");
                    self.proposal(contact, ci, &prepared, scored, competitor, shared)
                })
                .collect::<Vec<_>>()
        });
        result.proposals = proposals.into_iter().flatten().collect();
        result.unmatched_contacts =
            contacts.iter().filter(|c| c.sender_id.is_none()).count() - result.proposals.len();
        result
    }
}

/// The items of sorted `parts` in order: a merge that looks at every part's head for the next item
/// (the parts are few, one per thread).
pub(crate) fn merged<T: Ord + Copy>(parts: &[Vec<T>]) -> impl Iterator<Item = T> + '_ {
    let mut heads = vec![0usize; parts.len()];
    std::iter::from_fn(move || {
        let mut next: Option<usize> = None;
        for (p, part) in parts.iter().enumerate() {
            if heads[p] < part.len() && next.is_none_or(|n| part[heads[p]] < parts[n][heads[n]]) {
                next = Some(p);
            }
        }
        let p = next?;
        heads[p] += 1;
        Some(parts[p][heads[p] - 1])
    })
}

/// Buffers reused from one contact to the next.
#[derive(Default)]
struct Scratch {
    ids: Vec<u32>,
    keys: Vec<index::Key>,
}

/// Sorts a short slice stably by `less`. The standard library's sorts repeat tens of KB of code
/// in the wasm build for every element type; this loop is a few hundred bytes, and the slices it
/// sorts (a record's phones, a name's tokens, a contact's candidates) are short.
/// Adjacency lists in one flat array (no allocation per node): node `n`'s items are
/// `items[start[n]..start[n + 1]]`, in the order they were given.
struct Lists {
    start: Vec<u32>,
    items: Vec<(u32, f64)>,
}

impl Lists {
    fn build(nodes: usize, pairs: impl Iterator<Item = (u32, (u32, f64))> + Clone) -> Lists {
        let mut start = vec![0u32; nodes + 1];
        for (n, _) in pairs.clone() {
            start[n as usize + 1] += 1;
        }
        for i in 0..nodes {
            start[i + 1] += start[i];
        }
        let mut next = start.clone();
        let mut items = vec![(0, 0.0); start[nodes] as usize];
        for (n, item) in pairs {
            items[next[n as usize] as usize] = item;
            next[n as usize] += 1;
        }
        Lists { start, items }
    }

    fn of(&self, n: usize) -> &[(u32, f64)] {
        &self.items[self.start[n] as usize..self.start[n + 1] as usize]
    }
}

pub(crate) fn sort_small_by<T>(v: &mut [T], mut less: impl FnMut(&T, &T) -> bool) {
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && less(&v[j], &v[j - 1]) {
            v.swap(j, j - 1);
            j -= 1;
        }
    }
}

/// How many contacts [`Directory::assign_observed`] scores between two progress reports.
pub const PROGRESS_STEP: usize = 256;

/// Below this best score after the first lookup stage, the typo-tolerant fallback keys are read.
const FALLBACK_BELOW: f64 = 0.75;

/// Name-only pairs whose best competitor is this close are not proposed in bulk.
const AMBIGUOUS: f64 = 0.02;

/// Threads used by default: the machine's parallelism natively, one in wasm.
fn default_threads() -> usize {
    if cfg!(target_family = "wasm") {
        1
    } else {
        std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(8)
    }
}

/// The chunk length [`parallel_chunks`] cuts `len` items into: all of them at once (never zero)
/// for small inputs and in wasm.
fn chunk_size(len: usize, threads: usize) -> usize {
    if cfg!(target_family = "wasm") || len < 4096 {
        len.max(1)
    } else {
        len.div_ceil(threads.max(1))
    }
}

/// Applies `f` to contiguous chunks of `items` (with each chunk's offset), on up to `threads`
/// scoped threads, and returns the results in chunk order. Small inputs and wasm run inline.
fn parallel_chunks<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(usize, &[T]) -> R + Sync,
) -> Vec<R> {
    let size = chunk_size(items.len(), threads);
    if size >= items.len() {
        return vec![f(0, items)];
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(size)
            .enumerate()
            .map(|(i, chunk)| {
                let f = &f;
                scope.spawn(move || f(i * size, chunk))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a matching thread panicked"))
            .collect()
    })
}

/// Keeps the two best scores.
fn push_best(best: &mut [f64; 2], score: f64) {
    if score > best[0] {
        best[1] = best[0];
        best[0] = score;
    } else if score > best[1] {
        best[1] = score;
    }
}

/// The best competitor of `score` among the two best: the other one, or the best if `score` is not it.
fn second_of(best: &[f64; 2], score: f64) -> f64 {
    if score >= best[0] { best[1] } else { best[0] }
}

#[cfg(test)]
mod tests;
