# Notice to a customer whose CPNI was reached by someone not authorised (47 CFR
# 64.2011; requirement S7). Variables: $change (breach_notice), $changed_at (when the
# carrier learned of it, in words), $name (the account holder), $categories (the kinds
# of information, in words), and the carrier's $carrier, $support_phone, $website,
# $privacy_email. Never the CPNI itself, never a contact point.

subject = Important notice about your account information - { $carrier }

body =
    Dear { $name },

    What happened: on { $changed_at }, we learned that someone who was not authorised may have seen information about your telephone service with us.

    What information was involved: { $categories }. Your passwords and payment card numbers are not part of this information.

    What we are doing: we stopped the access, reported it to federal law enforcement as the law requires, and are reviewing how we protect this information.

    What you can do: review your bills and call records for anything unusual, and consider adding or changing the passcode on your account. You do not need to reply to this notice.

    How to contact us: call { $carrier } at { $support_phone }, write to { $privacy_email }, or visit { $website }.

    You can also contact the Federal Communications Commission (FCC) at 1-888-225-5322 or https://consumercomplaints.fcc.gov.

    { $carrier }
    { $website }

sms = { $carrier }: we sent you an important notice about unauthorised access to your account information. Questions? Call { $support_phone }.

voice =
    Hello, this is { $carrier } with an important message for { $name }.
    On { $changed_at }, we learned that someone who was not authorised may have seen information about your telephone service.
    We are sending you a written notice. For questions, call us at { $support_phone }. Thank you.
