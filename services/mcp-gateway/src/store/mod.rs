//! The gateway's MySQL reads (and the ack write, in [`crate::ack`]), each run through the
//! [`crate::deps::Db`] guard by its caller.

pub mod alerts;
pub mod desks;
pub mod limits;
pub mod positions;
