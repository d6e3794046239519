# The account-change notice (47 CFR 64.2010(f)).
# Variables: $change (which kind of change), $changed_at (when, in words), $name (the
# account holder), and the carrier's $carrier, $support_phone, $website, $privacy_email.
# It must never show the changed value, a contact point or CPNI: none is passed in.

what-changed = { $change ->
    [email_address_changed] the email address on your account was changed
    [postal_address_changed] the postal address on your account was changed
    [telephone_number_changed] a telephone number on your account was changed
    [password_changed] the password for your account was changed
    [pin_changed] the PIN for your account was changed
    [backup_question_changed] the back-up security question and answer for your account were changed
    [online_account_created] online access to your account was set up
    [business_exemption_changed] the contract terms for authenticating your business account were changed
   *[online_account_changed] your online account was changed
}

subject = { $change ->
    [email_address_changed] Your email address was changed
    [postal_address_changed] Your postal address was changed
    [telephone_number_changed] A telephone number on your account was changed
    [password_changed] Your password was changed
    [pin_changed] Your PIN was changed
    [backup_question_changed] Your security question was changed
    [online_account_created] Online access to your account was set up
    [business_exemption_changed] The authentication terms of your business account were changed
   *[online_account_changed] Your online account was changed
} - { $carrier }

body =
    Dear { $name },

    On { $changed_at }, { what-changed }.

    If you made this change, you do not need to do anything.

    If you did not make this change, call { $carrier } right away at { $support_phone }. Someone else may have access to your account.

    For your security, this notice does not show the new information, and it was sent only to contact details that were already on your account.

    Questions about your privacy: { $privacy_email }

    { $carrier }
    { $website }

sms = { $carrier }: { what-changed } on { $changed_at }. Not you? Call { $support_phone }.

voice =
    Hello, this is { $carrier } with a security notice for { $name }.
    On { $changed_at }, { what-changed }.
    If you did not make this change, please call us at { $support_phone }.
    Again: if you did not make this change, call { $carrier } at { $support_phone }. Thank you.
