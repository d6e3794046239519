//! The regulatory properties `cpniguard policy prove` proves, each written once: its
//! name, the rule it comes from, what it says, and how it is checked. Most are a set of
//! forbids in `properties/*.cedar` describing what must never be allowed; the check is
//! that every request the policy set allows is also allowed by "permit everything"
//! plus those forbids. docs/policy-proofs.md lists them for readers.

/// How a property is put to the solver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// Every request the set allows is also allowed by "permit everything" plus these
    /// forbids (Cedar text): no allowed request falls in what they forbid.
    NeverAllows(&'static str),
    /// No policy of the set errors on any well-formed request (an erroring forbid is
    /// skipped by Cedar, so it would let through what it meant to stop).
    NeverErrors,
}

/// One property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Property {
    pub name: &'static str,
    /// The regulation (or seed policy) the property restates.
    pub rule: &'static str,
    pub statement: &'static str,
    pub check: Check,
}

/// The hard lines of the default set, the yardstick of a carrier's extension.
const HARD_LINES: &str = include_str!("../../policies/hard_lines.cedar");

/// Every property, in the order they are reported.
pub const PROPERTIES: &[Property] = &[
    Property {
        name: "call-detail-by-phone-or-chat-needs-password-or-call-back",
        rule: "47 CFR 64.2010(b), (g)",
        statement: "no call detail is read over the phone or in chat unless the caller gave the password, was called back at the number of record, is a business-exempt customer authenticated under contract, or volunteered the call details",
        check: Check::NeverAllows(include_str!("../../properties/call_detail_phone_chat.cedar")),
    },
    Property {
        name: "call-detail-in-store-needs-photo-id",
        rule: "47 CFR 64.2010(d), (g)",
        statement: "no call detail is read in store without a valid, unexpired photo ID (or contract authentication of a business-exempt customer)",
        check: Check::NeverAllows(include_str!("../../properties/call_detail_in_store.cedar")),
    },
    Property {
        name: "call-detail-online-needs-password",
        rule: "47 CFR 64.2010(c), (g)",
        statement: "no call detail is read online without the online password (or contract authentication of a business-exempt customer)",
        check: Check::NeverAllows(include_str!("../../properties/call_detail_online.cedar")),
    },
    Property {
        name: "no-cpni-to-untrained-staff",
        rule: "47 CFR 64.2009(b)",
        statement: "no staff member whose CPNI training is missing or lapsed uses or discloses CPNI",
        check: Check::NeverAllows(include_str!("../../properties/trained_staff_only.cedar")),
    },
    Property {
        name: "marketing-needs-approval-of-its-tier",
        rule: "47 CFR 64.2007, 64.2008(f), 64.2009(a)",
        statement: "no CPNI is used for the carrier's marketing without opt-out (or one-time) approval in force, nor shared with partners or contractors for marketing without opt-in (or one-time) approval in force",
        check: Check::NeverAllows(include_str!("../../properties/marketing_approval_tiers.cedar")),
    },
    Property {
        name: "disclosure-only-in-listed-circumstances",
        rule: "47 U.S.C. 222(c), (d); 47 CFR 64.2005",
        statement: "nothing is disclosed to a third party outside legal process in scope, an open fraud case or approved marketing; another carrier gets only the PIC-freeze answer; directory exports carry listed customers only",
        check: Check::NeverAllows(include_str!("../../properties/disclosure_listed_circumstances.cedar")),
    },
    Property {
        name: "never-errors",
        rule: "Cedar evaluation (an erroring forbid is skipped)",
        statement: "no policy errors on any well-formed request",
        check: Check::NeverErrors,
    },
    Property {
        name: "within-the-hard-lines",
        rule: "the default set's hard lines (policies/hard_lines.cedar)",
        statement: "every request the set allows is allowed by \"permit everything\" plus the default hard lines: a carrier's extension or replacement never allows what a hard line forbids",
        check: Check::NeverAllows(HARD_LINES),
    },
];
