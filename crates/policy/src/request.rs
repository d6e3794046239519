//! The typed request the gate asks about: who (principal), what (action), which account
//! (resource facts) and the circumstances (purpose, channel, evidence, references).
//! It deserializes from the JSON `cpniguard policy explain --request` reads.

use cpniguard_core::account::{AccountKind, DirectoryListing};
use cpniguard_core::authn::{EvidenceKind, InteractionChannel};
use cpniguard_core::staff::Role;
use serde::{Deserialize, Serialize};

macro_rules! names {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The name policies and audit entries use.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

names!(
    /// What the principal wants to do with the account's CPNI (Cedar `Action`s).
    Action {
        ReadCallDetail => "read_call_detail",
        ReadInvoices => "read_invoices",
        ReadServices => "read_services",
        ReadUsageSummary => "read_usage_summary",
        UseForMarketing => "use_for_marketing",
        DiscloseToThirdParty => "disclose_to_third_party",
        AnswerPicFreezeInquiry => "answer_pic_freeze_inquiry",
        /// Subscriber-list information, not CPNI; decided and recorded all the same.
        ExportDirectoryListing => "export_directory_listing",
        DeliverToAddressOfRecord => "deliver_to_address_of_record",
        /// Seeing every candidate of a campaign's audience with the approval that kept
        /// it out: the privacy office's and auditors' oversight of marketing.
        ReviewAudience => "review_audience",
        /// Seeing the rows an import could not store as calls (the switch records as
        /// read) and discarding them: the privacy office's upkeep of the import
        /// quarantine.
        ReviewImportQuarantine => "review_import_quarantine",
    }
);

names!(
    /// The seven purposes for which CPNI may be used or disclosed (seed policy S5), and
    /// the carrier's own oversight of that use (`compliance_review`: the privacy office
    /// and auditors checking campaigns and records, 47 CFR 64.2009), which discloses
    /// nothing outside the carrier.
    Purpose {
        MarketingWithApproval => "marketing_with_approval",
        LegalProcess => "legal_process",
        FraudProtection => "fraud_protection",
        PicFreezeInquiry => "pic_freeze_inquiry",
        DirectoryListing => "directory_listing",
        ServiceAndSupport => "service_and_support",
        Billing => "billing",
        ComplianceReview => "compliance_review",
    }
);

names!(
    /// Where the customer is; `none` when no customer interaction is involved.
    Channel { Phone => "phone", Online => "online", InStore => "in_store", Chat => "chat", None => "none" }
);

impl From<InteractionChannel> for Channel {
    fn from(c: InteractionChannel) -> Self {
        match c {
            InteractionChannel::Phone => Channel::Phone,
            InteractionChannel::Online => Channel::Online,
            InteractionChannel::InStore => Channel::InStore,
            InteractionChannel::Chat => Channel::Chat,
        }
    }
}

/// Who asks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Principal {
    /// Carrier staff: roles and whether CPNI training is current (see
    /// `cpniguard_core::staff::Staff::training_current`).
    Staff { id: String, roles: Vec<Role>, training_current: bool },
    /// A customer, holder of the listed accounts.
    Customer {
        id: String,
        #[serde(default)]
        accounts: Vec<String>,
    },
    /// Another carrier.
    Carrier { id: String },
    /// A background job; `job` names it (`billing`, `directory_export`, ...).
    SystemJob { id: String, job: String },
}

impl Principal {
    pub fn staff(id: impl Into<String>, roles: &[Role], training_current: bool) -> Self {
        Principal::Staff { id: id.into(), roles: roles.to_vec(), training_current }
    }

    pub fn customer(id: impl Into<String>, account: impl Into<String>) -> Self {
        Principal::Customer { id: id.into(), accounts: vec![account.into()] }
    }

    pub fn carrier(id: impl Into<String>) -> Self {
        Principal::Carrier { id: id.into() }
    }

    pub fn job(id: impl Into<String>, job: impl Into<String>) -> Self {
        Principal::SystemJob { id: id.into(), job: job.into() }
    }

    /// The Cedar entity type (`CpniGuard::<type>`).
    pub fn type_name(&self) -> &'static str {
        match self {
            Principal::Staff { .. } => "Staff",
            Principal::Customer { .. } => "Customer",
            Principal::Carrier { .. } => "Carrier",
            Principal::SystemJob { .. } => "SystemJob",
        }
    }

    pub fn id(&self) -> &str {
        match self {
            Principal::Staff { id, .. }
            | Principal::Customer { id, .. }
            | Principal::Carrier { id }
            | Principal::SystemJob { id, .. } => id,
        }
    }
}

