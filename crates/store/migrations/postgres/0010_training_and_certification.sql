-- Staff CPNI training and discipline records, and the annual certification filings (issue 9), PostgreSQL dialect.
SELECT 1;
