-- Staff CPNI training and discipline records, and the annual certification filings (issue 9), SQLite dialect.
SELECT 1;
