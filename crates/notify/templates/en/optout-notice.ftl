# The individual opt-out notice (47 CFR 64.2008; requirement S2), served before the
# carrier relies on opt-out approval and again every two years.
# Variables: $changed_at (the date of the notice, in words), $name (the account
# holder), and the carrier's $carrier, $support_phone, $website, $privacy_email (the
# marketing address that takes opt-outs by email). Never CPNI, never a contact point.

subject = Your privacy choices: how { $carrier } may use your account information

body =
    Dear { $name },

    This notice, dated { $changed_at }, explains your right to restrict how we use your account information.

    Your right and our duty. You have a right, and { $carrier } has a duty under federal law, to protect the confidentiality of your customer proprietary network information (CPNI).

    What CPNI is. CPNI is information about the quantity, technical configuration, type, destination, location and amount of use of the telecommunications services you buy from us, and the information about those services on your bills: for example which services you have, the numbers you call, when, and for how long. It is not your name, address or listed telephone number.

    Who receives it and for what. Unless you tell us not to, { $carrier } and its agents and affiliates that provide communications-related services may use your CPNI to offer you communications-related services and promotions, including those of our partners. We share CPNI with joint-venture partners, independent contractors or other third parties only if you have given us your express approval (opt-in).

    How to opt out, at no cost, at any time. You may deny or withdraw our use of your CPNI at any time, free of charge, by any of these means:
    - email the word STOP from your email address on file to { $privacy_email };
    - call { $support_phone }, 24 hours a day, 7 days a week;
    - use your online account at { $website }.
    If you do not opt out within 30 days of this notice (33 days if it came by mail), we will assume you approve this use.

    Your services are not affected. Denying or withdrawing approval will not affect any of the services you take from us, now or later.

    Your choice lasts. Whatever you choose stays in force until you change it, which you may do at any time.

    Questions about your privacy: { $privacy_email }

    { $carrier }
    { $website }

sms = { $carrier }: you may stop us using your account information (CPNI) for marketing, free, any time: email STOP to { $privacy_email } or call { $support_phone }. Your services are not affected; your choice lasts until you change it.

voice =
    Hello, this is { $carrier } with a privacy notice for { $name }.
    You have a right, and we have a duty, to protect your customer proprietary network information, which is information about the services you use and how you use them.
    We and our affiliates may use it to offer you communications services unless you tell us not to. You may opt out free of charge at any time by calling { $support_phone } or by email to { $privacy_email }.
    Opting out never affects your services, and your choice lasts until you change it. Thank you.
