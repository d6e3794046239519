//! The one table of what each role may do through the API. Which CPNI a person may see
//! for a given customer and purpose is a later, finer decision (the disclosure gate);
//! this only keeps people out of screens their job has nothing to do with.

use cpniguard_core::staff::{Role, Staff};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    /// Look up accounts and their subscriber/contact information (not CPNI).
    ReadAccounts,
    /// Open accounts and change their profile or contact points.
    WriteAccounts,
    /// Ask for services, calls and invoices. Every staff role but other carriers may
    /// ask; the disclosure gate decides each request by purpose, channel and evidence.
    ReadCpni,
    /// See the notices outbox and privacy-office tasks; retry abandoned notices.
    ManageNotices,
    /// Open customer interactions, record authentication evidence, set secrets within
    /// them and send documents to the address of record (issue 4).
    AuthenticateCustomers,
    /// List and clear customer lockouts; read the pretexting signals (issue 4).
    ManageCustomerAuth,
    /// Read consent history and approval status (issue 6).
    ReadConsent,
    /// Record a customer's opt-out, opt-in or one-time approval (issue 6).
    ChangeConsent,
    /// Record notices served, review the opt-out mail quarantine (issue 6).
    ManageConsent,
    /// Record legal process (subpoenas, court orders) and fraud cases (issue 5).
    ManageSpecialPurposes,
    /// Query the audit log and third-party disclosures (issue 5).
    ReadAuditLog,
    /// Ask whether a telephone number has a PIC freeze: other carriers only (issue 5).
    AnswerPicFreezeInquiry,
    /// Export directory-listing data of listed customers (issue 5).
    ExportDirectory,
    /// Edit and publish the CPNI policy (issue 9).
    PublishPolicy,
    /// Enter a customer's complaint or question taken by call, letter or email (issue 9).
    RecordComplaints,
    /// Investigate and resolve complaints; record actions against data brokers (issue 9).
    ManageComplaints,
    /// Staff training and disciplinary records (issue 9).
    ManageTraining,
    /// The annual CPNI certification and the compliance dashboard (issue 9).
    Certify,
    /// Create, edit and submit marketing campaigns (issue 8).
    DraftCampaigns,
    /// Approve or reject submitted campaigns (issue 8).
    ReviewCampaigns,
    /// Read campaigns, their review trail and records (issue 8).
    ReadCampaigns,
    /// Set, change or remove a business account's contract exemption (64.2010(g)).
    /// Kept apart from account writing (issue 18): a CSR who could grant an exemption
    /// could then authenticate callers under it. The billing system's sync sets them
    /// from its export, so the billing role has it too.
    SetBusinessExemption,
    /// Upload call detail from the switches and the billing system's account export
    /// (issue 19). Writes CPNI, reads none.
    ImportRecords,
}

impl Capability {
    pub fn roles(self) -> &'static [Role] {
        use Role::*;
        match self {
            Capability::ReadAccounts => &[Csr, Supervisor, PrivacyOfficer, Auditor, Admin],
            Capability::WriteAccounts => &[Csr, Admin],
            Capability::ReadCpni => &[Csr, Marketing, Supervisor, PrivacyOfficer, Auditor, Admin],
            Capability::ManageNotices => &[PrivacyOfficer, Admin],
            Capability::AuthenticateCustomers => &[Csr, Supervisor, Admin],
            Capability::ManageCustomerAuth => &[PrivacyOfficer, Admin],
            Capability::ReadConsent => &[Csr, Supervisor, Marketing, PrivacyOfficer, Auditor, Admin],
            Capability::ChangeConsent => &[Csr, PrivacyOfficer, Admin],
            Capability::ManageConsent => &[PrivacyOfficer, Admin],
            Capability::ManageSpecialPurposes => &[PrivacyOfficer, Admin],
            Capability::ReadAuditLog => &[PrivacyOfficer, Auditor, Admin],
            Capability::AnswerPicFreezeInquiry => &[Carrier],
            Capability::ExportDirectory => &[PrivacyOfficer, Admin],
            Capability::PublishPolicy => &[PrivacyOfficer, Admin],
            Capability::RecordComplaints => &[Csr, Supervisor, PrivacyOfficer, Admin],
            Capability::ManageComplaints => &[PrivacyOfficer, Admin],
            Capability::ManageTraining => &[PrivacyOfficer, Admin],
            Capability::Certify => &[PrivacyOfficer, Auditor, Admin],
            Capability::DraftCampaigns => &[Marketing],
            Capability::ReviewCampaigns => &[Supervisor],
            Capability::ReadCampaigns => &[Marketing, Supervisor, PrivacyOfficer, Auditor, Admin],
            Capability::SetBusinessExemption => &[PrivacyOfficer, Admin, Billing],
            Capability::ImportRecords => &[Billing],
        }
    }

    pub fn allows(self, staff: &Staff) -> bool {
        staff.active && self.roles().iter().any(|r| staff.has_role(*r))
    }

    pub fn describe(self) -> &'static str {
        match self {
            Capability::ReadAccounts => "reading accounts",
            Capability::WriteAccounts => "changing accounts",
            Capability::ReadCpni => "reading services, calls and invoices",
            Capability::ManageNotices => "the notices outbox and privacy-office tasks",
            Capability::AuthenticateCustomers => "authenticating customers",
            Capability::ManageCustomerAuth => "customer lockouts and pretexting signals",
            Capability::ReadConsent => "reading consent",
            Capability::ChangeConsent => "recording consent",
            Capability::ManageConsent => "consent notices and the opt-out mail quarantine",
            Capability::ManageSpecialPurposes => "legal process and fraud cases",
            Capability::ReadAuditLog => "the audit log",
            Capability::AnswerPicFreezeInquiry => "PIC-freeze inquiries",
            Capability::ExportDirectory => "the directory-listing export",
            Capability::PublishPolicy => "publishing the CPNI policy",
            Capability::RecordComplaints => "recording complaints",
            Capability::ManageComplaints => "complaints and data-broker actions",
            Capability::ManageTraining => "training and discipline records",
            Capability::Certify => "the annual certification and compliance dashboard",
            Capability::DraftCampaigns => "drafting campaigns",
            Capability::ReviewCampaigns => "reviewing campaigns",
            Capability::ReadCampaigns => "reading campaigns",
            Capability::SetBusinessExemption => "setting a business account's contract exemption",
            Capability::ImportRecords => "importing call detail and billing exports",
        }
    }
}
