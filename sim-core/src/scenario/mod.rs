//! Scenario files: the raw serde form, validation into a typed [`model::Scenario`], and
//! errors that name the file, line and field.

pub mod model;
