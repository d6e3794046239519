//! How the customer's access list says who, what, why and the outcome, in English and
//! Spanish. Roles, never people: a staff member's name or id is not the customer's
//! to know, the kind of job they do is.

use cpniguard_core::account::Language;
use cpniguard_core::audit::{Decision, Principal, PrincipalKind};
use cpniguard_core::authn::check_record;
use cpniguard_core::staff::Role;
use cpniguard_policy::{Action, Purpose};

/// Who accessed the account, as a role: a stable code and its words.
pub(crate) fn who(principal: &Principal, lang: Language) -> (&'static str, &'static str) {
    let (code, en, es) = match principal.kind {
        PrincipalKind::Customer => ("customer", "you", "usted"),
        PrincipalKind::Carrier => ("carrier", "another telephone company", "otra compañía telefónica"),
        PrincipalKind::System => ("system", "an automated process of ours", "un proceso automático nuestro"),
        PrincipalKind::Staff => match staff_role(principal.role.as_deref()) {
            Some(Role::Csr) => ("csr", "a customer service representative", "un representante de atención al cliente"),
            Some(Role::Supervisor) => ("supervisor", "a supervisor", "un supervisor"),
            Some(Role::PrivacyOfficer) => ("privacy_office", "our privacy office", "nuestra oficina de privacidad"),
            Some(Role::Auditor) => ("auditor", "an auditor", "un auditor"),
            Some(Role::Admin) => ("administrator", "a system administrator", "un administrador del sistema"),
            Some(Role::Marketing) => ("marketing", "our marketing team", "nuestro equipo de mercadeo"),
            Some(Role::Carrier) => ("carrier", "another telephone company", "otra compañía telefónica"),
            Some(Role::Billing) => ("billing", "our billing system", "nuestro sistema de facturación"),
            None => ("staff", "a member of our staff", "un empleado nuestro"),
        },
    };
    (code, pick(lang, en, es))
}

/// The role an entry's staff principal acted in; a list (`csr,supervisor`) names the
/// first role it knows.
fn staff_role(role: Option<&str>) -> Option<Role> {
    role?.split(',').find_map(|r| Role::parse(r.trim()))
}

/// What was done, in plain words. The match is exhaustive, so a new action cannot go
/// unworded; a code no longer known (an entry older than a renaming) shows as itself.
pub(crate) fn action(code: &str, lang: Language) -> String {
    // Credential checks are entries too (issue 20): the customer sees attempts on
    // their account, refused ones included.
    let check = match code {
        check_record::PORTAL_SIGN_IN_ACTION => {
            Some(("signed in to your online account", "inició sesión en su cuenta en línea"))
        }
        check_record::STAFF_CHECK_ACTION => Some((
            "checked a password, PIN or security answer you gave",
            "verificó una contraseña, PIN o respuesta de seguridad que usted dio",
        )),
        _ => None,
    };
    if let Some((en, es)) = check {
        return pick(lang, en, es).to_owned();
    }
    let Some(action) = Action::parse(code) else { return code.to_owned() };
    let (en, es) = match action {
        Action::ReadCallDetail => ("viewed your call records", "consultó sus registros de llamadas"),
        Action::ReadInvoices => ("viewed your bills", "consultó sus facturas"),
        Action::ReadServices => {
            ("viewed your services and their configuration", "consultó sus servicios y su configuración")
        }
        Action::ReadUsageSummary => ("viewed a summary of your usage", "consultó un resumen de su consumo"),
        Action::UseForMarketing => (
            "used your account information to offer you services",
            "usó la información de su cuenta para ofrecerle servicios",
        ),
        Action::DiscloseToThirdParty => (
            "disclosed your account information to another company",
            "divulgó la información de su cuenta a otra empresa",
        ),
        Action::AnswerPicFreezeInquiry => (
            "asked whether your line is protected against a change of long-distance or local carrier",
            "preguntó si su línea está protegida contra un cambio de compañía local o de larga distancia",
        ),
        Action::ExportDirectoryListing => (
            "sent your directory listing (name, number, address) to the directory publisher",
            "envió su inscripción (nombre, número, dirección) a la editorial de la guía telefónica",
        ),
        Action::DeliverToAddressOfRecord => (
            "sent account information to your address of record",
            "envió información de su cuenta a su dirección registrada",
        ),
        Action::ReviewAudience => (
            "checked whether a marketing campaign respected your choice",
            "verificó si una campaña de mercadeo respetó su decisión",
        ),
        Action::ReviewImportQuarantine => (
            "reviewed a call record from our switches that could not be filed",
            "revisó un registro de llamada de nuestras centrales que no se pudo archivar",
        ),
    };
    pick(lang, en, es).to_owned()
}

