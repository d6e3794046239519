-- Published CPNI policy versions in English and Spanish, and material-change mailings (issue 9), SQLite dialect.
SELECT 1;
