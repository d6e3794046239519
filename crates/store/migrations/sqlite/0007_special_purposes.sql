-- Legal process and fraud cases recorded by the privacy office, and third-party disclosures (issue 5), SQLite dialect.
SELECT 1;
