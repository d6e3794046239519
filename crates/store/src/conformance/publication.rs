//! Conformance: published cpni policy versions in english and spanish, and material-change mailings.
