# Recordatorio a la oficina de privacidad del operador de que la capacitación CPNI de
# un empleado vence pronto (47 CFR 64.2009(b); requisito S9). Variables: $name (el
# destinatario), $staff (nombre y usuario del empleado), $expires (AAAA-MM-DD, el primer
# día en que la capacitación deja de valer) y, del operador, $carrier, $support_phone,
# $website, $privacy_email. Nunca CPNI.

subject = La capacitación CPNI vence el { $expires }: { $staff }

body =
    Para: { $name }

    La capacitación CPNI de { $staff } vence el { $expires }. Desde ese día el control de divulgación le niega el acceso a la información de red del cliente (CPNI) hasta que se registre una nueva capacitación.

    Programe el curso y registre su finalización en CPNI Guard (un registro, o una importación CSV). Este recordatorio se envía una vez por cada fecha de vencimiento. Consultas: { $privacy_email }, { $support_phone }.

    { $carrier }

sms = { $carrier }: la capacitación CPNI de { $staff } vence el { $expires }. Oficina de privacidad: { $support_phone }.

voice =
    Le llama { $carrier }. La capacitación CPNI de { $staff } vence el { $expires }.
