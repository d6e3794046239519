//! Conformance: complaints and questions to the privacy office, and actions against data brokers.
