//! Apply and undo as a state machine: batches of at most 100 writes, each re-read before it is
//! written, written through one bulk job, then journaled. The machine does no IO and reads no
//! clock; a driver asks it for the next [`Step`], performs it against Zendesk or the relay, and
//! reports back. Its whole state is plain serde data, so a reload can resume it from storage
//! (enums are internally tagged, `{"state": "Changed", "found": …}`, which the browser-side JSON
//! reader reads without extra code in the sidebar's bundle).
//!
//! Safety rules it enforces:
//! - a contact is written only if its field still holds what the plan expects (`expect`); one that
//!   already holds what the plan writes counts as done (written before a reload); anything else
//!   changed since the review and is left alone, listed as changed;
//! - after a reload, a batch whose job was submitted is polled, never resubmitted (a job that
//!   Zendesk no longer knows is re-verified first, which finds the contacts it wrote);
//! - an undo is a run of its own whose items are the run's written items reversed, under the same
//!   rules: only contacts still holding what the run wrote get their previous value back.

use serde::{Deserialize, Serialize};

use crate::review::PlanItem;

/// The most contacts in one `update_many` job (Zendesk's limit).
pub const BATCH_SIZE: usize = 100;

/// The most jobs one run has queued or running at Zendesk at once (the account allows 30, shared
/// with every other app and integration).
pub const JOBS_IN_FLIGHT: usize = 3;

/// What kind of run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum RunKind {
    /// Links from a reviewed plan.
    Link,
    /// Reverts run `of` (its batch `batch`, or all of it).
    Undo {
        /// The run undone.
        of: String,
        /// The batch undone, or `None` for the whole run.
        batch: Option<usize>,
    },
}

/// What happened to one item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state")]
pub enum ItemState {
    /// Not decided yet.
    Pending,
    /// Verified and sent in the batch's job.
    Sending,
    /// Was being sent when the outcome got lost (a reload before the job was recorded, a job
    /// Zendesk forgot or failed, a submit that got no answer): the next re-read decides, and a
    /// field that holds what this run writes counts as written by it (journaled, undoable).
    Uncertain,
    /// Written by this run.
    Written,
    /// Already held the value to write (written before a reload, or by someone else).
    AlreadyDone,
    /// Changed since the review (holds `found`): left alone.
    Changed {
        /// What the field held.
        found: Option<String>,
    },
    /// Zendesk refused this item.
    Failed {
        /// Zendesk's words.
        error: String,
    },
}

impl ItemState {
    /// Whether the item needs no more work.
    pub fn settled(&self) -> bool {
        !matches!(
            self,
            ItemState::Pending | ItemState::Sending | ItemState::Uncertain
        )
    }
}

/// Where a batch is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state")]
pub enum BatchState {
    /// Its contacts must be re-read.
    Pending,
    /// Re-read; the `Sending` items wait for their job.
    Verified,
    /// Its job was submitted.
    Submitted {
        /// Zendesk's job ID.
        job: String,
    },
    /// Written; the writes must be journaled.
    Written,
    /// Journaled: finished.
    Done,
}

/// A batch of at most [`BATCH_SIZE`] items.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Batch {
    /// The writes.
    pub items: Vec<PlanItem>,
    /// One per item.
    pub states: Vec<ItemState>,
    /// Where the batch is.
    pub state: BatchState,
}

/// One apply or undo run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    /// The run's ID, also the journal's `batch_id` of every write it makes.
    pub id: String,
    /// Link or undo.
    pub kind: RunKind,
    /// When it started, Unix seconds.
    pub started_at: i64,
    /// Who ran it (the host's current user), for the journal.
    pub agent: String,
    /// The batches, in order.
    pub batches: Vec<Batch>,
    /// Paused by the agent (or stopped by an error that needs one).
    pub paused: bool,
    /// Why the run stopped, when an error stopped it.
    pub stopped: Option<String>,
    /// What the history needs of a run whose batches are not loaded (see [`Run::from_head`]);
    /// `None` when the batches are here.
    #[serde(skip)]
    pub summary: Option<Summary>,
}

/// What the history shows of a run, kept in its head so the page lists every run without
/// downloading their batches.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// How many batches the run has.
    pub batches: usize,
    /// Counts over every item.
    pub progress: Progress,
    /// Whether every batch is done.
    pub finished: bool,
    /// The batches holding at least one item this run wrote (what can be undone).
    pub written_batches: Vec<usize>,
    /// The first [`SUMMARY_FAILURES`] items Zendesk refused.
    pub failures: Vec<Failure>,
}

