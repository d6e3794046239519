//! How the customer's access list says who, what, why and the outcome, in English and
//! Spanish. Roles, never people: a staff member's name or id is not the customer's
//! to know, the kind of job they do is.

use cpniguard_core::account::Language;
use cpniguard_core::audit::{Decision, Principal, PrincipalKind};
use cpniguard_core::staff::Role;

/// Who accessed the account, as a role: a stable code and its words.
pub(super) fn who(principal: &Principal, lang: Language) -> (&'static str, &'static str) {
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

/// What was done, in plain words (an unknown action is shown by its code).
pub(super) fn action(action: &str, lang: Language) -> String {
    let (en, es) = match action {
        "read_call_detail" => ("viewed your call records", "consultó sus registros de llamadas"),
        "read_invoices" => ("viewed your bills", "consultó sus facturas"),
        "read_services" => {
            ("viewed your services and their configuration", "consultó sus servicios y su configuración")
        }
        "read_usage_summary" => ("viewed a summary of your usage", "consultó un resumen de su consumo"),
        "use_for_marketing" => (
            "used your account information to offer you services",
            "usó la información de su cuenta para ofrecerle servicios",
        ),
        "disclose_to_third_party" => (
            "disclosed your account information to another company",
            "divulgó la información de su cuenta a otra empresa",
        ),
        "answer_pic_freeze_inquiry" => (
            "asked whether your line is protected against a change of long-distance or local carrier",
            "preguntó si su línea está protegida contra un cambio de compañía local o de larga distancia",
        ),
        "export_directory_listing" => (
            "sent your directory listing (name, number, address) to the directory publisher",
            "envió su inscripción (nombre, número, dirección) a la editorial de la guía telefónica",
        ),
        "deliver_to_address_of_record" => (
            "sent account information to your address of record",
            "envió información de su cuenta a su dirección registrada",
        ),
        other => return other.to_owned(),
    };
    pick(lang, en, es).to_owned()
}

/// Why, in plain words (an unknown purpose is shown by its code).
pub(super) fn purpose(purpose: &str, lang: Language) -> String {
    let (en, es) = match purpose {
        "marketing_with_approval" => ("marketing you approved", "mercadeo que usted aprobó"),
        "legal_process" => ("a subpoena, warrant or court order", "una citación, orden de registro u orden judicial"),
        "fraud_protection" => ("protection against fraud", "protección contra el fraude"),
        "pic_freeze_inquiry" => ("a request to change your carrier", "una solicitud de cambio de compañía"),
        "directory_listing" => ("the telephone directory", "la guía telefónica"),
        "service_and_support" => ("providing your service and support", "la prestación de su servicio y atención"),
        "billing" => ("billing you for your service", "la facturación de su servicio"),
        other => return other.to_owned(),
    };
    pick(lang, en, es).to_owned()
}

pub(super) fn decision(decision: Decision, lang: Language) -> &'static str {
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
    fn every_action_and_purpose_of_the_gate_has_words() {
        for code in [
            "read_call_detail",
            "read_invoices",
            "read_services",
            "read_usage_summary",
            "use_for_marketing",
            "disclose_to_third_party",
            "answer_pic_freeze_inquiry",
            "export_directory_listing",
            "deliver_to_address_of_record",
        ] {
            assert_ne!(action(code, Language::En), code);
            assert_ne!(action(code, Language::Es), action(code, Language::En));
        }
        for code in [
            "marketing_with_approval",
            "legal_process",
            "fraud_protection",
            "pic_freeze_inquiry",
            "directory_listing",
            "service_and_support",
            "billing",
        ] {
            assert_ne!(purpose(code, Language::En), code);
            assert_ne!(purpose(code, Language::Es), purpose(code, Language::En));
        }
    }
}
