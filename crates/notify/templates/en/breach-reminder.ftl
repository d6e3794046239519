# Reminder to the carrier's privacy office that a breach clock is overdue or due soon
# (47 CFR 64.2011; requirement S7). Variables: $name (the addressee), $incident (the
# incident id), $clock (agency_notice, customer_notice or annual_summary), $due
# (YYYY-MM-DD), and the carrier's $carrier, $support_phone, $website, $privacy_email.
# Never CPNI.

clock-name = { $clock ->
    [agency_notice] notice to the federal agencies
    [customer_notice] notice to the affected customers
    [annual_summary] inclusion in the annual summary to the FCC
   *[other] { $clock }
}

subject = Breach clock reminder: incident { $incident } - { clock-name } due { $due }

body =
    To: { $name }

    Breach incident { $incident } has a clock running: { clock-name }, due { $due }.

    Record the notice on the incident once it is made, or record why it is not required. This reminder is sent once a day while the clock is overdue or due soon. Customers who call { $carrier } at { $support_phone } about this incident should be put through to the privacy office.

    { $carrier }

sms = { $carrier }: breach incident { $incident }, { clock-name } due { $due }. Support line: { $support_phone }.

voice =
    This is { $carrier }. Breach incident { $incident } has a clock due on { $due }: { clock-name }.
