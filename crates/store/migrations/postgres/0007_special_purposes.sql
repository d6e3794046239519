-- Legal process and fraud cases recorded by the privacy office, and third-party disclosures (issue 5), PostgreSQL dialect.
SELECT 1;
