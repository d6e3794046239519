//! Conformance: legal process and fraud cases recorded by the privacy office, and third-party disclosures.
