# Acknowledgement that the privacy office received a customer's complaint or question
# about the privacy of their customer proprietary network information (CPNI).
# Variables: $change (complaint_acknowledged), $changed_at (when it was received, in
# words), $name (the account holder), $reference (the complaint's reference), and the
# carrier's $carrier, $support_phone, $website, $privacy_email. Never the complaint's
# text, never CPNI, never a contact point.

subject = We received your privacy complaint or question (reference { $reference }) - { $carrier }

body =
    Dear { $name },

    On { $changed_at }, our privacy office received your complaint or question about the privacy of your account information. Its reference is { $reference }.

    We will look into it and tell you what we found. You do not need to do anything now. If you write to us about it, please quote the reference.

    If you did not contact us, call { $carrier } at { $support_phone }.

    Privacy office: { $privacy_email }

    { $carrier }
    { $website }

sms = { $carrier }: our privacy office received your complaint or question, reference { $reference }. We will reply. Not you? Call { $support_phone }.

voice =
    Hello, this is { $carrier } with a message for { $name }.
    On { $changed_at }, our privacy office received your complaint or question. Its reference is { $reference }.
    We will look into it and reply. If you did not contact us, call us at { $support_phone }. Thank you.
