-- Complaints and questions to the privacy office, and actions against data brokers (issue 9), PostgreSQL dialect.
SELECT 1;
