# Aviso de cambio en la cuenta (47 CFR 64.2010(f)).
# Variables: $change (qué tipo de cambio), $changed_at (cuándo, en palabras), $name (el
# titular de la cuenta) y, del operador, $carrier, $support_phone, $website, $privacy_email.
# Nunca debe mostrar el valor nuevo, un dato de contacto ni CPNI: no se le pasan.

what-changed = { $change ->
    [email_address_changed] se cambió la dirección de correo electrónico de su cuenta
    [postal_address_changed] se cambió la dirección postal de su cuenta
    [telephone_number_changed] se cambió un número de teléfono de su cuenta
    [password_changed] se cambió la contraseña de su cuenta
    [pin_changed] se cambió el PIN de su cuenta
    [backup_question_changed] se cambiaron la pregunta y la respuesta de seguridad de su cuenta
    [online_account_created] se activó el acceso en línea a su cuenta
    [business_exemption_changed] se modificaron los términos del contrato para autenticar su cuenta comercial
   *[online_account_changed] se modificó su cuenta en línea
}

subject = { $change ->
    [email_address_changed] Se cambió su correo electrónico
    [postal_address_changed] Se cambió su dirección postal
    [telephone_number_changed] Se cambió un número de teléfono de su cuenta
    [password_changed] Se cambió su contraseña
    [pin_changed] Se cambió su PIN
    [backup_question_changed] Se cambió su pregunta de seguridad
    [online_account_created] Se activó el acceso en línea a su cuenta
    [business_exemption_changed] Se modificaron los términos de autenticación de su cuenta comercial
   *[online_account_changed] Se modificó su cuenta en línea
} - { $carrier }

body =
    Estimado/a { $name }:

    El { $changed_at }, { what-changed }.

    Si usted hizo este cambio, no tiene que hacer nada.

    Si usted no hizo este cambio, llame de inmediato a { $carrier } al { $support_phone }. Es posible que otra persona tenga acceso a su cuenta.

    Por su seguridad, este aviso no muestra la información nueva y se envió solo a datos de contacto que ya figuraban en su cuenta.

    Preguntas sobre su privacidad: { $privacy_email }

    { $carrier }
    { $website }

sms = { $carrier }: el { $changed_at } { what-changed }. ¿No fue usted? Llame al { $support_phone }.

voice =
    Hola, le llama { $carrier } con un aviso de seguridad para { $name }.
    El { $changed_at }, { what-changed }.
    Si usted no hizo este cambio, llámenos al { $support_phone }.
    Repetimos: si usted no hizo este cambio, llame a { $carrier } al { $support_phone }. Gracias.
