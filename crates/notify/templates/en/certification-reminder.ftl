# Reminder to the carrier's privacy office that the annual CPNI certification is due
# (47 CFR 64.2009(e): each March 1, for the previous calendar year). Variables: $name
# (the addressee), $year (the calendar year certified), $due (YYYY-MM-DD), $status
# (none, draft or signed), and the carrier's $carrier, $support_phone, $website,
# $privacy_email. Never CPNI.

status-name = { $status ->
    [draft] drafted but not signed
    [signed] signed but not filed
   *[other] not drafted yet
}

subject = Annual CPNI certification for { $year } due { $due }

body =
    To: { $name }

    The annual CPNI compliance certification for { $year } must be filed with the FCC by { $due }. It is { status-name }.

    Generate it in CPNI Guard from the year's records, have the officer sign it, file it, and record the filing reference. This reminder is sent once a day until the filing is recorded. Questions: { $privacy_email }, { $support_phone }.

    { $carrier }

sms = { $carrier }: CPNI certification for { $year } due { $due }, { status-name }. Privacy office: { $support_phone }.

voice =
    This is { $carrier }. The annual CPNI certification for { $year } is due on { $due }.
