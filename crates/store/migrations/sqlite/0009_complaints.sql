-- Complaints and questions to the privacy office, and actions against data brokers (issue 9), SQLite dialect.
SELECT 1;