/// An item Zendesk refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// The contact.
    pub contact_id: String,
    /// Its name.
    pub name: String,
    /// Zendesk's message.
    pub error: String,
}

/// How many refusals a head keeps.
pub const SUMMARY_FAILURES: usize = 50;

/// A run without its batches, stored on its own so that one step rewrites only the batch it
/// changed (a run of 10,000 writes is a hundred batch documents of about 25 KB).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunHead {
    /// See [`Run::id`].
    pub id: String,
    /// See [`Run::kind`].
    pub kind: RunKind,
    /// See [`Run::started_at`].
    pub started_at: i64,
    /// See [`Run::agent`].
    pub agent: String,
    /// How many batches the run has.
    pub batches: usize,
    /// See [`Run::paused`].
    pub paused: bool,
    /// See [`Run::stopped`].
    pub stopped: Option<String>,
    /// What the history shows.
    #[serde(default)]
    pub summary: Summary,
}

/// What the driver should do next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Re-read these contacts (`show_many`) and report with [`Run::verified`].
    Verify {
        /// The batch.
        batch: usize,
        /// Contact IDs.
        ids: Vec<String>,
    },
    /// Submit one job (`update_many`) with these writes and report with [`Run::submitted`].
    Submit {
        /// The batch.
        batch: usize,
        /// (contact ID, value to write or `None` to clear).
        writes: Vec<(String, Option<String>)>,
    },
    /// Poll the job until it completes and report with [`Run::job_done`] (or
    /// [`Run::job_lost`] when Zendesk no longer knows it).
    Poll {
        /// The batch.
        batch: usize,
        /// The job.
        job: String,
    },
    /// Journal these writes in the relay and report with [`Run::journaled`].
    Journal {
        /// The batch.
        batch: usize,
        /// The items written, to journal.
        items: Vec<PlanItem>,
    },
    /// Paused or stopped: wait for the agent.
    Paused,
    /// Nothing left to do.
    Finished,
}

/// Counts for the progress line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// Items in the run.
    pub total: usize,
    /// Written by the run.
    pub written: usize,
    /// Already held the value.
    pub already: usize,
    /// Changed since the review, left alone.
    pub changed: usize,
    /// Refused by Zendesk.
    pub failed: usize,
}

impl Progress {
    /// Items settled so far.
    pub fn settled(&self) -> usize {
        self.written + self.already + self.changed + self.failed
    }
}

impl Run {
    /// A link run over `items`, in batches of [`BATCH_SIZE`].
    pub fn new(
        id: String,
        kind: RunKind,
        started_at: i64,
        agent: String,
        items: Vec<PlanItem>,
    ) -> Run {
        let batches = items
            .chunks(BATCH_SIZE)
            .map(|chunk| Batch {
                items: chunk.to_vec(),
                states: vec![ItemState::Pending; chunk.len()],
                state: BatchState::Pending,
            })
            .collect();
        Run {
            id,
            kind,
            started_at,
            agent,
            batches,
            paused: false,
            stopped: None,
            summary: None,
        }
    }

