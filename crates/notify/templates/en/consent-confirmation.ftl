# Confirmation of a change of the customer's approval of the use of their CPNI for
# marketing (47 CFR 64.2007; requirement S2).
# Variables: $change (consent_opted_out or consent_opted_in), $changed_at (when, in
# words), $name (the account holder), and the carrier's $carrier, $support_phone,
# $website, $privacy_email. Never CPNI, never a contact point.

what-changed = { $change ->
    [consent_opted_out] we recorded your request that we do not use your customer proprietary network information (CPNI) to market products and services to you or share it with our partners
   *[consent_opted_in] we recorded your approval for us to use your customer proprietary network information (CPNI) for marketing as you chose
}

subject = { $change ->
    [consent_opted_out] We recorded your marketing opt-out
   *[consent_opted_in] We recorded your marketing approval
} - { $carrier }

body =
    Dear { $name },

    On { $changed_at }, { what-changed }.

    Your choice does not affect any of the services you take from us, and it stays in force until you change it. You can change it at any time, at no cost.

    If you did not ask for this, call { $carrier } at { $support_phone }.

    Questions about your privacy: { $privacy_email }

    { $carrier }
    { $website }

sms = { $change ->
    [consent_opted_out] { $carrier }: your marketing opt-out was recorded. Your services are not affected. Not you? Call { $support_phone }.
   *[consent_opted_in] { $carrier }: your marketing approval was recorded. You can withdraw it at any time. Not you? Call { $support_phone }.
}

voice =
    Hello, this is { $carrier } with a message for { $name }.
    On { $changed_at }, { what-changed }.
    If you did not ask for this, call us at { $support_phone }. Thank you.
