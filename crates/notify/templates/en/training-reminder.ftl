# Reminder to the carrier's privacy office that a staff member's CPNI training expires
# soon (47 CFR 64.2009(b); requirement S9). Variables: $name (the addressee), $staff
# (the staff member's name and user name), $expires (YYYY-MM-DD, the first day the
# training no longer counts), and the carrier's $carrier, $support_phone, $website,
# $privacy_email. Never CPNI.

subject = CPNI training expires { $expires }: { $staff }

body =
    To: { $name }

    The CPNI training of { $staff } expires on { $expires }. From that day the disclosure gate refuses them access to customer proprietary network information until a new completion is recorded.

    Schedule the course and record its completion in CPNI Guard (one record, or a CSV import). This reminder is sent once for each expiry date. Questions: { $privacy_email }, { $support_phone }.

    { $carrier }

sms = { $carrier }: CPNI training of { $staff } expires { $expires }. Privacy office: { $support_phone }.

voice =
    This is { $carrier }. The CPNI training of { $staff } expires on { $expires }.