    /// The next step; the same until the driver reports its outcome.
    pub fn next_step(&self) -> Step {
        if self.paused || self.stopped.is_some() {
            return Step::Paused;
        }
        // A written batch is journaled first: its writes are done and must be on record.
        if let Some((i, b)) = self
            .batches
            .iter()
            .enumerate()
            .find(|(_, b)| b.state == BatchState::Written)
        {
            let items = b
                .items
                .iter()
                .zip(&b.states)
                .filter(|(_, s)| **s == ItemState::Written)
                .map(|(it, _)| it.clone())
                .collect();
            return Step::Journal { batch: i, items };
        }
        // Then the next batch is started while fewer than JOBS_IN_FLIGHT jobs run, so Zendesk
        // works on one job while the next is verified and submitted.
        let submitted = || {
            self.batches
                .iter()
                .enumerate()
                .filter_map(|(i, b)| match &b.state {
                    BatchState::Submitted { job } => Some((i, job)),
                    _ => None,
                })
        };
        // A batch whose outcome was lost is re-read only once no other job is queued: its own
        // job may still be waiting behind them at Zendesk, and re-reading too early would see
        // the old values and submit the same writes again.
        let in_flight = submitted().count();
        let startable = |b: &Batch| match b.state {
            BatchState::Verified => true,
            BatchState::Pending => in_flight == 0 || !b.states.contains(&ItemState::Uncertain),
            _ => false,
        };
        if in_flight < JOBS_IN_FLIGHT
            && let Some((i, b)) = self
                .batches
                .iter()
                .enumerate()
                .find(|(_, b)| matches!(b.state, BatchState::Pending | BatchState::Verified))
                .filter(|(_, b)| startable(b))
        {
            if b.state == BatchState::Pending {
                return Step::Verify {
                    batch: i,
                    ids: b.items.iter().map(|it| it.contact_id.clone()).collect(),
                };
            }
            let writes = b
                .items
                .iter()
                .zip(&b.states)
                .filter(|(_, s)| **s == ItemState::Sending)
                .map(|(it, _)| (it.contact_id.clone(), it.write.clone()))
                .collect();
            return Step::Submit { batch: i, writes };
        }
        // Otherwise the oldest job is polled.
        match submitted().next() {
            Some((i, job)) => Step::Poll {
                batch: i,
                job: job.clone(),
            },
            None => Step::Finished,
        }
    }

    /// The batch's contacts as re-read: `current(contact_id)` is the field's value now (`None` when
    /// empty; a contact Zendesk no longer has is reported as failed).
    pub fn verified(&mut self, batch: usize, current: &dyn Fn(&str) -> Option<Option<String>>) {
        let b = &mut self.batches[batch];
        for (item, state) in b.items.iter().zip(b.states.iter_mut()) {
            if state.settled() {
                continue;
            }
            let uncertain = *state == ItemState::Uncertain;
            *state = match current(&item.contact_id) {
                None => ItemState::Failed {
                    error: "the contact no longer exists in the CRM".into(),
                },
                Some(now) if now == item.write && uncertain => ItemState::Written,
                Some(now) if now == item.write => ItemState::AlreadyDone,
                Some(now) if now == item.expect => ItemState::Sending,
                Some(found) => ItemState::Changed { found },
            };
        }
        let any = b.states.contains(&ItemState::Sending);
        b.state = if any {
            BatchState::Verified
        } else {
            BatchState::Written
        };
    }

    /// The batch's job was accepted as `job`.
    pub fn submitted(&mut self, batch: usize, job: String) {
        self.batches[batch].state = BatchState::Submitted { job };
    }

    /// The job completed; `failure(contact_id)` is Zendesk's error for an item it refused.
    pub fn job_done(&mut self, batch: usize, failure: &dyn Fn(&str) -> Option<String>) {
        let b = &mut self.batches[batch];
        for (item, state) in b.items.iter().zip(b.states.iter_mut()) {
            if *state == ItemState::Sending {
                *state = match failure(&item.contact_id) {
                    Some(error) => ItemState::Failed { error },
                    None => ItemState::Written,
                };
            }
        }
        b.state = BatchState::Written;
    }

    /// Zendesk no longer knows the job (job statuses are kept for a day): re-read the batch, which
    /// finds what the job wrote.
    pub fn job_lost(&mut self, batch: usize) {
        self.uncertain(batch);
    }

    /// The batch's job failed as a whole, or its submit got no answer: whatever it wrote is found
    /// by re-reading the batch, and counts as this run's.
    pub fn uncertain(&mut self, batch: usize) {
        let b = &mut self.batches[batch];
        for state in &mut b.states {
            if *state == ItemState::Sending {
                *state = ItemState::Uncertain;
            }
        }
        b.state = BatchState::Pending;
    }

    /// The batch's writes are in the journal.
    pub fn journaled(&mut self, batch: usize) {
        self.batches[batch].state = BatchState::Done;
    }

    /// Stops the run with a message for the agent (a 403, a missing field): it waits as paused.
    pub fn stop(&mut self, why: String) {
        self.stopped = Some(why);
    }

    /// Resumes a paused or stopped run.
    pub fn resume(&mut self) {
        self.paused = false;
        self.stopped = None;
    }

    /// After a reload: a batch re-read but not submitted is re-read again (its values may have
    /// changed while the page was closed). Submitted jobs are polled as they are.
    pub fn reloaded(&mut self) {
        for b in &mut self.batches {
            if b.state == BatchState::Verified {
                // The page may have closed while the batch's update_many was on its way.
                for state in &mut b.states {
                    if *state == ItemState::Sending {
                        *state = ItemState::Uncertain;
                    }
                }
                b.state = BatchState::Pending;
            }
        }
    }

