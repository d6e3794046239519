-- Published CPNI policy versions in English and Spanish, and material-change mailings (issue 9), PostgreSQL dialect.
SELECT 1;
