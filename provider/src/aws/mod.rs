//! Shared AWS mechanics, one file per concern: errors and not-found detection
//! ([`error`]), tags ([`tags`]), derived names and encodings ([`naming`]), and the objects the
//! provider owns on behalf of a resource: IAM service roles ([`iam`]), EventBridge rules
//! ([`events`]), SNS topics ([`sns`]) and CloudWatch alarms ([`cloudwatch`]).

pub mod arn;
pub mod cloudwatch;
pub mod error;
pub mod events;
pub mod iam;
pub mod naming;
pub mod pages;
pub mod s3;
pub mod sns;
pub mod tags;

pub use crate::clients::{configure, Clients};
pub use cloudwatch::*;
pub use error::*;
pub use events::*;
pub use iam::*;
pub use naming::*;
pub use s3::*;
pub use sns::*;
pub use tags::*;
