//! Bulk linking: every CRM contact matched with the Telegram people the relay knows, reviewed,
//! written in batches with a dry run first, journaled, resumable and undoable.
//!
//! - [`review`]: the engine's assignment → categories (confident, to decide, conflicts, already
//!   linked, unmatched), the agent's decisions, and the [`review::Plan`] Apply would write.
//! - [`run`]: Apply and undo as a state machine over batches of 100, with no IO, so that it is
//!   tested natively and resumed from storage after a reload.
#![deny(missing_docs)]

pub mod review;
pub mod run;
