//! Background jobs (`update_many`): `queued` → `working` (with `progress`) → `completed`, with one
//! result per item; an item that cannot be written fails alone and the job still completes.
//! <https://developer.zendesk.com/api-reference/ticketing/ticket-management/job_statuses/>

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde_json::Value;

use crate::error::ZdError;
use crate::model::{JobResult, JobStatus, User};
use crate::{Double, MAX_JOBS_IN_FLIGHT, unix_now};

/// Queues a job that applies `items` (user ID, the changes) as `actor`, and returns its status.
/// Refused with 429 when the account already has 30 jobs queued or running.
pub fn start(double: &Double, actor: User, items: Vec<(u64, Value)>) -> Result<JobStatus, ZdError> {
    let job = {
        let mut s = double.lock();
        let in_flight = s.jobs.values().filter(|j| j.in_flight()).count();
        if in_flight >= MAX_JOBS_IN_FLIGHT {
            return Err(ZdError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "TooManyJobs",
                format!(
                    "The account has {in_flight} jobs queued or running, the most allowed is {MAX_JOBS_IN_FLIGHT}; wait for some to complete"
                ),
            ));
        }
        s.jobs_created += 1;
        // 32 hex digits, like Zendesk's; unique within a run and unlikely to repeat across runs.
        let id = format!("{:016x}{:016x}", unix_now() as u64, s.jobs_created);
        let job = JobStatus {
            id: id.clone(),
            total: items.len(),
            progress: None,
            status: "queued".into(),
            message: None,
            results: None,
        };
        s.jobs.insert(id, job.clone());
        job
    };
    tokio::spawn(run(double.clone(), job.id.clone(), actor, items));
    Ok(job)
}

async fn run(double: Double, id: String, actor: User, items: Vec<(u64, Value)>) {
    let item_delay = || Duration::from_millis(double.lock().faults.job_item_ms);
    tokio::time::sleep(item_delay()).await;
    set(&double, &id, |j| {
        j.status = "working".into();
        j.progress = Some(0);
        j.message = Some("Updating users".into());
    });
    let mut results = Vec::with_capacity(items.len());
    for (done, (user, patch)) in items.into_iter().enumerate() {
        tokio::time::sleep(item_delay()).await;
        let result = {
            let mut s = double.lock();
            if !s.jobs.contains_key(&id) {
                return; // the account was reset meanwhile: the job is gone and writes nothing
            }
            let injected = s.faults.fail_items.contains(&user);
            if injected {
                Err(ZdError::invalid(
                    "user",
                    "a failure injected by the double's faults (fail_items)",
                ))
            } else {
                s.account
                    .update(&actor, user, &patch, unix_now(), Instant::now())
                    .map(|_| ())
            }
        };
        results.push(match result {
            Ok(()) => JobResult::Done {
                id: user,
                action: "update".into(),
                success: true,
                status: "Updated".into(),
            },
            Err(e) => JobResult::Failed {
                id: user,
                action: "update".into(),
                success: false,
                error: e.error.into(),
                details: e.description,
                status: "Failed".into(),
            },
        });
        set(&double, &id, |j| j.progress = Some(done + 1));
    }
    let saved = double.save().await;
    set(&double, &id, |j| match saved {
        Ok(()) => {
            j.status = "completed".into();
            j.message = Some(format!(
                "Completed at {}",
                crate::model::iso8601(unix_now())
            ));
            j.results = Some(results);
        }
        Err(e) => {
            j.status = "failed".into();
            j.message = Some(format!("the double could not save its account file: {e}"));
        }
    });
}

fn set(double: &Double, id: &str, change: impl FnOnce(&mut JobStatus)) {
    if let Some(job) = double.lock().jobs.get_mut(id) {
        change(job);
    }
}
