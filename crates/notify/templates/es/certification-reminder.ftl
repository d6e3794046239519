# Recordatorio a la oficina de privacidad del operador de que vence la certificación
# anual de CPNI (47 CFR 64.2009(e): cada 1 de marzo, por el año calendario anterior).
# Variables: $name (el destinatario), $year (el año certificado), $due (AAAA-MM-DD),
# $status (none, draft o signed) y, del operador, $carrier, $support_phone, $website,
# $privacy_email. Nunca CPNI.

status-name = { $status ->
    [draft] redactada pero sin firmar
    [signed] firmada pero sin presentar
   *[other] aún sin redactar
}

subject = La certificación anual de CPNI de { $year } vence el { $due }

body =
    Para: { $name }

    La certificación anual de cumplimiento de CPNI de { $year } debe presentarse ante la FCC a más tardar el { $due }. Está { status-name }.

    Genérela en CPNI Guard a partir de los registros del año, haga que el funcionario la firme, preséntela y registre la referencia de presentación. Este recordatorio se envía una vez al día hasta que se registre la presentación. Consultas: { $privacy_email }, { $support_phone }.

    { $carrier }

sms = { $carrier }: certificación CPNI de { $year } vence el { $due }, { status-name }. Oficina de privacidad: { $support_phone }.

voice =
    Le llama { $carrier }. La certificación anual de CPNI de { $year } vence el { $due }.
