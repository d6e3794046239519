//! Conformance: staff cpni training and discipline records, and the annual certification filings.
