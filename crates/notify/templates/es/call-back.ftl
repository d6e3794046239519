# La devolución de llamada que autentica a quien llama (47 CFR 64.2010(b)): el operador
# llama al número de teléfono registrado de la cuenta, nunca a uno que ofrezca quien
# llama, y la plataforma telefónica informa que la llamada fue contestada. Variables:
# $name y los datos del operador. No dice nada de la cuenta.

subject = Una devolución de llamada de { $carrier }

body =
    Estimado(a) { $name }:

    Le devolvimos la llamada a este número de teléfono porque alguien que nos llamó por su cuenta nos lo pidió.

    Si no fue usted, llámenos al { $support_phone }.

    { $carrier }
    { $website }

sms = { $carrier } le devuelve la llamada según lo pidió. ¿No fue usted? Llame al { $support_phone }.

voice =
    Hola, habla { $carrier } para devolverle la llamada a { $name }, como lo pidió al llamarnos.
    Por favor no cuelgue. Si usted no nos llamó, cuelgue y llámenos al { $support_phone }.