    /// The run without its batches.
    pub fn head(&self) -> RunHead {
        RunHead {
            id: self.id.clone(),
            kind: self.kind.clone(),
            started_at: self.started_at,
            agent: self.agent.clone(),
            batches: match &self.summary {
                Some(s) => s.batches,
                None => self.batches.len(),
            },
            paused: self.paused,
            stopped: self.stopped.clone(),
            summary: match &self.summary {
                Some(s) => s.clone(),
                None => Summary {
                    batches: self.batches.len(),
                    progress: self.progress(),
                    finished: self.finished(),
                    written_batches: self.written_batches(),
                    failures: self.failures(),
                },
            },
        }
    }

    /// A run known by its head alone: the history can list it (from the head's summary), but it
    /// must get its batches ([`Run::from_parts`]) before it is resumed or undone.
    pub fn from_head(head: RunHead) -> Run {
        Run {
            id: head.id,
            kind: head.kind,
            started_at: head.started_at,
            agent: head.agent,
            batches: Vec::new(),
            paused: head.paused,
            stopped: head.stopped,
            summary: Some(Summary {
                batches: head.batches,
                ..head.summary
            }),
        }
    }

    /// Whether the batches must be loaded before the run is resumed or undone.
    pub fn needs_batches(&self) -> bool {
        self.summary.is_some()
    }

    /// The batches holding at least one item this run wrote.
    pub fn written_batches(&self) -> Vec<usize> {
        if let Some(s) = &self.summary {
            return s.written_batches.clone();
        }
        self.batches
            .iter()
            .enumerate()
            .filter(|(_, b)| b.states.contains(&ItemState::Written))
            .map(|(i, _)| i)
            .collect()
    }

    /// The first [`SUMMARY_FAILURES`] items Zendesk refused.
    pub fn failures(&self) -> Vec<Failure> {
        if let Some(s) = &self.summary {
            return s.failures.clone();
        }
        self.batches
            .iter()
            .flat_map(|b| b.items.iter().zip(&b.states))
            .filter_map(|(it, s)| match s {
                ItemState::Failed { error } => Some(Failure {
                    contact_id: it.contact_id.clone(),
                    name: it.name.clone(),
                    error: error.clone(),
                }),
                _ => None,
            })
            .take(SUMMARY_FAILURES)
            .collect()
    }

    /// A run from its head and its batches in order; `None` when batches are missing (a run
    /// whose storage was cut short is not resumed half-known).
    pub fn from_parts(head: RunHead, batches: Vec<Batch>) -> Option<Run> {
        let whole = batches.len() == head.batches
            && batches.iter().all(|b| b.items.len() == b.states.len());
        if !whole {
            return None;
        }
        Some(Run {
            id: head.id,
            kind: head.kind,
            started_at: head.started_at,
            agent: head.agent,
            batches,
            paused: head.paused,
            stopped: head.stopped,
            summary: None,
        })
    }

    /// Whether every batch is done.
    pub fn finished(&self) -> bool {
        if let Some(s) = &self.summary {
            return s.finished;
        }
        self.batches.iter().all(|b| b.state == BatchState::Done)
    }

    /// Counts over every item.
    pub fn progress(&self) -> Progress {
        if let Some(s) = &self.summary {
            return s.progress;
        }
        let mut p = Progress::default();
        for s in self.batches.iter().flat_map(|b| &b.states) {
            p.total += 1;
            match s {
                ItemState::Written => p.written += 1,
                ItemState::AlreadyDone => p.already += 1,
                ItemState::Changed { .. } => p.changed += 1,
                ItemState::Failed { .. } => p.failed += 1,
                ItemState::Pending | ItemState::Sending | ItemState::Uncertain => {}
            }
        }
        p
    }

    /// The undo of this run (or of its batch `batch`): every item this run wrote, reversed.
    pub fn undo(&self, batch: Option<usize>, id: String, started_at: i64, agent: String) -> Run {
        let items = self
            .batches
            .iter()
            .enumerate()
            .filter(|(i, _)| batch.is_none_or(|b| b == *i))
            .flat_map(|(_, b)| b.items.iter().zip(&b.states))
            .filter(|(_, s)| **s == ItemState::Written)
            .map(|(it, _)| PlanItem {
                contact_id: it.contact_id.clone(),
                name: it.name.clone(),
                expect: it.write.clone(),
                write: it.expect.clone(),
                reason: format!("undo of run {}", self.id),
            })
            .collect();
        Run::new(
            id,
            RunKind::Undo {
                of: self.id.clone(),
                batch,
            },
            started_at,
            agent,
            items,
        )
    }
}

