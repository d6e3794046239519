//! The certificate and its accompanying statement, written once as headings and
//! paragraphs from the figures, then laid out as HTML (every piece of text escaped) or
//! as a PDF rendered in process.

use super::figures::CertificationFigures;
use cpniguard_notify::escape_html as escape;
use cpniguard_notify::{PdfBlock, pdf_document};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Signing and filing as tracked, printed under the certificate.
#[derive(Debug, Clone, Default)]
pub struct FilingLine {
    pub status: String,
    pub signed: Option<String>,
    pub filed: Option<String>,
}

fn listed(map: &BTreeMap<String, u64>) -> String {
    if map.is_empty() {
        return "none".to_owned();
    }
    map.iter().map(|(k, n)| format!("{} {n}", k.replace('_', " "))).collect::<Vec<_>>().join("; ")
}

fn has(n: u64) -> &'static str {
    if n > 0 { "has" } else { "has not" }
}

/// The document as headings and paragraphs.
pub fn blocks(f: &CertificationFigures, filing: &FilingLine) -> Vec<PdfBlock> {
    let h = |t: String| PdfBlock::Heading(t);
    let p = |t: String| PdfBlock::Paragraph(t);
    let year = f.period.year;
    let carrier = &f.carrier.name;
    let filer = if f.carrier.detail.is_empty() { "(not configured)" } else { f.carrier.detail.as_str() };
    let mut out = vec![
        h(format!("Annual 47 C.F.R. § 64.2009(e) CPNI Certification for {year}")),
        p(format!("Covering the calendar year {year}. Due to be filed by {}.", f.due_on)),
        p(format!("Name of company covered by this certification: {carrier}")),
        p(format!("Form 499 Filer ID: {filer}")),
        p(format!("Name of signatory: {}", f.officer.name)),
        p(format!("Title of signatory: {}", f.officer.detail)),
        h("Certification".to_owned()),
        p(format!(
            "I, {}, certify that I am an officer of {carrier}, and acting as an agent of the company, that I have \
             personal knowledge that the company has established operating procedures that are adequate to ensure \
             compliance with the Commission's CPNI rules. See 47 C.F.R. § 64.2001 et seq.",
            f.officer.name
        )),
        p("Attached to this certification is an accompanying statement explaining how the company's procedures \
           ensure that the company is in compliance with the requirements set forth in section 64.2001 et seq. of \
           the Commission's rules."
            .to_owned()),
        p(format!(
            "The company {} taken actions (i.e., proceedings instituted or petitions filed by the company at either \
             state commissions, the court system, or at the Commission) against data brokers in {year}: {} \
             action(s) recorded ({}).",
            has(f.broker_actions.total),
            f.broker_actions.total,
            listed(&f.broker_actions.by_action)
        )),
        p(format!(
            "The company {} received customer complaints in {year} concerning the unauthorized release of CPNI: \
             {} complaint(s) by outcome ({}).",
            has(f.complaints.unauthorised_release_by_status.values().sum()),
            f.complaints.unauthorised_release_by_status.values().sum::<u64>(),
            listed(&f.complaints.unauthorised_release_by_status)
        )),
        p("The company represents and warrants that the above certification is consistent with 47 C.F.R. § 1.17, \
           which requires truthful and accurate statements to the Commission. The company also acknowledges that \
           false statements and misrepresentations to the Commission are punishable under Title 18 of the U.S. \
           Code and may subject it to enforcement action."
            .to_owned()),
        p(format!("Signed: ______________________________  {}, {}", f.officer.name, f.officer.detail)),
        p(format!(
            "Filing status: {}{}{}",
            filing.status,
            filing.signed.as_ref().map(|s| format!("; signed {s}")).unwrap_or_default(),
            filing.filed.as_ref().map(|s| format!("; filed {s}")).unwrap_or_default()
        )),
        h(format!("Accompanying statement: how {carrier}'s procedures ensure compliance")),
        p(format!(
            "The figures below are computed by CPNI Guard from the company's own records for {} to {} ({}), \
             generated {}.",
            f.period.from.format("%Y-%m-%d %H:%M UTC"),
            f.period.to.format("%Y-%m-%d %H:%M UTC"),
            f.period.time_zone,
            f.generated_at.format("%Y-%m-%d %H:%M UTC")
        )),
        h("1. Customer approval before use of CPNI".to_owned()),
    ];
    out.extend(f.approval.procedure.iter().cloned().map(p));
    let a = &f.approval;
    out.push(p(format!(
        "In {year}: {} opt-out notices served ({} returned undelivered), {} opt-outs, {} opt-ins, {} revocations, \
         {} one-time approvals recorded.",
        a.opt_out_notices_served, a.notices_bounced, a.opt_outs, a.opt_ins, a.revocations, a.one_time_approvals
    )));
    let t = &f.training;
    out.push(h("2. Training and discipline".to_owned()));
    out.push(p(format!(
        "All personnel with access to CPNI are trained on when they may and may not use it; the disclosure gate \
         refuses CPNI to anyone whose training has lapsed. Of {} staff members, {} completed CPNI training in \
         {year} ({} course completions) and {} had current training on December 31. {} disciplinary action(s) \
         were taken for misuse of CPNI ({}).",
        t.staff,
        t.trained_in_year,
        t.completions,
        t.current_at_year_end,
        t.disciplinary_actions,
        listed(&t.disciplinary_by_action)
    )));
    let c = &f.campaigns;
    out.push(h("3. Supervisory review of marketing campaigns".to_owned()));
    out.push(p(format!(
        "Outbound marketing that uses CPNI is reviewed before it is sent and a record of each campaign is kept \
         for at least one year. In {year}: {} campaign(s) reviewed, {} approved, {} rejected.",
        c.reviewed, c.approved, c.rejected
    )));
    let au = &f.authentication;
    out.push(h("4. Customer authentication and notice of account changes".to_owned()));
    out.push(p(format!(
        "Call detail is released on customer-initiated calls only after a password, by sending it to the address \
         of record, or by calling the telephone number of record; in-store only with valid photo identification. \
         In {year}: {} authenticated interactions ({}); evidence recorded ({}); {} failed credential checks; {} \
         pretexting signals raised ({}).",
        au.interactions,
        listed(&au.interactions_by_channel),
        listed(&au.evidence_by_kind),
        au.failed_checks,
        au.pretexting_signals,
        listed(&au.pretexting_signals_by_kind)
    )));
    out.push(p(format!(
        "Customers are notified immediately of changes to passwords, back-up questions, online accounts and \
         addresses of record, at the contact point of record before the change: {} notices in {year} ({}).",
        f.change_notices.total,
        listed(&f.change_notices.by_kind)
    )));
    let b = &f.breaches;
    out.push(h("5. Breaches of CPNI".to_owned()));
    out.push(p(format!(
        "Breaches are reported to law enforcement through the central reporting facility before customers are \
         told, and records of breaches and notifications are kept for two years. In {year}: {} breach \
         incident(s) determined ({}); {} agency notice(s) made; {} incident(s) with customers notified, {} \
         customer notice(s) queued.",
        b.incidents,
        listed(&b.by_state),
        b.agency_notices,
        b.incidents_with_customers_notified,
        b.customer_notices
    )));
    out.push(h("6. Actions against data brokers".to_owned()));
    out.push(p(format!(
        "{} action(s) against data brokers and pretexters recorded in {year} ({}).",
        f.broker_actions.total,
        listed(&f.broker_actions.by_action)
    )));
    let co = &f.complaints;
    out.push(h("7. Customer complaints".to_owned()));
    out.push(p(format!(
        "{} complaint(s) received in {year} by category ({}). Complaints about unauthorized release of CPNI by \
         outcome: {}.",
        co.total,
        listed(&co.by_category),
        listed(&co.unauthorised_release_by_status)
    )));
    out
}

pub fn html(f: &CertificationFigures, filing: &FilingLine) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>CPNI certification {} - {}</title></head>\n<body>\n",
        f.period.year,
        escape(&f.carrier.name)
    );
    for (i, block) in blocks(f, filing).iter().enumerate() {
        let _ = match block {
            PdfBlock::Heading(t) if i == 0 => writeln!(out, "<h1>{}</h1>", escape(t)),
            PdfBlock::Heading(t) => writeln!(out, "<h2>{}</h2>", escape(t)),
            PdfBlock::Paragraph(t) => writeln!(out, "<p>{}</p>", escape(t)),
        };
    }
    out.push_str("</body>\n</html>\n");
    out
}

pub fn pdf(f: &CertificationFigures, filing: &FilingLine) -> Vec<u8> {
    pdf_document(&blocks(f, filing))
}