/// Whether CPNI may be used now for each approval scope (from
/// `cpniguard_core::consent::may_use` for `carrier_marketing`, `partner_sharing`,
/// `one_time`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConsentSummary {
    pub carrier_marketing_usable: bool,
    pub partner_sharing_usable: bool,
    pub one_time_usable: bool,
}

/// The account facts the policies look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountFacts {
    pub id: String,
    pub kind: AccountKind,
    #[serde(default)]
    pub business_exempt: bool,
    #[serde(default)]
    pub consent: ConsentSummary,
    #[serde(default)]
    pub pic_freeze_any: bool,
    pub directory_listing: DirectoryListing,
}

impl AccountFacts {
    /// A residential, listed account with no approvals and no freeze.
    pub fn residential(id: impl Into<String>) -> Self {
        AccountFacts {
            id: id.into(),
            kind: AccountKind::Residential,
            business_exempt: false,
            consent: ConsentSummary::default(),
            pic_freeze_any: false,
            directory_listing: DirectoryListing::Listed,
        }
    }
}

/// What the interaction has established (47 CFR 64.2010).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Evidence {
    pub password_verified: bool,
    pub pin_verified: bool,
    pub backup_answer_verified: bool,
    /// A valid, unexpired photo ID matching the account was checked.
    pub photo_id_valid: bool,
    pub call_back_completed: bool,
    pub volunteered_call_details: bool,
    pub contract_authenticated: bool,
}

impl Evidence {
    /// From an interaction's recorded evidence (failures open nothing and are ignored;
    /// a photo ID is recorded only once validated).
    pub fn from_kinds(kinds: &[EvidenceKind]) -> Self {
        let has = |k| kinds.contains(&k);
        Evidence {
            password_verified: has(EvidenceKind::PasswordVerified),
            pin_verified: has(EvidenceKind::PinVerified),
            backup_answer_verified: has(EvidenceKind::BackupAnswerVerified),
            photo_id_valid: has(EvidenceKind::PhotoIdChecked),
            call_back_completed: has(EvidenceKind::CallBackCompleted),
            volunteered_call_details: has(EvidenceKind::VolunteeredCallDetails),
            contract_authenticated: has(EvidenceKind::AuthenticatedUnderContract),
        }
    }
}

/// A recorded subpoena or court order, and whether this request is within its scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegalProcessRef {
    pub reference: String,
    pub in_scope: bool,
}

/// A marketing campaign and whether it was reviewed and approved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Campaign {
    pub id: String,
    pub approved: bool,
}

/// One question to the gate. Build with [`Request::new`] and the `with_*` methods.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub principal: Principal,
    pub action: Action,
    pub account: AccountFacts,
    pub purpose: Purpose,
    #[serde(default = "no_channel")]
    pub channel: Channel,
    #[serde(default)]
    pub evidence: Evidence,
    #[serde(default)]
    pub legal_process: Option<LegalProcessRef>,
    #[serde(default)]
    pub fraud_case_ref: Option<String>,
    #[serde(default)]
    pub campaign: Option<Campaign>,
}

fn no_channel() -> Channel {
    Channel::None
}

impl Request {
    /// A request on no channel, with no evidence and no references.
    pub fn new(principal: Principal, action: Action, account: AccountFacts, purpose: Purpose) -> Self {
        Request {
            principal,
            action,
            account,
            purpose,
            channel: Channel::None,
            evidence: Evidence::default(),
            legal_process: None,
            fraud_case_ref: None,
            campaign: None,
        }
    }

    pub fn with_channel(mut self, channel: Channel) -> Self {
        self.channel = channel;
        self
    }

    pub fn with_evidence(mut self, evidence: Evidence) -> Self {
        self.evidence = evidence;
        self
    }

    pub fn with_legal_process(mut self, reference: impl Into<String>, in_scope: bool) -> Self {
        self.legal_process = Some(LegalProcessRef { reference: reference.into(), in_scope });
        self
    }

    pub fn with_fraud_case(mut self, reference: impl Into<String>) -> Self {
        self.fraud_case_ref = Some(reference.into());
        self
    }

    pub fn with_campaign(mut self, id: impl Into<String>, approved: bool) -> Self {
        self.campaign = Some(Campaign { id: id.into(), approved });
        self
    }
}

names!(
    /// What a campaign reviewer decides.
    ReviewDecision { Approve => "approve", Reject => "reject" }
);

/// The campaign facts the review policies look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignFacts {
    pub id: String,
    /// `draft`, `submitted`, `approved`, ...
    pub state: String,
    /// Ids of the staff who created or edited it.
    pub authors: Vec<String>,
}

/// A staff member approving or rejecting a campaign (the Cedar action `review_campaign`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignReview {
    pub reviewer: Principal,
    pub campaign: CampaignFacts,
    pub decision: ReviewDecision,
}