/// Why, in plain words (exhaustive as [`action`]).
pub(crate) fn purpose(code: &str, lang: Language) -> String {
    let Some(purpose) = Purpose::parse(code) else { return code.to_owned() };
    let (en, es) = match purpose {
        Purpose::MarketingWithApproval => ("marketing you approved", "mercadeo que usted aprobó"),
        Purpose::LegalProcess => {
            ("a subpoena, warrant or court order", "una citación, orden de registro u orden judicial")
        }
        Purpose::FraudProtection => ("protection against fraud", "protección contra el fraude"),
        Purpose::PicFreezeInquiry => ("a request to change your carrier", "una solicitud de cambio de compañía"),
        Purpose::DirectoryListing => ("the telephone directory", "la guía telefónica"),
        Purpose::ServiceAndSupport => ("providing your service and support", "la prestación de su servicio y atención"),
        Purpose::Billing => ("billing you for your service", "la facturación de su servicio"),
        Purpose::ComplianceReview => (
            "a review of our own compliance with the privacy rules",
            "una revisión de nuestro propio cumplimiento de las normas de privacidad",
        ),
    };
    pick(lang, en, es).to_owned()
}

pub(crate) fn decision(decision: Decision, lang: Language) -> &'static str {
    match decision {
        Decision::Allow => pick(lang, "allowed", "permitido"),
        Decision::Deny => pick(lang, "refused", "denegado"),
    }
}

fn pick(lang: Language, en: &'static str, es: &'static str) -> &'static str {
    match lang {
        Language::En => en,
        Language::Es => es,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staff(role: Option<&str>) -> Principal {
        Principal { kind: PrincipalKind::Staff, id: "0196-staff-id".to_owned(), role: role.map(str::to_owned) }
    }

    #[test]
    fn staff_are_named_by_role_never_by_id() {
        assert_eq!(who(&staff(Some("csr")), Language::En), ("csr", "a customer service representative"));
        assert_eq!(
            who(&staff(Some("privacy_officer")), Language::Es),
            ("privacy_office", "nuestra oficina de privacidad")
        );
        assert_eq!(who(&staff(Some("root,auditor")), Language::En).0, "auditor");
        assert_eq!(who(&staff(None), Language::En), ("staff", "a member of our staff"));
        let carrier = Principal { kind: PrincipalKind::Carrier, id: "carrier-x".to_owned(), role: None };
        assert_eq!(who(&carrier, Language::Es), ("carrier", "otra compañía telefónica"));
    }

    #[test]
    fn every_action_and_purpose_has_words_in_both_languages() {
        for a in Action::ALL {
            assert_ne!(action(a.as_str(), Language::En), action(a.as_str(), Language::Es), "{a}");
        }
        for p in Purpose::ALL {
            assert_ne!(purpose(p.as_str(), Language::En), p.as_str());
            assert_ne!(purpose(p.as_str(), Language::En), purpose(p.as_str(), Language::Es), "{p}");
        }
        assert_eq!(action("renamed_action", Language::Es), "renamed_action");
    }
}
