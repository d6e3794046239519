//! Conformance: marketing campaigns under supervisory review, audience snapshots and their records.
