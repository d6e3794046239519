# Recordatorio a la oficina de privacidad del operador de que un plazo de una brecha
# está vencido o vence pronto (47 CFR 64.2011; requisito S7). Variables: $name (el
# destinatario), $incident (el id del incidente), $clock (agency_notice,
# customer_notice o annual_summary), $due (AAAA-MM-DD) y, del operador, $carrier,
# $support_phone, $website, $privacy_email. Nunca CPNI.

clock-name = { $clock ->
    [agency_notice] aviso a las agencias federales
    [customer_notice] aviso a los clientes afectados
    [annual_summary] inclusión en el resumen anual a la FCC
   *[other] { $clock }
}

subject = Recordatorio de plazo de brecha: incidente { $incident } - { clock-name } vence el { $due }

body =
    Para: { $name }

    El incidente de brecha { $incident } tiene un plazo en curso: { clock-name }, vence el { $due }.

    Registre el aviso en el incidente cuando se haga, o registre por qué no es necesario. Este recordatorio se envía una vez al día mientras el plazo esté vencido o venza pronto. Los clientes que llamen a { $carrier } al { $support_phone } por este incidente deben ser transferidos a la oficina de privacidad.

    { $carrier }

sms = { $carrier }: incidente de brecha { $incident }, { clock-name } vence el { $due }. Línea de atención: { $support_phone }.

voice =
    Le llama { $carrier }. El incidente de brecha { $incident } tiene un plazo que vence el { $due }: { clock-name }.