/// How long to wait before retry `attempt` (1, 2, …) of a request Zendesk answered with a 5xx or
/// that did not arrive: 1 s, 2 s, 4 s, 8 s, 16 s, then give up (`None`).
pub fn backoff_ms(attempt: u32) -> Option<u32> {
    (1..=5).contains(&attempt).then(|| 1_000 << (attempt - 1))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn item(id: u32, write: &str) -> PlanItem {
        PlanItem {
            contact_id: id.to_string(),
            name: format!("C{id}"),
            expect: None,
            write: Some(write.into()),
            reason: "r".into(),
        }
    }

    fn items(n: u32) -> Vec<PlanItem> {
        (0..n)
            .map(|i| item(1000 + i, &format!("{}", 7_000_000_000u64 + u64::from(i))))
            .collect()
    }

    /// A stand-in CRM for driving the machine: field values, jobs, the writes made, the journal.
    #[derive(Default)]
    struct Crm {
        fields: BTreeMap<String, Option<String>>,
        jobs: BTreeMap<String, Vec<(String, Option<String>)>>,
        writes: Vec<String>,
        journal: Vec<String>,
        refuse: Vec<String>,
        /// Jobs submitted so far (their IDs are never reused, as Zendesk's are not).
        submitted: usize,
    }

    impl Crm {
        fn with(items: &[PlanItem]) -> Crm {
            Crm {
                fields: items.iter().map(|i| (i.contact_id.clone(), None)).collect(),
                ..Crm::default()
            }
        }

        /// Performs one step; returns false when the run is finished or paused.
        fn step(&mut self, run: &mut Run) -> bool {
            match run.next_step() {
                Step::Verify { batch, ids } => {
                    assert!(ids.len() <= BATCH_SIZE);
                    let fields = self.fields.clone();
                    run.verified(batch, &|id| fields.get(id).cloned());
                }
                Step::Submit { batch, writes } => {
                    let job = format!("job{}", self.submitted);
                    self.submitted += 1;
                    self.jobs.insert(job.clone(), writes);
                    run.submitted(batch, job);
                }
                Step::Poll { batch, job } => match self.jobs.remove(&job) {
                    Some(writes) => {
                        for (id, value) in writes {
                            if !self.refuse.contains(&id) {
                                self.fields.insert(id.clone(), value);
                                self.writes.push(id);
                            }
                        }
                        let refuse = self.refuse.clone();
                        run.job_done(batch, &|id| {
                            refuse
                                .iter()
                                .any(|r| r == id)
                                .then(|| "Forbidden".to_string())
                        });
                    }
                    None => run.job_lost(batch),
                },
                Step::Journal { batch, items } => {
                    self.journal.extend(items.into_iter().map(|i| i.contact_id));
                    run.journaled(batch);
                }
                Step::Paused | Step::Finished => return false,
            }
            true
        }

        fn finish(&mut self, run: &mut Run) {
            while self.step(run) {}
        }
    }

    /// Stores the run as the page does (head and batches apart, as JSON) and reads it back.
    fn reload(run: &Run) -> Run {
        let head: RunHead =
            serde_json::from_str(&serde_json::to_string(&run.head()).unwrap()).unwrap();
        let batches = run
            .batches
            .iter()
            .map(|b| serde_json::from_str(&serde_json::to_string(b).unwrap()).unwrap())
            .collect();
        let mut back = Run::from_parts(head, batches).expect("every batch was stored");
        back.reloaded();
        back
    }

    #[test]
    fn a_run_missing_a_batch_is_not_rebuilt() {
        let run = Run::new("r".into(), RunKind::Link, 0, "a".into(), items(250));
        let mut batches = run.batches.clone();
        batches.pop();
        assert_eq!(Run::from_parts(run.head(), batches), None);
        assert_eq!(Run::from_parts(run.head(), run.batches.clone()), Some(run));
    }

    #[test]
    fn a_run_writes_every_item_once_in_batches_of_a_hundred_and_journals_them() {
        for (n, batches) in [(0, 0), (1, 1), (100, 1), (101, 2), (250, 3)] {
            let plan = items(n);
            let mut crm = Crm::with(&plan);
            let mut run = Run::new("r1".into(), RunKind::Link, 0, "agent".into(), plan.clone());
            assert_eq!(run.batches.len(), batches, "{n}");
            crm.finish(&mut run);
            assert!(run.finished(), "{n}");
            assert_eq!(crm.writes.len(), n as usize, "{n}");
            assert_eq!(crm.journal, crm.writes, "{n}: journal = writes");
            assert_eq!(
                run.progress(),
                Progress {
                    total: n as usize,
                    written: n as usize,
                    ..Progress::default()
                }
            );
            assert!(plan.iter().all(|i| crm.fields[&i.contact_id] == i.write));
        }
    }

    #[test]
    fn a_field_changed_since_the_review_is_left_alone() {
        let plan = items(3);
        let mut crm = Crm::with(&plan);
        crm.fields.insert("1001".into(), Some("7999999999".into())); // someone linked it meanwhile
        crm.fields.insert("1002".into(), plan[2].write.clone()); // already holds our value
        let mut run = Run::new("r".into(), RunKind::Link, 0, "a".into(), plan);
        crm.finish(&mut run);
        assert_eq!(crm.writes, ["1000"]);
        assert_eq!(crm.fields["1001"].as_deref(), Some("7999999999"));
        assert_eq!(
            run.batches[0].states[1],
            ItemState::Changed {
                found: Some("7999999999".into())
            }
        );
        assert_eq!(run.batches[0].states[2], ItemState::AlreadyDone);
        let p = run.progress();
        assert_eq!((p.written, p.changed, p.already, p.settled()), (1, 1, 1, 3));
        assert_eq!(crm.journal, ["1000"], "only real writes are journaled");
    }

    #[test]
    fn a_reload_at_any_step_resumes_without_writing_a_contact_twice() {
        let plan = items(230);
        // Reload after every k-th step, for several k, including mid-batch. (After every single
        // step the run would re-read the same batch for ever: a verified batch is re-read after
        // a reload, which is the point.)
        for every in 2..=7 {
            let mut crm = Crm::with(&plan);
            let mut run = Run::new("r".into(), RunKind::Link, 0, "a".into(), plan.clone());
            let mut steps = 0;
            while crm.step(&mut run) {
                steps += 1;
                assert!(steps < 10_000, "every {every}: no progress");
                if steps % every == 0 {
                    run = reload(&run);
                }
            }
            assert!(run.finished(), "every {every}");
            let mut once = crm.writes.clone();
            once.sort();
            once.dedup();
            assert_eq!(
                once.len(),
                crm.writes.len(),
                "every {every}: a contact was written twice"
            );
            assert_eq!(crm.writes.len(), 230, "every {every}");
        }
    }

    #[test]
    fn a_job_zendesk_forgot_is_reverified_and_finds_its_writes() {
        let plan = items(5);
        let mut crm = Crm::with(&plan);
        let mut run = Run::new("r".into(), RunKind::Link, 0, "a".into(), plan);
        crm.step(&mut run); // verify
        crm.step(&mut run); // submit
        // Zendesk ran the job, then forgot its status.
        let writes = crm.jobs.remove("job0").unwrap();
        for (id, v) in writes {
            crm.fields.insert(id.clone(), v);
            crm.writes.push(id);
        }
        crm.finish(&mut run);
        assert_eq!(crm.writes.len(), 5, "nothing written twice");
        assert_eq!(
            run.progress().written,
            5,
            "what the lost job wrote is this run's"
        );
        assert_eq!(crm.journal.len(), 5, "and journaled, so it can be undone");
        assert_eq!(
            run.undo(None, "u".into(), 1, "a".into()).progress().total,
            5
        );
    }

    #[test]
    fn a_reload_while_the_submit_was_on_its_way_still_journals_its_writes() {
        let plan = items(3);
        let mut crm = Crm::with(&plan);
        let mut run = Run::new("r".into(), RunKind::Link, 0, "a".into(), plan.clone());
        crm.step(&mut run); // verify: the batch is Verified
        // update_many reached Zendesk and ran, but the page closed before recording the job.
        for i in &plan {
            crm.fields.insert(i.contact_id.clone(), i.write.clone());
            crm.writes.push(i.contact_id.clone());
        }
        let mut run = reload(&run);
        crm.finish(&mut run);
        assert_eq!(crm.writes.len(), 3, "not written again");
        assert_eq!((run.progress().written, crm.journal.len()), (3, 3));
        // Someone else's identical value, never sent by this run, stays AlreadyDone.
        let mut other = Run::new("o".into(), RunKind::Link, 0, "a".into(), plan);
        crm.finish(&mut other);
        assert_eq!(other.progress().already, 3);
    }

    #[test]
    fn per_item_refusals_are_listed_and_the_rest_written() {
        let plan = items(4);
        let mut crm = Crm::with(&plan);
        crm.refuse = vec!["1002".into()];
        let mut run = Run::new("r".into(), RunKind::Link, 0, "a".into(), plan);
        crm.finish(&mut run);
        assert_eq!(
            run.batches[0].states[2],
            ItemState::Failed {
                error: "Forbidden".into()
            }
        );
        assert_eq!((run.progress().written, run.progress().failed), (3, 1));
        assert!(!crm.journal.contains(&"1002".to_string()));
    }

    /// A step as a trace reads it ("V0", "S0", "P0", "J0"); `None` when the run waits or is done.
    fn label(step: &Step) -> Option<String> {
        Some(match step {
            Step::Verify { batch, .. } => format!("V{batch}"),
            Step::Submit { batch, .. } => format!("S{batch}"),
            Step::Poll { batch, .. } => format!("P{batch}"),
            Step::Journal { batch, .. } => format!("J{batch}"),
            Step::Paused | Step::Finished => return None,
        })
    }

    #[test]
    fn a_few_jobs_run_at_once_and_each_is_journaled_as_soon_as_it_is_written() {
        let plan = items(1_000);
        let mut crm = Crm::with(&plan);
        let mut run = Run::new("r".into(), RunKind::Link, 0, "a".into(), plan);
        let mut trace = Vec::new();
        loop {
            let in_flight = run
                .batches
                .iter()
                .filter(|b| matches!(b.state, BatchState::Submitted { .. }))
                .count();
            assert!(in_flight <= JOBS_IN_FLIGHT, "{in_flight} jobs at once");
            let Some(label) = label(&run.next_step()) else {
                break;
            };
            trace.push(label);
            crm.step(&mut run);
        }
        assert_eq!(
            trace[..12].join(" "),
            "V0 S0 V1 S1 V2 S2 P0 J0 V3 S3 P1 J1",
            "the next batch is verified and submitted while earlier jobs run"
        );
        assert_eq!(trace.len(), 10 * 4, "{}", trace.join(" "));
        assert_eq!(crm.writes.len(), 1_000);
        assert_eq!(crm.journal.len(), 1_000);
    }

    #[test]
    fn a_batch_whose_submit_got_no_answer_is_reread_only_once_no_job_is_queued() {
        let plan = items(500);
        let mut crm = Crm::with(&plan);
        let mut run = Run::new("r".into(), RunKind::Link, 0, "a".into(), plan);
        let mut trace = Vec::new();
        let mut lost_once = false;
        loop {
            let step = run.next_step();
            let Some(label) = label(&step) else {
                break;
            };
            trace.push(label);
            if let Step::Submit { batch: 1, writes } = &step
                && !lost_once
            {
                // The request reached Zendesk (its job will run) but the answer was lost.
                lost_once = true;
                crm.jobs.insert("lost".into(), writes.clone());
                run.uncertain(1);
                continue;
            }
            crm.step(&mut run);
            if trace.last().is_some_and(|t| t == "P0") {
                // Zendesk runs the lost job in its turn, after job 0.
                if let Some(writes) = crm.jobs.remove("lost") {
                    for (id, value) in writes {
                        crm.fields.insert(id.clone(), value);
                        crm.writes.push(id);
                    }
                }
            }
        }
        let joined = trace.join(" ");
        let reread = trace.iter().rposition(|t| t == "V1").unwrap();
        let last_poll_before = trace[..reread]
            .iter()
            .rposition(|t| t.starts_with('P'))
            .unwrap();
        assert!(
            trace[last_poll_before..reread]
                .iter()
                .all(|t| !t.starts_with('S')),
            "no job queued when batch 1 is re-read: {joined}"
        );
        assert_eq!(
            crm.writes.len(),
            500,
            "every contact written exactly once: {joined}"
        );
        let p = run.progress();
        assert_eq!(
            (p.written, p.already),
            (500, 0),
            "the lost job's writes count as the run's"
        );
    }

    #[test]
    fn a_head_alone_tells_the_history_what_the_batches_would() {
        let plan = items(250);
        let mut crm = Crm::with(&plan);
        crm.refuse = vec!["1003".into()];
        crm.fields
            .insert("1201".into(), Some("someone else".into()));
        let mut run = Run::new("r".into(), RunKind::Link, 0, "a".into(), plan);
        for _ in 0..5 {
            crm.step(&mut run);
        }
        let head: RunHead =
            serde_json::from_str(&serde_json::to_string(&run.head()).unwrap()).unwrap();
        let summary = Run::from_head(head.clone());
        assert!(summary.needs_batches() && !run.needs_batches());
        assert_eq!(summary.head(), head, "a head read back is stored as it was");
        assert_eq!(summary.progress(), run.progress());
        assert!(!summary.finished());
        crm.finish(&mut run);
        let summary = Run::from_head(run.head());
        assert!(summary.finished());
        assert_eq!(summary.progress(), run.progress());
        assert_eq!(summary.written_batches(), [0, 1, 2]);
        assert_eq!(summary.written_batches(), run.written_batches());
        let failures = summary.failures();
        assert_eq!(failures.len(), 1);
        assert_eq!(
            (failures[0].contact_id.as_str(), failures[0].error.as_str()),
            ("1003", "Forbidden")
        );
        assert_eq!(run.progress().changed, 1);
        // The batches make it whole again.
        let whole = Run::from_parts(run.head(), run.batches.clone()).unwrap();
        assert!(!whole.needs_batches());
        assert_eq!(whole, run);
    }

    #[test]
    fn pause_and_stop_hold_the_run_until_resumed() {
        let plan = items(150);
        let mut crm = Crm::with(&plan);
        let mut run = Run::new("r".into(), RunKind::Link, 0, "a".into(), plan);
        while run.batches[0].state != BatchState::Done {
            crm.step(&mut run); // the first batch: verify, submit, poll, journal
        }
        run.paused = true;
        assert_eq!(run.next_step(), Step::Paused);
        run.resume();
        run.stop("no permission".into());
        assert_eq!(run.next_step(), Step::Paused);
        assert_eq!(crm.writes.len(), 100);
        run.resume();
        crm.finish(&mut run);
        assert_eq!(crm.writes.len(), 150);
    }

    #[test]
    fn undoing_one_batch_restores_exactly_that_batch_where_the_field_still_holds_the_run_value() {
        let plan = items(250);
        let mut crm = Crm::with(&plan);
        let mut run = Run::new("r".into(), RunKind::Link, 0, "a".into(), plan.clone());
        crm.finish(&mut run);
        // Someone relinks one contact of batch 1 after the run.
        crm.fields.insert("1150".into(), Some("7123456789".into()));
        let mut undo = run.undo(Some(1), "u".into(), 5, "a".into());
        assert_eq!(
            undo.kind,
            RunKind::Undo {
                of: "r".into(),
                batch: Some(1)
            }
        );
        assert_eq!(undo.progress().total, 100);
        crm.writes.clear();
        crm.finish(&mut undo);
        assert_eq!(crm.writes.len(), 99);
        assert_eq!(
            undo.progress().changed,
            1,
            "the relinked contact is listed and left alone"
        );
        assert_eq!(crm.fields["1150"].as_deref(), Some("7123456789"));
        for i in &plan {
            let n: u32 = i.contact_id.parse().unwrap();
            let want = if (1100..1200).contains(&n) && n != 1150 {
                None
            } else if n == 1150 {
                Some("7123456789".into())
            } else {
                i.write.clone()
            };
            assert_eq!(crm.fields[&i.contact_id], want, "{n}");
        }
        // The whole run's undo covers every written item.
        assert_eq!(
            run.undo(None, "u2".into(), 6, "a".into()).progress().total,
            250
        );
    }

    #[test]
    fn backoff_doubles_then_gives_up() {
        let delays: Vec<Option<u32>> = (0..=6).map(backoff_ms).collect();
        assert_eq!(
            delays,
            [
                None,
                Some(1_000),
                Some(2_000),
                Some(4_000),
                Some(8_000),
                Some(16_000),
                None
            ]
        );
    }
}
