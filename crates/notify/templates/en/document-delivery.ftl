# A document the customer asked for, sent only to the email or postal address of
# record (47 CFR 64.2010(b), seed policy S3 methods 3 and 4). Variables: $document (the
# document's text), $changed_at (when it was asked for), $change, $name.

subject = The document you asked for - { $carrier }

body =
    Dear { $name },

    On { $changed_at }, you asked for the following document. For your security we send it only to the address on record for your account.

    { $document }

    If you did not ask for this, call { $carrier } right away at { $support_phone }.

    { $carrier }
    { $website }

sms = { $carrier }: the document you asked for was sent to your address of record. Not you? Call { $support_phone }.

voice =
    Hello, this is { $carrier } for { $name }.
    The document you asked for was sent to your address of record. If you did not ask for it, call us at { $support_phone }.
